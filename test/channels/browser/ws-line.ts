/**
 * A microphone on a `/ws/voice` socket for tests: 20 ms PCM16 frames (640 bytes) at real-time pace, silence between
 * utterances, scheduled against the start time so timer jitter does not accumulate.
 */
const FRAME = 320;
const SILENCE = new Uint8Array(FRAME * 2);

export class WsLine {
  readonly #ws: WebSocket;
  readonly #queue: Array<{ samples: Int16Array; started: (at: number) => void; done: () => void }> = [];
  #current: { samples: Int16Array; at: number; done: () => void } | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #t0 = 0;
  #frames = 0;

  constructor(ws: WebSocket) {
    this.#ws = ws;
  }

  start(): void {
    this.#t0 = performance.now();
    this.#tick();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Speaks 16 kHz samples; resolves with the wall time of the first frame once the last frame was sent. */
  say(samples: Int16Array): Promise<number> {
    return new Promise((resolve) => {
      let startedAt = 0;
      this.#queue.push({
        samples,
        started: (at) => {
          startedAt = at;
        },
        done: () => resolve(startedAt),
      });
    });
  }

  #tick = (): void => {
    const now = performance.now();
    while (this.#t0 + this.#frames * 20 <= now + 1) this.#frame();
    this.#timer = setTimeout(this.#tick, Math.max(0, this.#t0 + this.#frames * 20 - performance.now()));
  };

  #frame(): void {
    this.#frames++;
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    if (!this.#current && this.#queue.length) {
      const next = this.#queue.shift()!;
      next.started(performance.now());
      this.#current = { samples: next.samples, at: 0, done: next.done };
    }
    const current = this.#current;
    if (!current) {
      this.#ws.send(SILENCE);
      return;
    }
    const frame = current.samples.slice(current.at, current.at + FRAME);
    current.at += FRAME;
    this.#ws.send(new Uint8Array(frame.buffer));
    if (current.at >= current.samples.length) {
      this.#current = null;
      current.done();
    }
  }
}
