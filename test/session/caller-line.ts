/**
 * A phone line into a voice session for tests: 20 ms frames at real-time pace, silence between utterances (a line
 * never goes quiet in the byte sense), so the session's endpointer sees time pass exactly as in a call.
 */
import type { VoiceSession } from '../../src/session/voice-session.ts';

const FRAME = 320; // 20 ms at 16 kHz
const SILENCE = new Int16Array(FRAME);

interface Utterance {
  samples: Int16Array;
  /** Wall time (performance.now) at which the first frame was pushed. */
  started: (at: number) => void;
  done: () => void;
}

export class CallerLine {
  readonly #session: VoiceSession;
  readonly #queue: Utterance[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #t0 = 0;
  #frames = 0;
  #current: { u: Utterance; at: number } | null = null;

  constructor(session: VoiceSession) {
    this.#session = session;
  }

  start(): void {
    this.#t0 = performance.now();
    this.#tick();
  }

  /** Speaks the samples; resolves with the wall time of the first frame once the last frame went in. */
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

  /** Silence for `ms`, in line time. */
  async pause(ms: number): Promise<void> {
    await this.say(new Int16Array(Math.round(ms * 16)));
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #tick = (): void => {
    // Scheduled against the start time, so timer jitter does not accumulate.
    const due = this.#t0 + this.#frames * 20;
    const now = performance.now();
    while (this.#t0 + this.#frames * 20 <= now + 1) this.#pushFrame();
    this.#timer = setTimeout(this.#tick, Math.max(0, due + 20 - performance.now()));
  };

  #pushFrame(): void {
    this.#frames++;
    if (!this.#current && this.#queue.length) {
      const u = this.#queue.shift()!;
      u.started(performance.now());
      this.#current = { u, at: 0 };
    }
    const current = this.#current;
    if (!current) {
      this.#session.pushAudio(SILENCE);
      return;
    }
    const frame = current.u.samples.subarray(current.at, current.at + FRAME);
    current.at += FRAME;
    this.#session.pushAudio(frame);
    if (current.at >= current.u.samples.length) {
      this.#current = null;
      current.u.done();
    }
  }
}

/** Resolves on the first event that satisfies `match`, or rejects after `ms`. */
export function waitFor<T>(
  subscribe: (listener: (payload: T) => void) => () => void,
  ms: number,
  match: (payload: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`event not seen within ${ms} ms`));
    }, ms);
    const off = subscribe((payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}
