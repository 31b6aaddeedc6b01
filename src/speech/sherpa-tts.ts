/**
 * Neural voices through sherpa-onnx `OfflineTts`: Piper/VITS or Kokoro models pulled with `rooman models pull`.
 * Synthesis runs on sherpa's own thread (`generateAsync`), one sentence per call, so the event loop stays free and
 * an abort lands both between sentences and inside one (the progress callback returns 0 to stop the engine).
 *
 * No such voice could be brought onto the build machines (every voice is 11–330 MB), so this module is tested up
 * to the model-missing error only.
 */
import type * as Sherpa from 'sherpa-onnx-node';
import { locateModel, requireEntry } from './model-files.ts';
import type { ModelEntry } from './model-registry.ts';
import { loadSherpa } from './sherpa-recognizer.ts';
import {
  floatToPcm16,
  type SpeechSynthesizer,
  type SynthesisChunk,
  type SynthesizeOptions,
  splitSentences,
} from './synthesizer.ts';

export interface SherpaTtsOptions {
  modelsDir: string;
  /** Registry name of a `tts-vits` or `tts-kokoro` model. */
  model: string;
  /** Speaker id for multi-speaker models (Kokoro: 0–10). */
  speaker?: number;
  speed?: number;
  numThreads?: number;
  registry?: readonly ModelEntry[];
}

export async function loadSherpaSynthesizer(options: SherpaTtsOptions): Promise<SpeechSynthesizer> {
  const entry = requireEntry(options.model, ['tts-vits', 'tts-kokoro'], options.registry);
  const { files } = await locateModel(entry, options.modelsDir);
  const sherpa = loadSherpa();
  const model: Sherpa.OfflineTtsConfig['model'] = {
    numThreads: options.numThreads ?? 1,
    provider: 'cpu',
    debug: 0,
    ...(entry.kind === 'tts-kokoro'
      ? {
          kokoro: {
            model: files.model!,
            voices: files.voices!,
            tokens: files.tokens!,
            dataDir: files.dataDir!,
          },
        }
      : { vits: { model: files.model!, tokens: files.tokens!, dataDir: files.dataDir! } }),
  };
  const tts = await sherpa.OfflineTts.createAsync({ model, maxNumSentences: 1 });
  const sampleRate = tts.sampleRate;

  async function* synthesize(
    text: string,
    { signal }: SynthesizeOptions = {},
  ): AsyncGenerator<SynthesisChunk> {
    for (const [sentenceIndex, sentence] of splitSentences(text).entries()) {
      if (signal?.aborted) return;
      const audio = await tts.generateAsync({
        text: sentence,
        sid: options.speaker ?? 0,
        speed: options.speed ?? 1,
        onProgress: () => (signal?.aborted ? 0 : 1),
      });
      if (signal?.aborted) return;
      yield { samples: floatToPcm16(audio.samples), sampleRate, sentenceIndex, sentence };
    }
  }
  return { name: `sherpa:${entry.name}`, sampleRate, synthesize };
}
