/**
 * A costly VAD (Silero) that only runs when there is sound to judge. On a call the caller is silent most of the time
 * (the agent is talking, or they are thinking), and a frame's energy says so for next to nothing. So an energy gate
 * sits in front: while the line is quiet, frames go to a small ring instead of the model; the first frame loud enough
 * to be speech opens the gate, the ring (a few hundred ms of context) is replayed to the model, and from then on it
 * sees every frame until the line has been quiet for `holdMs` and the model is not inside speech. Then the model is
 * reset and the gate closes again.
 *
 * The gate is deliberately more permissive than the energy VAD: it only decides what the model gets to look at, the
 * model decides what is speech. Loud = `marginDb` over the noise floor (the quietest frame of the last few seconds)
 * and above `minDbfs`. Steady noise raises the floor, so it does not hold the gate open.
 *
 * Event times are the outer stream's: the model's times (which restart at 0 after each reset) plus where its input
 * began.
 */
import { NO_EVENTS, type VadEvent, type VoiceActivityDetector, withEvent } from './vad.ts';

export interface EnergyGateOptions {
  /**
   * How far over the noise floor a frame must be to open the gate (default 12 dB: frames of steady pink noise spread
   * ~10 dB around their minimum; speech rises 20–40 dB, and the replayed pre-roll covers a soft onset).
   */
  marginDb?: number;
  /** Nothing quieter than this opens the gate, whatever the floor (default −60 dBFS). */
  minDbfs?: number;
  /** The floor never goes below this, so digital silence does not make every click loud (default −75 dBFS). */
  minFloorDbfs?: number;
  /** Window of the minimum that estimates the noise floor (default 3000 ms). */
  floorWindowMs?: number;
  /** Quiet time after the last loud frame before the gate closes (default 1000 ms). */
  holdMs?: number;
  /** Audio replayed to the model when the gate opens, so it has context before the onset (default 300 ms). */
  preRollMs?: number;
  /** Gate frame (default 20 ms). */
  frameMs?: number;
}

export class GatedVad implements VoiceActivityDetector {
  readonly sampleRate: number;
  readonly #inner: VoiceActivityDetector;
  readonly #frameSamples: number;
  readonly #frameMs: number;
  readonly #marginDb: number;
  readonly #minDbfs: number;
  readonly #minFloorDbfs: number;
  readonly #holdMs: number;
  readonly #frame: Int16Array;
  #frameFill = 0;
  readonly #floor: Float64Array;
  #floorAt = 0;
  #frames = 0;
  /** Quiet audio kept while the gate is closed (a ring of whole frames). */
  readonly #ring: Int16Array;
  #ringAt = 0;
  #ringHeld = 0;
  #open = false;
  /** Outer stream ms at which the model's current input began. */
  #baseMs = 0;
  #lastLoudMs = Number.NEGATIVE_INFINITY;
  /** Samples the model has been given, over the whole stream (for the cost it saves). */
  #modelSamples = 0;

  constructor(inner: VoiceActivityDetector, options: EnergyGateOptions = {}) {
    this.#inner = inner;
    this.sampleRate = inner.sampleRate;
    this.#frameMs = options.frameMs ?? 20;
    this.#frameSamples = Math.round((this.sampleRate * this.#frameMs) / 1000);
    this.#marginDb = options.marginDb ?? 12;
    this.#minDbfs = options.minDbfs ?? -60;
    this.#minFloorDbfs = options.minFloorDbfs ?? -75;
    this.#holdMs = options.holdMs ?? 1000;
    this.#frame = new Int16Array(this.#frameSamples);
    this.#floor = new Float64Array(Math.max(1, Math.round((options.floorWindowMs ?? 3000) / this.#frameMs)));
    const ringFrames = Math.max(1, Math.round((options.preRollMs ?? 300) / this.#frameMs));
    this.#ring = new Int16Array(ringFrames * this.#frameSamples);
  }

  get speaking(): boolean {
    return this.#open && this.#inner.speaking;
  }

  /** Whether the model is being fed now. */
  get open(): boolean {
    return this.#open;
  }

  /** Seconds of audio the model has been given (the rest it never had to look at). */
  get modelSeconds(): number {
    return this.#modelSamples / this.sampleRate;
  }

  push(samples: Int16Array): readonly VadEvent[] {
    let events: VadEvent[] | null = null;
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.#frameSamples - this.#frameFill, samples.length - offset);
      this.#frame.set(samples.subarray(offset, offset + take), this.#frameFill);
      this.#frameFill += take;
      offset += take;
      if (this.#frameFill < this.#frameSamples) break;
      this.#frameFill = 0;
      events = this.#onFrame(this.#frame, events);
    }
    return events ?? NO_EVENTS;
  }

  flush(): readonly VadEvent[] {
    if (!this.#open) return NO_EVENTS;
    return this.#shift(this.#inner.flush(), null) ?? NO_EVENTS;
  }

  reset(): void {
    this.#inner.reset();
    this.#frameFill = 0;
    this.#floorAt = 0;
    this.#frames = 0;
    this.#ringAt = 0;
    this.#ringHeld = 0;
    this.#open = false;
    this.#baseMs = 0;
    this.#lastLoudMs = Number.NEGATIVE_INFINITY;
  }

  close(): void {
    this.#inner.close();
  }

  #onFrame(frame: Int16Array, events: VadEvent[] | null): VadEvent[] | null {
    const startMs = this.#frames * this.#frameMs;
    this.#frames++;
    if (this.#loud(frame)) this.#lastLoudMs = startMs;
    if (!this.#open) {
      if (this.#lastLoudMs !== startMs) {
        this.#keep(frame);
        return events;
      }
      // Opening: the model starts from the quiet audio kept before this frame.
      this.#open = true;
      this.#baseMs = startMs - (this.#ringHeld * 1000) / this.sampleRate;
      events = this.#replayRing(events);
    }
    this.#modelSamples += frame.length;
    events = this.#shift(this.#inner.push(frame), events);
    if (!this.#inner.speaking && startMs + this.#frameMs - this.#lastLoudMs >= this.#holdMs) {
      // Quiet long enough and no speech open: stop paying for the model.
      this.#inner.reset();
      this.#open = false;
      this.#ringHeld = 0;
    }
    return events;
  }

  /** Frame energy against the noise floor (minimum statistics over the floor window). */
  #loud(frame: Int16Array): boolean {
    let energy = 0;
    for (let i = 0; i < frame.length; i++) energy += frame[i]! * frame[i]!;
    const db = energy === 0 ? -200 : 10 * Math.log10(energy / frame.length / (32768 * 32768));
    this.#floor[this.#floorAt] = db;
    this.#floorAt = (this.#floorAt + 1) % this.#floor.length;
    const filled = Math.min(this.#frames, this.#floor.length);
    let floor = Number.POSITIVE_INFINITY;
    for (let i = 0; i < filled; i++) if (this.#floor[i]! < floor) floor = this.#floor[i]!;
    return db > Math.max(floor, this.#minFloorDbfs) + this.#marginDb && db > this.#minDbfs;
  }

  #keep(frame: Int16Array): void {
    this.#ring.set(frame, this.#ringAt);
    this.#ringAt = (this.#ringAt + frame.length) % this.#ring.length;
    this.#ringHeld = Math.min(this.#ring.length, this.#ringHeld + frame.length);
  }

  #replayRing(events: VadEvent[] | null): VadEvent[] | null {
    const held = this.#ringHeld;
    const start = (this.#ringAt - held + this.#ring.length) % this.#ring.length;
    const first = Math.min(held, this.#ring.length - start);
    if (first > 0) events = this.#shift(this.#inner.push(this.#ring.subarray(start, start + first)), events);
    if (first < held) events = this.#shift(this.#inner.push(this.#ring.subarray(0, held - first)), events);
    this.#modelSamples += held;
    this.#ringHeld = 0;
    return events;
  }

  #shift(inner: readonly VadEvent[], events: VadEvent[] | null): VadEvent[] | null {
    for (const e of inner) {
      const base = this.#baseMs;
      events = withEvent(
        events,
        e.type === 'speech-start'
          ? { ...e, startMs: e.startMs + base, detectedAtMs: e.detectedAtMs + base }
          : { ...e, startMs: e.startMs + base, endMs: e.endMs + base, detectedAtMs: e.detectedAtMs + base },
      );
    }
    return events;
  }
}
