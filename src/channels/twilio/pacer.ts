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
 *
 * Runs start on a 20 ms grid shared by every call of the process (the first `lead` frames go at once), so the frames
 * of all calls fall due at the same instants and one wake-up of the shared FrameClock sends them all: 50 timer
 * wake-ups a second for the whole process instead of 50 per call.
 */

/** One timer for every pacer in the process; callbacks due at the same instant run in one wake-up. */
export class FrameClock {
  readonly #now: () => number;
  readonly #waiting = new Map<number, Set<() => void>>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerAt = Number.POSITIVE_INFINITY;
  /** Timer wake-ups so far (one sends the due frames of every call). */
  wakeups = 0;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Runs `fn` at `due` (the `now` clock); returns a cancel function. */
  at(due: number, fn: () => void): () => void {
    let set = this.#waiting.get(due);
    if (!set) {
      set = new Set();
      this.#waiting.set(due, set);
    }
    set.add(fn);
    if (due < this.#timerAt) this.#arm(due);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.#waiting.get(due) === set) this.#waiting.delete(due);
    };
  }

  #arm(due: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = due;
    this.#timer = setTimeout(this.#fire, Math.max(0, due - this.#now()));
  }

  #fire = (): void => {
    this.wakeups++;
    this.#timer = null;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.#now();
    const due: Array<() => void> = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [at, fns] of this.#waiting) {
      if (at <= now + 0.5) {
        this.#waiting.delete(at);
        due.push(...fns);
      } else if (at < next) next = at;
    }
    for (const fn of due) fn();
    // Callbacks may have added earlier instants; arm for the earliest still waiting.
    for (const at of this.#waiting.keys()) if (at < next) next = at;
    if (next < this.#timerAt && next !== Number.POSITIVE_INFINITY) this.#arm(next);
  };
}

/** The process's clock: every call's pacer shares it. */
export const sharedFrameClock = new FrameClock();

export interface PacerOptions {
  send: (data: string) => void;
  frameMs?: number;
  /** Frames sent ahead of real time at the start of a run, so the far end never runs dry (default 2 = 40 ms). */
  leadFrames?: number;
  /** Monotonic milliseconds; injectable for tests (with a FrameClock on the same clock). */
  now?: () => number;
  clock?: FrameClock;
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
  /** When the current run started, the grid instant its frame `lead` is due, and frames sent in it. */
  #runStart = 0;
  #base = 0;
  #index = 0;
  readonly #clock: FrameClock;
  /** Cancels the pending wake-up; null when none is pending. */
  #timer: (() => void) | null = null;
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
    this.#clock = options.clock ?? sharedFrameClock;
  }

  /** Frames queued and not sent yet. */
  get queuedFrames(): number {
    return this.#frames;
  }

  /** Items the queue's array still holds, sent ones included until it compacts (memory, for tests). */
  get retained(): number {
    return this.#queue.length;
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
    this.#timer?.();
    this.#timer = null;
  }

  stop(): void {
    this.clear();
    this.#stopped = true;
  }

  #startRun(now: number): void {
    this.#runStart = now;
    this.#base = Math.ceil(now / this.#frameMs) * this.#frameMs;
    this.#index = 0;
    this.stats.runs++;
  }

  #due(index: number): number {
    return Math.max(this.#runStart, this.#base + (index - this.#lead) * this.#frameMs);
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
          // A queue that never drains (a long monologue topped up as it plays) must not keep what it sent.
          if (this.#head > 256) {
            this.#queue = this.#queue.slice(this.#head);
            this.#head = 0;
          }
          this.#timer = this.#clock.at(due, this.#pump);
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
