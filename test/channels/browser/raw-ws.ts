/**
 * A WebSocket client at the byte level, for the one thing a normal client cannot do: stop reading. It does the
 * RFC 6455 handshake, sends masked frames, and parses the server's frames only when the test lets it read.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface Frame {
  opcode: number;
  payload: Buffer;
}

export class RawWebSocket {
  readonly socket: Socket;
  #pending = Buffer.alloc(0);
  readonly frames: Frame[] = [];
  #onFrame: (() => void) | null = null;

  private constructor(socket: Socket) {
    this.socket = socket;
  }

  /** Connects and upgrades; resolves with the socket paused right after the 101 response. */
  static open(port: number, path: string, headers: Record<string, string> = {}): Promise<RawWebSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const client = new RawWebSocket(socket);
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.pause();
        const status = head.subarray(0, end).toString('latin1').split('\r\n')[0] ?? '';
        if (!status.includes(' 101 ')) {
          socket.destroy();
          return reject(new Error(`upgrade refused: ${status}\n${head.subarray(end + 4).toString()}`));
        }
        client.#pending = head.subarray(end + 4);
        socket.on('data', (data: Buffer) => client.#take(data));
        resolve(client);
      };
      socket.on('data', onData);
      socket.on('error', reject);
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
          Object.entries(headers)
            .map(([name, value]) => `${name}: ${value}\r\n`)
            .join('') +
          '\r\n',
      );
    });
  }

  sendText(text: string | Buffer): void {
    // A Buffer goes as it is: a test may send bytes that are not UTF-8.
    const payload = typeof text === 'string' ? Buffer.from(text) : text;
    const mask = randomBytes(4);
    const header =
      payload.length < 126
        ? Buffer.from([0x81, 0x80 | payload.length])
        : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
    const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  /** Starts reading again; resolves when a frame with `opcode` has arrived (8: close). */
  readUntil(opcode: number, timeoutMs = 20_000): Promise<Frame> {
    this.socket.resume();
    this.#take(Buffer.alloc(0));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame with opcode ${opcode}`)), timeoutMs);
      const check = () => {
        const frame = this.frames.find((f) => f.opcode === opcode);
        if (!frame) return;
        clearTimeout(timer);
        this.#onFrame = null;
        resolve(frame);
      };
      this.#onFrame = check;
      check();
    });
  }

  #take(data: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, data]);
    for (;;) {
      const b = this.#pending;
      if (b.length < 2) break;
      let length = b[1]! & 0x7f;
      let at = 2;
      if (length === 126) {
        if (b.length < 4) break;
        length = b.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (b.length < 10) break;
        length = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      if (b.length < at + length) break;
      this.frames.push({ opcode: b[0]! & 0x0f, payload: b.subarray(at, at + length) });
      this.#pending = b.subarray(at + length);
    }
    this.#onFrame?.();
  }
}
