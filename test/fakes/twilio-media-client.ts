/**
 * A fake Twilio: the media-stream client side of `<Connect><Stream>`, as protocols.md §2.11 describes Twilio.
 *
 * - Signs the WebSocket upgrade (`X-Twilio-Signature` over the public `wss://` URL, with the official package).
 * - Sends `connected`, `start` (sequenceNumber "1", tracks ["inbound"], µ-law/8000/1, customParameters), then a
 *   `media` message every 20 ms in real time (drift-free), 160-byte payloads of whatever the caller says (silence
 *   between utterances, as a phone line), `chunk` and `timestamp` (+20) counting up, `sequenceNumber` across all.
 * - Plays what the server sends: `media` payloads are queued and drained at 8 bytes/ms; a `mark` is echoed once the
 *   audio queued before it has played; `clear` drops the queue and echoes every pending mark at once.
 * - Flags what Twilio would not take (binary frames, no streamSid, a mark without a name, a payload that is not
 *   base64 µ-law) in `problems`.
 * - `dtmf(digit)`, `stop()` (then closes), or notices the server closing first.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { mulawDecode } from '../../src/audio/g711.ts';

const FRAME_BYTES = 160;
const FRAME_MS = 20;
const SILENCE = new Uint8Array(FRAME_BYTES).fill(0xff);

export const sid = (prefix: 'CA' | 'MZ' | 'AC'): string => `${prefix}${randomBytes(16).toString('hex')}`;

export interface TwilioMediaClientOptions {
  /** Where to connect (the local server). */
  url: string;
  /** The URL Twilio believes it calls (ROOMAN_PUBLIC_URL + /twilio/media, wss://): what the signature covers. */
  signedUrl: string;
  authToken: string;
  accountSid: string;
  callSid?: string;
  streamSid?: string;
  /** `<Parameter>`s from the TwiML. */
  parameters: Record<string, string>;
  /** Replaces the computed signature (wrong-signature tests); null sends none. */
  signature?: string | null;
  /** Keep every message and all audio received (default true); load runs turn it off and use `onMedia`. */
  record?: boolean;
  /** Each outbound media payload as it arrives (µ-law bytes, arrival time). */
  onMedia?: (payload: Uint8Array, at: number) => void;
  /**
   * The WebSocket class (default Node's own). The load bench passes the `ws` package's, which costs the fake side
   * far less CPU per message, so 50 fake calls on the server's own cores disturb its timing less.
   */
  webSocket?: WebSocketClass;
}

/** A WHATWG-style WebSocket constructor that takes headers in its second argument (Node's, and `ws`'s). */
export type WebSocketClass = new (url: string, init: { headers: Record<string, string> }) => WebSocket;

export interface ReceivedMessage {
  at: number;
  event: string;
  raw: string;
}

export interface EchoedMark {
  name: string;
  /** Echoed because the audio before it played (`played`) or because a `clear` flushed it. */
  how: 'played' | 'cleared';
  at: number;
}

type Queued = { audio: Uint8Array; offset: number } | { mark: string };

export class TwilioMediaClient {
  readonly callSid: string;
  readonly streamSid: string;
  readonly received: ReceivedMessage[] = [];
  /** Arrival time of each outbound media frame, in order. */
  readonly mediaArrivals: number[] = [];
  /** Every media payload received, concatenated (µ-law). */
  readonly #receivedAudio: Uint8Array[] = [];
  /** What actually "played" (µ-law), and what a clear dropped unplayed. */
  playedBytes = 0;
  droppedBytes = 0;
  readonly echoedMarks: EchoedMark[] = [];
  readonly clears: number[] = [];
  readonly problems: string[] = [];
  closed: { code: number; reason: string; at: number } | null = null;
  readonly #o: TwilioMediaClientOptions;
  #ws: WebSocket | null = null;
  #sequence = 0;
  #chunk = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #t0 = 0;
  #frames = 0;
  #playBase = 0;
  #playedAtBase = 0;
  #queue: Queued[] = [];
  #saying: Array<{
    bytes: Uint8Array;
    at: number;
    startedAt: number;
    done: (startedAt: number) => void;
    fail: (error: Error) => void;
  }> = [];
  readonly #waiters = new Set<() => void>();

  constructor(options: TwilioMediaClientOptions) {
    this.#o = options;
    this.callSid = options.callSid ?? sid('CA');
    this.streamSid = options.streamSid ?? sid('MZ');
  }

  /** Opens the signed WebSocket; resolves once open, rejects if the server refuses the upgrade. */
  async connect(): Promise<void> {
    const signature =
      this.#o.signature === undefined
        ? twilio.getExpectedTwilioSignature(this.#o.authToken, this.#o.signedUrl, {})
        : this.#o.signature;
    const headers: Record<string, string> = signature === null ? {} : { 'X-Twilio-Signature': signature };
    // Node's WebSocket (undici) takes headers in its init object, as does `ws`.
    const Socket = this.#o.webSocket ?? (WebSocket as unknown as WebSocketClass);
    const ws = new Socket(this.#o.url, { headers });
    this.#ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('message', (event) => this.#onMessage(event.data));
    ws.addEventListener('close', (event) => {
      this.closed = { code: event.code, reason: event.reason, at: performance.now() };
      this.#stopLine();
      // What was still to be said never will be.
      for (const u of this.#saying.splice(0))
        u.fail(new Error(`the server closed the stream (${event.code} ${event.reason})`));
      this.#wake();
    });
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('error', () => reject(new Error('the server refused the media stream')), {
        once: true,
      });
    });
  }

  /** `connected` + `start`, then the line runs: silence, or what `say` queued, every 20 ms. */
  begin(options: { connected?: boolean } = {}): void {
    if (options.connected !== false)
      this.sendJson({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    this.sendJson({
      event: 'start',
      sequenceNumber: this.#nextSequence(),
      start: {
        accountSid: this.#o.accountSid,
        streamSid: this.streamSid,
        callSid: this.callSid,
        tracks: ['inbound'],
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        customParameters: this.#o.parameters,
      },
      streamSid: this.streamSid,
    });
    this.#t0 = performance.now();
    this.#playBase = this.#t0;
    this.#tick();
  }

  /** The caller speaks (µ-law 8 kHz): resolves with the wall time of its first frame once its last frame went. */
  say(mulaw: Uint8Array): Promise<number> {
    if (this.closed) return Promise.reject(new Error('the stream is closed'));
    return new Promise((resolve, reject) => {
      this.#saying.push({ bytes: mulaw, at: 0, startedAt: 0, done: resolve, fail: reject });
    });
  }

  dtmf(digit: string): void {
    this.sendJson({
      event: 'dtmf',
      streamSid: this.streamSid,
      sequenceNumber: this.#nextSequence(),
      dtmf: { track: 'inbound_track', digit },
    });
  }

  /** `stop`, as when the caller hangs up; the server is expected to close. */
  stop(): void {
    this.#stopLine();
    this.sendJson({
      event: 'stop',
      sequenceNumber: this.#nextSequence(),
      stop: { accountSid: this.#o.accountSid, callSid: this.callSid },
      streamSid: this.streamSid,
    });
  }

  /** Stops the 20 ms media line (the messages a test sends by hand follow no clock). */
  pauseLine(): void {
    this.#stopLine();
  }

  close(): void {
    this.#stopLine();
    this.#ws?.close(1000);
  }

  sendJson(message: unknown): void {
    this.sendRaw(JSON.stringify(message));
  }

  sendRaw(data: string | Uint8Array): void {
    if (this.#ws?.readyState === 1) this.#ws.send(data as string | Uint8Array<ArrayBuffer>);
  }

  nextSequence(): string {
    return this.#nextSequence();
  }

  /** Everything the server sent as audio, decoded to 8 kHz PCM16. */
  receivedPcm(): Int16Array {
    const total = this.#receivedAudio.reduce((n, b) => n + b.length, 0);
    const all = new Uint8Array(total);
    let at = 0;
    for (const b of this.#receivedAudio) {
      all.set(b, at);
      at += b.length;
    }
    return mulawDecode(all);
  }

  receivedAudioMs(): number {
    return this.#receivedAudio.reduce((n, b) => n + b.length, 0) / 8;
  }

  events(event?: string): ReceivedMessage[] {
    return event ? this.received.filter((m) => m.event === event) : this.received;
  }

  /** Waits until `check` returns a value other than undefined/false. */
  async until<T>(check: () => T | undefined | false | null, what: string, timeoutMs = 10_000): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== false && value !== null) return value;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 50));
        const waiter = () => done();
        this.#waiters.add(waiter);
        function done() {
          clearTimeout(timer);
          resolve();
        }
      });
      this.#waiters.clear();
    }
  }

  closedWith(timeoutMs = 10_000): Promise<{ code: number; reason: string; at: number }> {
    return this.until(() => this.closed, 'the server to close the stream', timeoutMs);
  }

  // ── the line: one media frame per 20 ms, scheduled from the start (no drift) ────────────────────────────────

  #tick = (): void => {
    this.#timer = null;
    if (this.#ws?.readyState !== 1) return;
    const now = performance.now();
    while (this.#t0 + this.#frames * FRAME_MS <= now + 1) this.#sendFrame();
    this.#play(now);
    this.#timer = setTimeout(this.#tick, Math.max(0, this.#t0 + this.#frames * FRAME_MS - performance.now()));
  };

  #sendFrame(): void {
    this.#frames++;
    let payload = SILENCE;
    const current = this.#saying[0];
    if (current) {
      if (current.at === 0) current.startedAt = performance.now();
      payload = new Uint8Array(FRAME_BYTES).fill(0xff);
      payload.set(current.bytes.subarray(current.at, current.at + FRAME_BYTES));
      current.at += FRAME_BYTES;
      if (current.at >= current.bytes.length) {
        this.#saying.shift();
        current.done(current.startedAt);
      }
    }
    this.#chunk++;
    this.sendJson({
      event: 'media',
      sequenceNumber: this.#nextSequence(),
      media: {
        track: 'inbound',
        chunk: String(this.#chunk),
        timestamp: String((this.#chunk - 1) * FRAME_MS),
        payload: Buffer.from(payload).toString('base64'),
      },
      streamSid: this.streamSid,
    });
  }

  #stopLine(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #nextSequence(): string {
    this.#sequence++;
    return String(this.#sequence);
  }

  // ── what the server sends ─────────────────────────────────────────────────────────────────────────────────

  #onMessage(data: unknown): void {
    const at = performance.now();
    if (typeof data !== 'string') {
      this.problems.push('binary frame');
      return;
    }
    let message: {
      event?: unknown;
      streamSid?: unknown;
      media?: { payload?: unknown };
      mark?: { name?: unknown };
    };
    try {
      message = JSON.parse(data);
    } catch {
      this.problems.push(`not JSON: ${data.slice(0, 60)}`);
      return;
    }
    const event = String(message.event);
    const record = this.#o.record !== false;
    if (record) this.received.push({ at, event, raw: data });
    if (message.streamSid !== this.streamSid) this.problems.push(`${event} without this streamSid`);
    switch (event) {
      case 'media': {
        const payload = message.media?.payload;
        if (typeof payload !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(payload) || payload === '') {
          this.problems.push('media without a base64 payload');
          break;
        }
        const bytes = new Uint8Array(Buffer.from(payload, 'base64'));
        if (bytes.length >= 4 && String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF')
          this.problems.push('media payload has a WAV header');
        this.#o.onMedia?.(bytes, at);
        if (record) {
          this.mediaArrivals.push(at);
          this.#receivedAudio.push(bytes);
        }
        this.#play(at);
        this.#queue.push({ audio: bytes, offset: 0 });
        break;
      }
      case 'mark': {
        const name = message.mark?.name;
        if (typeof name !== 'string' || name === '') {
          this.problems.push('mark without a name');
          break;
        }
        this.#queue.push({ mark: name });
        this.#play(at);
        break;
      }
      case 'clear':
        this.clears.push(at);
        for (const item of this.#queue) {
          if ('mark' in item) this.#echoMark(item.mark, 'cleared');
          else this.droppedBytes += item.audio.length - item.offset;
        }
        this.#queue = [];
        this.#playBase = at;
        this.#playedAtBase = 0;
        break;
      default:
        this.problems.push(`unknown event ${event}`);
    }
    this.#wake();
  }

  /** Drains the playback queue at 8 bytes/ms up to `now`, echoing marks as the audio before them finishes. */
  #play(now: number): void {
    let budget = Math.floor((now - this.#playBase) * 8) - this.#playedAtBase;
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if ('mark' in head) {
        this.#queue.shift();
        this.#echoMark(head.mark, 'played');
        continue;
      }
      if (budget <= 0) break;
      const take = Math.min(budget, head.audio.length - head.offset);
      head.offset += take;
      budget -= take;
      this.#playedAtBase += take;
      this.playedBytes += take;
      if (head.offset >= head.audio.length) this.#queue.shift();
    }
    if (this.#queue.length === 0) {
      // Idle: the next audio starts playing when it arrives.
      this.#playBase = now;
      this.#playedAtBase = 0;
    }
  }

  /** Marks echoed, counted even when not recorded. */
  marksEchoed = 0;

  #echoMark(name: string, how: 'played' | 'cleared'): void {
    this.marksEchoed++;
    if (this.#o.record !== false) this.echoedMarks.push({ name, how, at: performance.now() });
    this.sendJson({
      event: 'mark',
      sequenceNumber: this.#nextSequence(),
      streamSid: this.streamSid,
      mark: { name },
    });
  }

  #wake(): void {
    for (const w of this.#waiters) w();
  }
}
