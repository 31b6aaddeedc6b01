/**
 * Sends one call's outbound audio at real-time pace: 20 ms µ-law frames, frame k of a run due at
 * `start + (k − lead) · 20 ms`, computed from the run's start (never from the previous send), so timer jitter does
 * not add up into drift. A run starts when audio arrives with nothing queued; a gap in the agent's audio (the next
 * sentence not synthesized yet) starts a new run rather than counting as lateness.
 *
 * Why pace at all when Twilio queues what it gets: audio already handed to Twilio can only be dropped whole
 * (`clear`), and a mark is echoed only when the audio before it played. Sending at playback speed (plus a small lead
 * against network jitter) keeps what the caller hears, what Twilio holds and what we believe in step.
 *
 * A `mark` queued after a frame goes out right after that frame.
 */

export interface PacerOptions {
  send: (data: string) => void;
  frameMs?: number;
  /** Frames sent ahead of real time at the start of a run, so the far end never runs dry (default 2 = 40 ms). */
  leadFrames?: number;
  /** Monotonic milliseconds; injectable for tests. */
  now?: () => number;
}

export interface PacerStats {
  framesSent: number;
  /** How far behind its due time the latest-sent frame went out, in ms (0 when on time). */
  maxLatenessMs: number;
  /** Sum of lateness, for a mean. */
  totalLatenessMs: number;
  /** Frames sent more than one frame period late. */
  lateFrames: number;
  runs: number;
}

type Item = { frame: true; data: string } | { frame: false; data: string };

export class OutboundPacer {
  readonly #send: (data: string) => void;
  readonly #frameMs: number;
  readonly #lead: number;
  readonly #now: () => number;
  #queue: Item[] = [];
  #head = 0;
  #frames = 0;
  /** Start of the current run and frames sent in it. */
  #base = 0;
  #index = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;
  readonly stats: PacerStats = {
    framesSent: 0,
    maxLatenessMs: 0,
    totalLatenessMs: 0,
    lateFrames: 0,
    runs: 0,
  };

  constructor(options: PacerOptions) {
    this.#send = options.send;
    this.#frameMs = options.frameMs ?? 20;
    this.#lead = options.leadFrames ?? 2;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Frames queued and not sent yet. */
  get queuedFrames(): number {
    return this.#frames;
  }

  get queuedMs(): number {
    return this.#frames * this.#frameMs;
  }

  /** Queues one frame's `media` message. */
  pushFrame(data: string): void {
    if (this.#stopped) return;
    if (this.#frames === 0 && this.#timer === null) {
      // Nothing queued: continue the run if its next slot is still ahead, else start a new one now.
      const now = this.#now();
      if (this.#due(this.#index) < now - this.#frameMs || this.#index === 0) this.#startRun(now);
    }
    this.#queue.push({ frame: true, data });
    this.#frames++;
    // A pending timer sends it in its turn.
    if (this.#timer === null) this.#pump();
  }

  /** Queues a message that goes out right after the frames queued before it (a `mark`). */
  pushAfter(data: string): void {
    if (this.#stopped) return;
    this.#queue.push({ frame: false, data });
    if (this.#timer === null) this.#pump();
  }

  /** Drops everything queued (barge-in); the next audio starts a new run. */
  clear(): void {
    this.#queue = [];
    this.#head = 0;
    this.#frames = 0;
    this.#index = 0;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  stop(): void {
    this.clear();
    this.#stopped = true;
  }

  #startRun(now: number): void {
    this.#base = now;
    this.#index = 0;
    this.stats.runs++;
  }

  #due(index: number): number {
    return this.#base + Math.max(0, index - this.#lead) * this.#frameMs;
  }

  #pump = (): void => {
    this.#timer = null;
    if (this.#stopped) return;
    const now = this.#now();
    while (this.#head < this.#queue.length) {
      const item = this.#queue[this.#head]!;
      if (item.frame) {
        const due = this.#due(this.#index);
        if (due > now + 0.5) {
          this.#timer = setTimeout(this.#pump, due - now);
          return;
        }
        const late = Math.max(0, now - due);
        const stats = this.stats;
        stats.framesSent++;
        stats.totalLatenessMs += late;
        if (late > stats.maxLatenessMs) stats.maxLatenessMs = late;
        if (late > this.#frameMs) stats.lateFrames++;
        this.#index++;
        this.#frames--;
      }
      this.#head++;
      this.#send(item.data);
      if (this.#stopped) return;
    }
    this.#queue = [];
    this.#head = 0;
  };
}
