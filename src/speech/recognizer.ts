/**
 * Speech-to-text, engine-neutral. A `SpeechRecognizer` holds a loaded model (shared, read-only); each call or
 * session opens its own `RecognitionStream`, which keeps the decoder state of one utterance at a time.
 *
 * Audio in: mono 16 kHz frames, either PCM16 (`Int16Array`, what the audio core and telephony carry) or Float32 in
 * [-1, 1]. Results out: partial hypotheses while the person speaks, then one final per utterance.
 */

/** The one sample rate every recognizer takes; the audio core resamples to it before calling `accept`. */
export const RECOGNIZER_SAMPLE_RATE = 16_000;

export type AudioFrame = Int16Array | Float32Array;

export interface RecognitionResult {
  /** Lowercase words (after the post-processor, when one is set). */
  text: string;
  /** What the model itself produced, before any post-processing. */
  rawText: string;
  isFinal: boolean;
  /** Seconds of audio this stream has accepted when the result was produced. */
  audioSeconds: number;
}

export interface RecognitionStream {
  /**
   * Feeds audio; returns the results this audio produced: a partial when the hypothesis changed, and a final when
   * the engine's endpoint detector saw the utterance end (the stream then starts the next utterance by itself).
   */
  accept(frame: AudioFrame): RecognitionResult[];
  /** The current hypothesis of the utterance in progress ('' when nothing was heard yet). */
  partial(): string;
  /**
   * The words still in the model's look-ahead, without ending the utterance: feeds it the silence `finish` would
   * and returns the hypothesis (a partial). For deciding whether a pause ends the turn ("my number is nine eight…")
   * on the words actually said, not on a partial that runs a few hundred ms behind. More audio may follow; the
   * inserted silence is harmless to a transducer. Engines without a look-ahead return the current partial.
   */
  lookahead(): RecognitionResult;
  /** No more audio for this utterance: flushes the model's look-ahead and returns the final result. */
  finish(): RecognitionResult;
  /** Drops the utterance in progress (e.g. after a barge-in) so the stream is ready for the next one. */
  reset(): void;
  /** Frees the native stream; the object must not be used afterwards. */
  close(): void;
}

export interface SpeechRecognizer {
  /** Model name (registry name) or engine label, for logs and benchmarks. */
  readonly name: string;
  readonly sampleRate: typeof RECOGNIZER_SAMPLE_RATE;
  createStream(options?: StreamOptions): RecognitionStream;
}

export interface StreamOptions {
  /** Called with every result as well as returned from accept/finish: convenient for event-driven callers. */
  onResult?: (result: RecognitionResult) => void;
}

/**
 * Domain post-processing of a transcript (spoken numbers, names, CRM vocabulary). It sees the raw lowercase text of
 * partials and finals and returns the text the rest of Rooman should see.
 */
export type TranscriptPostProcessor = (rawText: string, context: { isFinal: boolean }) => string;

/** Float32 in [-1, 1] for the engines; PCM16 is scaled by 1/32768, the same convention sherpa's readWave uses. */
export function toFloat32(frame: AudioFrame, scratch?: Float32Array): Float32Array {
  if (frame instanceof Float32Array) return frame;
  // A caller's scratch buffer, when it is big enough, saves an allocation per 20 ms frame.
  const out =
    scratch && scratch.length >= frame.length
      ? scratch.subarray(0, frame.length)
      : new Float32Array(frame.length);
  for (let i = 0; i < frame.length; i++) out[i] = frame[i]! / 32768;
  return out;
}
