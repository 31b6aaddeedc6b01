/**
 * Types for the parts of `sherpa-onnx-node` (1.13.x) that Rooman uses. The package ships JSDoc typedefs only, so
 * this declaration is ours: it lists what the loaders below call, nothing more.
 */
declare module 'sherpa-onnx-node' {
  export interface Waveform {
    samples: Float32Array;
    sampleRate: number;
  }

  export interface OnlineTransducerConfig {
    encoder: string;
    decoder: string;
    joiner: string;
  }

  export interface OnlineRecognizerConfig {
    featConfig?: { sampleRate: number; featureDim: number };
    modelConfig: {
      transducer?: OnlineTransducerConfig;
      tokens: string;
      numThreads?: number;
      provider?: string;
      debug?: number | boolean;
      modelType?: string;
      modelingUnit?: string;
      bpeVocab?: string;
    };
    decodingMethod?: 'greedy_search' | 'modified_beam_search';
    maxActivePaths?: number;
    enableEndpoint?: boolean | number;
    rule1MinTrailingSilence?: number;
    rule2MinTrailingSilence?: number;
    rule3MinUtteranceLength?: number;
    hotwordsFile?: string;
    hotwordsScore?: number;
  }

  export interface OnlineRecognizerResult {
    text: string;
    tokens: string[];
    timestamps: number[];
    start_time: number;
    is_final: boolean;
  }

  export class OnlineStream {
    acceptWaveform(wave: Waveform): void;
    inputFinished(): void;
  }

  export class OnlineRecognizer {
    constructor(config: OnlineRecognizerConfig);
    createStream(): OnlineStream;
    isReady(stream: OnlineStream): boolean;
    decode(stream: OnlineStream): void;
    isEndpoint(stream: OnlineStream): boolean;
    reset(stream: OnlineStream): void;
    getResult(stream: OnlineStream): OnlineRecognizerResult;
  }

  export interface OfflineTtsConfig {
    model: {
      vits?: { model: string; lexicon?: string; tokens: string; dataDir?: string; lengthScale?: number };
      kokoro?: {
        model: string;
        voices: string;
        tokens: string;
        dataDir?: string;
        lexicon?: string;
        lang?: string;
      };
      kitten?: { model: string; voices: string; tokens: string; dataDir?: string };
      numThreads?: number;
      provider?: string;
      debug?: number | boolean;
    };
    maxNumSentences?: number;
  }

  export interface GeneratedAudio {
    samples: Float32Array;
    sampleRate: number;
  }

  export class OfflineTts {
    constructor(config: OfflineTtsConfig);
    static createAsync(config: OfflineTtsConfig): Promise<OfflineTts>;
    readonly numSpeakers: number;
    readonly sampleRate: number;
    generateAsync(request: {
      text: string;
      sid: number;
      speed: number;
      onProgress?: (info: { samples: Float32Array; progress: number }) => number | boolean | undefined;
    }): Promise<GeneratedAudio>;
  }

  export const version: string;
}
