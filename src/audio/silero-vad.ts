/**
 * Silero VAD v5 through sherpa-onnx-node's `Vad` (native, RTF ≈ 0.003 on one core: offline-speech.md).
 *
 * sherpa runs the model on 512-sample windows at 16 kHz and applies the threshold / minimum speech / minimum silence
 * rules itself. Its Node API tells us two things: whether it is inside speech now (`isDetected`), and each finished
 * segment (`front()`: start sample + samples). The start event comes from the first; its time is the same backdating
 * sherpa applies (2 windows + the minimum speech duration before the window that triggered). The end event comes from
 * the finished segment, whose start and length are exact.
 *
 * The Node addon does not expose the per-window probability (`Compute` exists in C++ only), so events carry
 * `probability: null`.
 *
 * Other input rates are resampled to 16 kHz inside (a few ms of filter delay, negligible for turn-taking).
 *
 * Model file: passed in (`modelPath`), never committed and never fetched here. It is Silero VAD v5
 * (`silero_vad.onnx`, 2.3 MB, MIT); the model registry under src/speech decides where it lives.
 */
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Resampler } from './resampler.ts';
import { NO_EVENTS, type VadEvent, type VoiceActivityDetector, withEvent } from './vad.ts';

/** The part of sherpa-onnx-node's (untyped, CommonJS) API this adapter uses. */
interface SherpaVadConfig {
  sileroVad: {
    model: string;
    threshold: number;
    minSpeechDuration: number;
    minSilenceDuration: number;
    maxSpeechDuration: number;
    windowSize: number;
  };
  sampleRate: number;
  numThreads: number;
  provider: 'cpu';
  debug: boolean;
}

interface SherpaSpeechSegment {
  start: number;
  samples: Float32Array;
}

interface SherpaVad {
  acceptWaveform(samples: Float32Array): void;
  isEmpty(): boolean;
  isDetected(): boolean;
  front(enableExternalBuffer?: boolean): SherpaSpeechSegment;
  pop(): void;
  flush(): void;
  reset(): void;
}

interface SherpaModule {
  Vad: new (config: SherpaVadConfig, bufferSizeInSeconds: number) => SherpaVad;
}

let sherpa: SherpaModule | null = null;
function loadSherpa(): SherpaModule {
  sherpa ??= createRequire(import.meta.url)('sherpa-onnx-node') as SherpaModule;
  return sherpa;
}

export interface SileroVadOptions {
  /** Path to silero_vad.onnx (v5). */
  modelPath: string;
  /** Rate of the frames you push (default 16000); others are resampled to 16 kHz. */
  sampleRate?: number;
  /** Speech probability above which a window is speech (default 0.5). */
  threshold?: number;
  /** Speech shorter than this is ignored (default 250 ms). */
  minSpeechMs?: number;
  /** Silence needed to end a segment (default 300 ms). */
  minSilenceMs?: number;
  /**
   * After this much continuous speech sherpa raises the threshold to 0.9 and cuts segments at 100 ms of silence
   * (default 20 s, sherpa's own default).
   */
  maxSpeechMs?: number;
  numThreads?: number;
}

const MODEL_RATE = 16000;
const WINDOW = 512;
/** Silero v5 sees 64 samples of context before each 512-sample window. */
const WINDOW_WITH_CONTEXT = WINDOW + 64;

export class SileroVad implements VoiceActivityDetector {
  readonly sampleRate: number;
  private readonly vad: SherpaVad;
  private readonly resampler: Resampler | null;
  private readonly minSpeechSamples: number;
  private readonly window = new Float32Array(WINDOW);
  private windowFill = 0;
  /** 16 kHz samples handed to sherpa so far. */
  private fed = 0;
  private detected = false;
  private lastSegmentEnd = 0;
  private currentStart = 0;

  /** Checks the model file first: sherpa exits the whole process on a missing or broken model. */
  static async open(options: SileroVadOptions): Promise<SileroVad> {
    const info = await stat(options.modelPath).catch(() => null);
    if (!info?.isFile()) {
      throw new Error(
        `Silero VAD model not found at ${options.modelPath}: it needs silero_vad.onnx (Silero VAD v5, 2.3 MB, MIT)`,
      );
    }
    return new SileroVad(options);
  }

  private constructor(options: SileroVadOptions) {
    this.sampleRate = options.sampleRate ?? MODEL_RATE;
    this.resampler = this.sampleRate === MODEL_RATE ? null : new Resampler(this.sampleRate, MODEL_RATE);
    const minSpeech = (options.minSpeechMs ?? 250) / 1000;
    this.minSpeechSamples = Math.trunc(MODEL_RATE * minSpeech);
    this.vad = new (loadSherpa().Vad)(
      {
        sileroVad: {
          model: options.modelPath,
          threshold: options.threshold ?? 0.5,
          minSpeechDuration: minSpeech,
          minSilenceDuration: (options.minSilenceMs ?? 300) / 1000,
          maxSpeechDuration: (options.maxSpeechMs ?? 20_000) / 1000,
          windowSize: WINDOW,
        },
        sampleRate: MODEL_RATE,
        numThreads: options.numThreads ?? 1,
        provider: 'cpu',
        debug: false,
      },
      // sherpa keeps the current segment's audio in a ring of this many seconds.
      60,
    );
  }

  get speaking(): boolean {
    return this.detected;
  }

  push(frame: Int16Array): readonly VadEvent[] {
    const samples = this.resampler ? this.resampler.process(frame) : frame;
    let events: VadEvent[] | null = null;
    for (let i = 0; i < samples.length; i++) {
      this.window[this.windowFill++] = samples[i]! / 32768;
      if (this.windowFill < WINDOW) continue;
      this.windowFill = 0;
      this.vad.acceptWaveform(this.window);
      this.fed += WINDOW;
      events = this.collect(events);
    }
    return events ?? NO_EVENTS;
  }

  flush(): readonly VadEvent[] {
    this.vad.flush();
    const events = this.collect(null, true);
    return events ?? NO_EVENTS;
  }

  reset(): void {
    this.vad.reset();
    this.resampler?.reset();
    this.windowFill = 0;
    this.fed = 0;
    this.detected = false;
    this.lastSegmentEnd = 0;
  }

  close(): void {
    // The native handle is freed by its finalizer; nothing to release eagerly in this sherpa version.
  }

  /** Samples sherpa has moved into its buffer (it holds back the context of the next window). */
  private tail(): number {
    return this.fed >= WINDOW_WITH_CONTEXT
      ? (Math.floor((this.fed - WINDOW_WITH_CONTEXT) / WINDOW) + 1) * WINDOW
      : 0;
  }

  private collect(events: VadEvent[] | null, flushed = false): VadEvent[] | null {
    const nowMs = (this.fed * 1000) / MODEL_RATE;
    const detected = !flushed && this.vad.isDetected();
    if (detected && !this.detected) {
      this.currentStart = Math.max(
        0,
        this.lastSegmentEnd,
        this.tail() - 2 * WINDOW_WITH_CONTEXT - this.minSpeechSamples,
      );
      events = withEvent(events, {
        type: 'speech-start',
        startMs: (this.currentStart * 1000) / MODEL_RATE,
        detectedAtMs: nowMs,
        probability: null,
      });
    }
    this.detected = detected;
    while (!this.vad.isEmpty()) {
      const segment = this.vad.front(false);
      this.vad.pop();
      const end = segment.start + segment.samples.length;
      this.lastSegmentEnd = end;
      events = withEvent(events, {
        type: 'speech-end',
        startMs: (segment.start * 1000) / MODEL_RATE,
        endMs: (end * 1000) / MODEL_RATE,
        detectedAtMs: nowMs,
        probability: null,
      });
    }
    return events;
  }
}
