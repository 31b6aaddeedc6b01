/** Types for the parts of `@echogarden/espeak-ng-emscripten` (0.3.x, eSpeak NG compiled to WASM) that Rooman uses. */
declare module '@echogarden/espeak-ng-emscripten' {
  export interface EspeakEvent {
    type: string;
    text_position: number;
    word_length: number;
    audio_position: number;
  }
  export interface ESpeakNGWorker {
    set_voice(name: string): number;
    set_rate(wordsPerMinute: number): number;
    get_samplerate(): number;
    /** Calls back with PCM16 chunks as synthesis proceeds; returning true from the callback aborts synthesis. */
    synthesize(text: string, callback: (samples: Int16Array, events: EspeakEvent[]) => boolean): void;
  }
  export interface ESpeakModule {
    eSpeakNGWorker: new () => ESpeakNGWorker;
  }
  const createModule: (options?: Record<string, unknown>) => Promise<ESpeakModule>;
  export default createModule;
}
