/**
 * Streaming speech recognition with sherpa-onnx's `OnlineRecognizer` and a transducer model (encoder, decoder,
 * joiner, tokens) installed under `<modelsDir>/<model>/`. One recognizer (the loaded model, ~10 MB for the 3.3M
 * model) serves many streams; each stream is one caller's decoder state.
 *
 * Decoding is synchronous native work on the calling thread, at RTF ≈ 0.02 for the 3.3M model: a 100 ms frame costs
 * about 2 ms, well within a real-time budget, so no worker thread is used.
 */
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type * as Sherpa from 'sherpa-onnx-node';
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
   * Domain phrases to favour ("add a new lead", "site visit"): sherpa's contextual biasing, decoded with
   * modified_beam_search. Needs the model's `bpe.vocab` in its folder (an error says so otherwise); the 3.3M model
   * has none, and with a hand-made one the measured effect on it was nil.
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
const TAIL_PADDING = new Float32Array(Math.round(TAIL_PADDING_SECONDS * RECOGNIZER_SAMPLE_RATE));

export async function loadSherpaRecognizer(options: SherpaRecognizerOptions): Promise<SpeechRecognizer> {
  const entry = requireEntry(options.model, ['stt-transducer'], options.registry);
  const installed = await locateModel(entry, options.modelsDir);
  const f = installed.files;
  const sherpa = loadSherpa();

  let hotwordsFile: string | undefined;
  let bpeVocab: string | undefined;
  let cleanup: string | undefined;
  if (options.hotwords && options.hotwords.length > 0) {
    // sherpa encodes English hotwords with the model's sentencepiece vocabulary; without it, it splits the
    // word-start mark off every piece and drops the phrase. So hotwords need a bpe.vocab beside the tokens.
    bpeVocab = join(dirname(f.tokens!), 'bpe.vocab');
    try {
      await access(bpeVocab);
    } catch {
      throw new SpeechError(
        'ENGINE_UNAVAILABLE',
        `Hotwords need ${bpeVocab} (the model's sentencepiece vocabulary), which '${entry.name}' does not have`,
      );
    }
    cleanup = await mkdtemp(join(tmpdir(), 'rooman-hotwords-'));
    hotwordsFile = join(cleanup, 'hotwords.txt');
    await writeFile(hotwordsFile, `${options.hotwords.map((p) => p.toUpperCase()).join('\n')}\n`);
  }

  const config: Sherpa.OnlineRecognizerConfig = {
    featConfig: { sampleRate: RECOGNIZER_SAMPLE_RATE, featureDim: 80 },
    modelConfig: {
      transducer: { encoder: f.encoder!, decoder: f.decoder!, joiner: f.joiner! },
      tokens: f.tokens!,
      numThreads: options.numThreads ?? 1,
      provider: 'cpu',
      debug: 0,
      ...(bpeVocab ? { modelingUnit: 'bpe', bpeVocab } : {}),
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
  /** The look-ahead silence was fed since the last real audio: `finish` needs no more padding. */
  #padded = false;
  /** Float copy of the frame for the engine (it copies the samples in): one buffer per stream, not per frame. */
  #scratch = new Float32Array(1600);

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

  /** Decodes what is ready; null when nothing was (the model works in 320 ms chunks, most frames decode nothing). */
  #decodeReady(stream: Sherpa.OnlineStream): string | null {
    let decoded = false;
    while (this.#recognizer.isReady(stream)) {
      this.#recognizer.decode(stream);
      decoded = true;
    }
    // getResult builds and parses a JSON string in the addon: only worth it when the hypothesis can have changed.
    return decoded ? this.#recognizer.getResult(stream).text : null;
  }

  #decode(stream: Sherpa.OnlineStream): string {
    return this.#decodeReady(stream) ?? this.#recognizer.getResult(stream).text;
  }

  accept(frame: AudioFrame): RecognitionResult[] {
    const stream = this.#native();
    if (frame.length === 0) return [];
    this.#samples += frame.length;
    this.#padded = false;
    stream.acceptWaveform({ samples: toFloat32(frame, this.#scratch), sampleRate: RECOGNIZER_SAMPLE_RATE });
    // Nothing decoded: neither the hypothesis nor the engine's endpoint (judged on decoded frames) can have changed.
    const text = this.#decodeReady(stream);
    if (text === null) return [];
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

  lookahead(): RecognitionResult {
    const stream = this.#native();
    if (!this.#padded) {
      stream.acceptWaveform({ samples: TAIL_PADDING, sampleRate: RECOGNIZER_SAMPLE_RATE });
      this.#padded = true;
    }
    const text = this.#decode(stream);
    this.#lastText = text;
    return this.#result(text, false);
  }

  finish(): RecognitionResult {
    const stream = this.#native();
    if (!this.#padded) stream.acceptWaveform({ samples: TAIL_PADDING, sampleRate: RECOGNIZER_SAMPLE_RATE });
    stream.inputFinished();
    const result = this.#result(this.#decode(stream), true);
    // A finished native stream takes no more audio: the next utterance gets a fresh one.
    this.#stream = undefined;
    this.#lastText = '';
    this.#padded = false;
    return result;
  }

  reset(): void {
    this.#native();
    this.#stream = undefined;
    this.#lastText = '';
    this.#padded = false;
  }

  close(): void {
    this.#stream = undefined;
    this.#closed = true;
  }
}
