/**
 * Sends one call's outbound audio at real-time pace: 20 ms µ-law frames, frame k of a run due at
 * `grid + (k − lead) · 20 ms`, where `grid` is the 20 ms grid instant at or just before the run's start. Computed
 * from the run's start (never from the previous send), so timer jitter does not add up into drift. A run starts when
 * audio arrives with nothing queued; a gap in the agent's audio (the next sentence not synthesized yet) starts a new
 * run rather than counting as lateness.
 *
 * Why pace at all when Twilio queues what it gets: audio already handed to Twilio can only be dropped whole
 * (`clear`), and a mark is echoed only when the audio before it played. Sending at playback speed (plus a small lead
 * against network jitter) keeps what the caller hears, what Twilio holds and what we believe in step.
 *
 * Why a lead of 3 frames: the far end starts playing a run's first frame when it arrives, so frame k must be there
 * by `start + k · 20 ms`; sending it 60–80 ms early (3 frames, plus the part of a period since the grid instant)
 * means a stall of the process (a garbage collection, the machine descheduling it) shorter than that is never
 * heard. The lead costs nothing a caller notices: the first frames still go at once, a barge-in's `clear` drops what
 * Twilio holds, and marks are echoed on playback.
 *
 * Audio is queued as µ-law bytes with its marks as small tags, and each frame's `media` message (and each mark's)
 * is made only as it goes out: a long reply waits as one buffer rather than as thousands of JSON strings that would
 * outlive the young generation and churn the old one (the garbage collections that made frames late under load).
 * A mark goes out right after the frame before it.
 *
 * Runs start on a 20 ms grid shared by every call of the process (the frames due by then go at once), so the frames
 * of all calls fall due at the same instants and one wake-up of the shared FrameClock sends them all: 50 timer
 * wake-ups a second for the whole process instead of 50 per call.
 */

/**
 * How early a due instant may be served. Node's timers run on the event loop's millisecond clock, so a wake-up can
 * come up to 1 ms before the fractional instant it was set for; serving it then (1 ms early is inaudible and inside
 * the lead) saves a second wake-up a millisecond later.
 */
const EARLY_MS = 1;

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
      if (at <= now + EARLY_MS) {
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
  /** Turns a frame queued as bytes into its message, as it goes out (frames queued as strings go as they are). */
  frameMessage?: (payload: Uint8Array) => string;
  /** The message for a tag queued with audio (a mark), made when the frames before it have gone. */
  tagMessage?: (tag: unknown) => string | undefined;
  frameMs?: number;
  /** Bytes of one frame queued as audio (default 160: 20 ms of 8 kHz µ-law). */
  frameBytes?: number;
  /** Frames sent ahead of real time at the start of a run, so the far end never runs dry (default 3 = 60 ms). */
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
  /**
   * The far end's view: how long after the moment it had to start playing it the worst frame went out (send time −
   * (the run's first send + k · frame)); ≤ 0 while every frame left in time for its playback. −∞ until one is sent.
   */
  maxPlaybackLatenessMs: number;
  /** Frames that went out after their playback moment: a gap the caller may hear. */
  underruns: number;
  runs: number;
}

const DEFAULT_LEAD_FRAMES = 3;

/** A tag queued with audio: its message goes out right after frame `afterFrame` (1-based) of that audio. */
export interface AudioTag {
  afterFrame: number;
  tag: unknown;
}

/**
 * Queued: frames (one prebuilt message, or µ-law bytes holding `count` frames, `sent` of them gone, with the tags
 * to send among them) or a message.
 */
type Item =
  | {
      frame: true;
      data: string | Uint8Array;
      count: number;
      sent: number;
      tags: readonly AudioTag[] | undefined;
      nextTag: number;
    }
  | { frame: false; data: string };

export class OutboundPacer {
  readonly #send: (data: string) => void;
  readonly #frameMessage: ((payload: Uint8Array) => string) | undefined;
  readonly #tagMessage: ((tag: unknown) => string | undefined) | undefined;
  /** Counts clears: a send that clears the queue (a barge-in from inside a send) ends the loop that sent it. */
  #generation = 0;
  readonly #frameMs: number;
  readonly #frameBytes: number;
  readonly #lead: number;
  readonly #now: () => number;
  #queue: Item[] = [];
  #head = 0;
  #frames = 0;
  /** When the current run started, the grid instant (at or before it) its frame `lead` is due, frames sent in it. */
  #runStart = 0;
  /** When the run's first frame went out: the far end's playback clock for the run. */
  #playStart = 0;
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
    maxPlaybackLatenessMs: Number.NEGATIVE_INFINITY,
    underruns: 0,
    runs: 0,
  };

  constructor(options: PacerOptions) {
    this.#send = options.send;
    this.#frameMessage = options.frameMessage;
    this.#tagMessage = options.tagMessage;
    this.#frameMs = options.frameMs ?? 20;
    this.#frameBytes = options.frameBytes ?? 160;
    this.#lead = options.leadFrames ?? DEFAULT_LEAD_FRAMES;
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

  /** Queues one frame as its prebuilt message. */
  pushFrame(data: string): void {
    this.#pushFrames(data, 1);
  }

  /**
   * Queues µ-law audio, a whole number of frames, as one item (needs `frameMessage`): each frame's message is made
   * as it goes out, and each tag's message (needs `tagMessage`) right after its frame. A reply waits as its bytes and
   * a few small tags, not as thousands of strings that would outlive the young generation. The bytes are not
   * copied, so the caller must not reuse them.
   */
  pushAudio(audio: Uint8Array, tags?: readonly AudioTag[]): void {
    if (!this.#frameMessage) throw new TypeError('audio queued as bytes needs the frameMessage option');
    if (audio.length === 0 || audio.length % this.#frameBytes !== 0)
      throw new RangeError(`audio of ${audio.length} bytes is not whole ${this.#frameBytes}-byte frames`);
    const count = audio.length / this.#frameBytes;
    if (tags && tags.length > 0) {
      if (!this.#tagMessage) throw new TypeError('tags queued with audio need the tagMessage option');
      let previous = 0;
      for (const { afterFrame } of tags) {
        if (!Number.isInteger(afterFrame) || afterFrame < Math.max(1, previous) || afterFrame > count)
          throw new RangeError(`a tag after frame ${afterFrame} of ${count} (tags go in order, 1-based)`);
        previous = afterFrame;
      }
    }
    this.#pushFrames(audio, count, tags);
  }

  #pushFrames(data: string | Uint8Array, count: number, tags?: readonly AudioTag[]): void {
    if (this.#stopped) return;
    if (this.#frames === 0 && this.#timer === null) {
      // Nothing queued: continue the run if its next slot is still ahead, else start a new one now.
      const now = this.#now();
      if (this.#due(this.#index) < now - this.#frameMs || this.#index === 0) this.#startRun(now);
    }
    this.#queue.push({ frame: true, data, count, sent: 0, tags, nextTag: 0 });
    this.#frames += count;
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
    this.#generation++;
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
    this.#base = Math.floor(now / this.#frameMs) * this.#frameMs;
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
      if (!item.frame) {
        this.#head++;
        this.#send(item.data);
        if (this.#stopped) return;
        continue;
      }
      const due = this.#due(this.#index);
      if (due > now + EARLY_MS) {
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
      // The far end starts playing a run when its first frame arrives, then one frame per period.
      if (this.#index === 0) this.#playStart = now;
      const behindPlayback = now - (this.#playStart + this.#index * this.#frameMs);
      if (behindPlayback > stats.maxPlaybackLatenessMs) stats.maxPlaybackLatenessMs = behindPlayback;
      if (behindPlayback > 0) stats.underruns++;
      this.#index++;
      this.#frames--;
      const k = item.sent++;
      const tags = item.tags;
      const tagged =
        tags !== undefined && item.nextTag < tags.length && tags[item.nextTag]!.afterFrame === item.sent;
      if (item.sent === item.count && !tagged) this.#head++;
      const data = item.data;
      const generation = this.#generation;
      if (typeof data === 'string') this.#send(data);
      else this.#send(this.#frameMessage!(data.subarray(k * this.#frameBytes, (k + 1) * this.#frameBytes)));
      if (this.#stopped || this.#generation !== generation) return;
      if (tagged) {
        while (item.nextTag < tags.length && tags[item.nextTag]!.afterFrame === item.sent) {
          const message = this.#tagMessage!(tags[item.nextTag++]!.tag);
          if (message !== undefined) this.#send(message);
          if (this.#stopped || this.#generation !== generation) return;
        }
        if (item.sent === item.count) this.#head++;
      }
    }
    this.#queue = [];
    this.#head = 0;
  };
}
