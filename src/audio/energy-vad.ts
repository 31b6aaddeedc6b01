/**
 * The seed's voice activity detector, kept because it costs next to nothing: frame energy against an adaptive noise
 * floor, plus a zero-crossing-rate band.
 *
 * - Noise floor: the quietest frame of the last few seconds (minimum statistics). Speech always has gaps between
 *   syllables, so the minimum tracks the background under it; a steady noise raises the floor within one window and
 *   therefore never counts as speech, however loud.
 * - A frame is speech when it is `marginDb` above the floor (and above an absolute minimum) and its zero-crossing rate,
 *   read as the dominant frequency, lies in the voice band. Hum (too few crossings) and hiss (too many) fail the
 *   band; a frame far above the threshold passes anyway, since loud fricatives ("s", "sh") cross zero like hiss.
 * - Speech starts after `minSpeechMs` of consecutive speech frames and ends after `minSilenceMs` without any.
 */
import { NO_EVENTS, type VadEvent, type VoiceActivityDetector, withEvent } from './vad.ts';

export interface EnergyVadOptions {
  sampleRate: number;
  /** Analysis frame (default 20 ms). */
  frameMs?: number;
  /** How far above the noise floor a frame must be to count as speech (default 10 dB). */
  marginDb?: number;
  /** Nothing quieter than this is speech, whatever the floor (default −55 dBFS). */
  minSpeechDbfs?: number;
  /** The floor never goes below this, so digital silence does not make every click speech (default −70 dBFS). */
  minFloorDbfs?: number;
  /** Window of the minimum that estimates the noise floor (default 3000 ms). */
  floorWindowMs?: number;
  /** Voice band for the zero-crossing rate, as the dominant frequency it implies (default 60–3500 Hz). */
  zcrBandHz?: [number, number];
  /** A frame this many dB above the threshold is speech regardless of its zero-crossing rate (default 12 dB). */
  strongDb?: number;
  /** Consecutive speech needed to start a segment (default 60 ms). */
  minSpeechMs?: number;
  /** Silence needed to end one (default 300 ms). */
  minSilenceMs?: number;
}

export class EnergyVad implements VoiceActivityDetector {
  readonly sampleRate: number;
  private readonly frameMs: number;
  private readonly frameSamples: number;
  private readonly marginDb: number;
  private readonly minSpeechDbfs: number;
  private readonly minFloorDbfs: number;
  private readonly zcrLow: number;
  private readonly zcrHigh: number;
  private readonly strongDb: number;
  private readonly minSpeechMs: number;
  private readonly minSilenceMs: number;

  private readonly frame: Int16Array;
  private frameFill = 0;
  private readonly floorRing: Float64Array;
  private floorIndex = 0;
  private framesSeen = 0;

  private inSpeech = false;
  private runStartMs = -1;
  private runProbabilitySum = 0;
  private runFrames = 0;
  private segmentStartMs = 0;
  private lastSpeechEndMs = 0;
  private segmentProbabilitySum = 0;
  private segmentFrames = 0;

  /** The floor and threshold of the last analysed frame, for logs and tuning. */
  noiseFloorDbfs = Number.NEGATIVE_INFINITY;
  thresholdDbfs = Number.NEGATIVE_INFINITY;

  constructor(options: EnergyVadOptions) {
    this.sampleRate = options.sampleRate;
    this.frameMs = options.frameMs ?? 20;
    this.frameSamples = Math.round((this.sampleRate * this.frameMs) / 1000);
    if (this.frameSamples < 16)
      throw new RangeError(`analysis frame of ${this.frameSamples} samples is too short`);
    this.marginDb = options.marginDb ?? 10;
    this.minSpeechDbfs = options.minSpeechDbfs ?? -55;
    this.minFloorDbfs = options.minFloorDbfs ?? -70;
    const [low, high] = options.zcrBandHz ?? [60, 3500];
    // Crossings per sample of a sine at f Hz: 2f / rate.
    this.zcrLow = (2 * low) / this.sampleRate;
    this.zcrHigh = (2 * high) / this.sampleRate;
    this.strongDb = options.strongDb ?? 12;
    this.minSpeechMs = options.minSpeechMs ?? 60;
    this.minSilenceMs = options.minSilenceMs ?? 300;
    this.frame = new Int16Array(this.frameSamples);
    this.floorRing = new Float64Array(
      Math.max(1, Math.round((options.floorWindowMs ?? 3000) / this.frameMs)),
    );
  }

  get speaking(): boolean {
    return this.inSpeech;
  }

  push(samples: Int16Array): readonly VadEvent[] {
    let events: VadEvent[] | null = null;
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.frameSamples - this.frameFill, samples.length - offset);
      this.frame.set(samples.subarray(offset, offset + take), this.frameFill);
      this.frameFill += take;
      offset += take;
      if (this.frameFill < this.frameSamples) break;
      this.frameFill = 0;
      const event = this.analyse(this.frame);
      if (event) events = withEvent(events, event);
    }
    return events ?? NO_EVENTS;
  }

  flush(): readonly VadEvent[] {
    if (!this.inSpeech) return NO_EVENTS;
    const now = this.streamMs();
    this.inSpeech = false;
    return [this.endEvent(this.lastSpeechEndMs, now)];
  }

  reset(): void {
    this.frameFill = 0;
    this.floorIndex = 0;
    this.framesSeen = 0;
    this.inSpeech = false;
    this.runStartMs = -1;
    this.runFrames = 0;
  }

  close(): void {}

  private streamMs(): number {
    return this.framesSeen * this.frameMs + (this.frameFill * 1000) / this.sampleRate;
  }

  private analyse(frame: Int16Array): VadEvent | null {
    let energy = 0;
    let crossings = 0;
    let previous = frame[0]!;
    for (let i = 0; i < frame.length; i++) {
      const s = frame[i]!;
      energy += s * s;
      if (s >= 0 !== previous >= 0) crossings++;
      previous = s;
    }
    const db = energy === 0 ? -200 : 10 * Math.log10(energy / frame.length / (32768 * 32768));
    const zcr = crossings / frame.length;

    this.floorRing[this.floorIndex] = db;
    this.floorIndex = (this.floorIndex + 1) % this.floorRing.length;
    const filled = Math.min(this.framesSeen + 1, this.floorRing.length);
    let floor = Number.POSITIVE_INFINITY;
    for (let i = 0; i < filled; i++) if (this.floorRing[i]! < floor) floor = this.floorRing[i]!;
    floor = Math.max(floor, this.minFloorDbfs);
    const threshold = Math.max(floor + this.marginDb, this.minSpeechDbfs);
    this.noiseFloorDbfs = floor;
    this.thresholdDbfs = threshold;

    const frameStartMs = this.framesSeen * this.frameMs;
    this.framesSeen++;
    const frameEndMs = frameStartMs + this.frameMs;

    const inBand = zcr >= this.zcrLow && zcr <= this.zcrHigh;
    const isSpeech = db > threshold && (inBand || db > threshold + this.strongDb);
    // A soft score: 0.5 at the threshold, ~0.95 at 9 dB above it.
    const probability = isSpeech ? 1 / (1 + Math.exp(-(db - threshold) / 3)) : 0;

    if (!this.inSpeech) {
      if (!isSpeech) {
        this.runStartMs = -1;
        return null;
      }
      if (this.runStartMs < 0) {
        this.runStartMs = frameStartMs;
        this.runProbabilitySum = 0;
        this.runFrames = 0;
      }
      this.runProbabilitySum += probability;
      this.runFrames++;
      if (frameEndMs - this.runStartMs < this.minSpeechMs) return null;
      this.inSpeech = true;
      this.segmentStartMs = this.runStartMs;
      this.lastSpeechEndMs = frameEndMs;
      this.segmentProbabilitySum = this.runProbabilitySum;
      this.segmentFrames = this.runFrames;
      this.runStartMs = -1;
      return {
        type: 'speech-start',
        startMs: this.segmentStartMs,
        detectedAtMs: frameEndMs,
        probability: this.segmentProbabilitySum / this.segmentFrames,
      };
    }

    if (isSpeech) {
      this.lastSpeechEndMs = frameEndMs;
      this.segmentProbabilitySum += probability;
      this.segmentFrames++;
      return null;
    }
    if (frameEndMs - this.lastSpeechEndMs < this.minSilenceMs) return null;
    this.inSpeech = false;
    return this.endEvent(this.lastSpeechEndMs, frameEndMs);
  }

  private endEvent(endMs: number, detectedAtMs: number): VadEvent {
    return {
      type: 'speech-end',
      startMs: this.segmentStartMs,
      endMs,
      detectedAtMs,
      probability: this.segmentFrames > 0 ? this.segmentProbabilitySum / this.segmentFrames : 0,
    };
  }
}
