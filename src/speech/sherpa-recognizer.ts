/**
 * Streaming speech recognition with sherpa-onnx's `OnlineRecognizer` and a transducer model (encoder, decoder,
 * joiner, tokens) installed under `<modelsDir>/<model>/`. One recognizer (the loaded model, ~10 MB for the 3.3M
 * model) serves many streams; each stream is one caller's decoder state.
 *
 * Decoding is synchronous native work on the calling thread, at RTF ≈ 0.02 for the 3.3M model: a 100 ms frame costs
 * about 2 ms, well within a real-time budget, so no worker thread is used.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Sherpa from 'sherpa-onnx-node';
import { readTokens, toPieces } from './bpe-pieces.ts';
import { SpeechError } from './errors.ts';
import { locateModel, requireEntry } from './model-files.ts';
import type { ModelEntry } from './model-registry.ts';
import {
  type AudioFrame,
  RECOGNIZER_SAMPLE_RATE,
  type RecognitionResult,
  type RecognitionStream,
  type SpeechRecognizer,
  type StreamOptions,
  type TranscriptPostProcessor,
  toFloat32,
} from './recognizer.ts';

const require = createRequire(import.meta.url);

/** Loads the native addon on first use only: processes that never listen never pay for it. */
export function loadSherpa(): typeof Sherpa {
  try {
    return require('sherpa-onnx-node') as typeof Sherpa;
  } catch (error) {
    throw new SpeechError(
      'ENGINE_UNAVAILABLE',
      `sherpa-onnx-node could not be loaded (is the optional package sherpa-onnx-linux-x64 installed?): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

export interface SherpaRecognizerOptions {
  modelsDir: string;
  /** Registry name of a `stt-transducer` model. */
  model: string;
  numThreads?: number;
  /**
   * Domain phrases to favour ("add a new lead", "site visit"). Needs modified_beam_search; on the 3.3M model the
   * measured effect was nil, on the larger models sherpa's contextual biasing helps with names and jargon.
   */
  hotwords?: readonly string[];
  hotwordsScore?: number;
  /**
   * Let the engine cut utterances on trailing silence (finals arrive without `finish()`). Off by default: the
   * session layer's VAD decides when a turn ends.
   */
  endpointing?: boolean;
  postProcess?: TranscriptPostProcessor;
  /** Registry to look the model up in (tests pass their own entries). */
  registry?: readonly ModelEntry[];
}

/** Silence appended before `inputFinished`, so the encoder's 320 ms chunk and look-ahead see the last words. */
const TAIL_PADDING_SECONDS = 0.5;

export async function loadSherpaRecognizer(options: SherpaRecognizerOptions): Promise<SpeechRecognizer> {
  const entry = requireEntry(options.model, ['stt-transducer'], options.registry);
  const installed = await locateModel(entry, options.modelsDir);
  const f = installed.files;
  const sherpa = loadSherpa();

  let hotwordsFile: string | undefined;
  let cleanup: string | undefined;
  if (options.hotwords && options.hotwords.length > 0) {
    const pieces = await readTokens(f.tokens!);
    const lines = options.hotwords
      .map((p) => toPieces(p, pieces))
      .filter((l): l is string => l !== undefined);
    if (lines.length > 0) {
      cleanup = await mkdtemp(join(tmpdir(), 'rooman-hotwords-'));
      hotwordsFile = join(cleanup, 'hotwords.txt');
      await writeFile(hotwordsFile, `${lines.join('\n')}\n`);
    }
  }

  const config: Sherpa.OnlineRecognizerConfig = {
    featConfig: { sampleRate: RECOGNIZER_SAMPLE_RATE, featureDim: 80 },
    modelConfig: {
      transducer: { encoder: f.encoder!, decoder: f.decoder!, joiner: f.joiner! },
      tokens: f.tokens!,
      numThreads: options.numThreads ?? 1,
      provider: 'cpu',
      debug: 0,
    },
    decodingMethod: hotwordsFile ? 'modified_beam_search' : 'greedy_search',
    enableEndpoint: options.endpointing ? 1 : 0,
    rule1MinTrailingSilence: 2.4,
    rule2MinTrailingSilence: 0.8,
    rule3MinUtteranceLength: 20,
    ...(hotwordsFile ? { hotwordsFile, hotwordsScore: options.hotwordsScore ?? 1.5 } : {}),
  };
  let native: Sherpa.OnlineRecognizer;
  try {
    native = new sherpa.OnlineRecognizer(config);
  } finally {
    // The recognizer reads the hotwords file while it is constructed.
    if (cleanup) await rm(cleanup, { recursive: true, force: true });
  }
  const post = options.postProcess ?? ((text: string) => text);

  return {
    name: entry.name,
    sampleRate: RECOGNIZER_SAMPLE_RATE,
    createStream: (streamOptions?: StreamOptions) => new SherpaStream(native, post, streamOptions ?? {}),
  };
}

class SherpaStream implements RecognitionStream {
  readonly #recognizer: Sherpa.OnlineRecognizer;
  readonly #post: TranscriptPostProcessor;
  readonly #onResult: ((r: RecognitionResult) => void) | undefined;
  #stream: Sherpa.OnlineStream | undefined;
  #lastText = '';
  #samples = 0;
  #closed = false;

  constructor(recognizer: Sherpa.OnlineRecognizer, post: TranscriptPostProcessor, options: StreamOptions) {
    this.#recognizer = recognizer;
    this.#post = post;
    this.#onResult = options.onResult;
    this.#stream = recognizer.createStream();
  }

  #native(): Sherpa.OnlineStream {
    if (this.#closed) throw new Error('RecognitionStream used after close()');
    this.#stream ??= this.#recognizer.createStream();
    return this.#stream;
  }

  #result(rawText: string, isFinal: boolean): RecognitionResult {
    const raw = rawText.trim().toLowerCase();
    const result = {
      text: this.#post(raw, { isFinal }),
      rawText: raw,
      isFinal,
      audioSeconds: this.#samples / RECOGNIZER_SAMPLE_RATE,
    };
    this.#onResult?.(result);
    return result;
  }

  #decode(stream: Sherpa.OnlineStream): string {
    while (this.#recognizer.isReady(stream)) this.#recognizer.decode(stream);
    return this.#recognizer.getResult(stream).text;
  }

  accept(frame: AudioFrame): RecognitionResult[] {
    const stream = this.#native();
    if (frame.length === 0) return [];
    this.#samples += frame.length;
    stream.acceptWaveform({ samples: toFloat32(frame), sampleRate: RECOGNIZER_SAMPLE_RATE });
    const text = this.#decode(stream);
    const out: RecognitionResult[] = [];
    if (text !== this.#lastText && text.trim() !== '') out.push(this.#result(text, false));
    this.#lastText = text;
    if (this.#recognizer.isEndpoint(stream)) {
      if (text.trim() !== '') out.push(this.#result(text, true));
      this.#recognizer.reset(stream);
      this.#lastText = '';
    }
    return out;
  }

  partial(): string {
    return this.#lastText.trim().toLowerCase();
  }

  finish(): RecognitionResult {
    const stream = this.#native();
    stream.acceptWaveform({
      samples: new Float32Array(Math.round(TAIL_PADDING_SECONDS * RECOGNIZER_SAMPLE_RATE)),
      sampleRate: RECOGNIZER_SAMPLE_RATE,
    });
    stream.inputFinished();
    const result = this.#result(this.#decode(stream), true);
    // A finished native stream takes no more audio: the next utterance gets a fresh one.
    this.#stream = undefined;
    this.#lastText = '';
    return result;
  }

  reset(): void {
    this.#native();
    this.#stream = undefined;
    this.#lastText = '';
  }

  close(): void {
    this.#stream = undefined;
    this.#closed = true;
  }
}
