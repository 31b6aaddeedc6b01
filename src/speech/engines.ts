/**
 * Picks the speech engines from the configuration (ROOMAN_STT, ROOMAN_TTS, ROOMAN_MODELS_DIR): the one place that
 * knows which engine a setting means. The session layer calls these once at start and shares the results.
 */

import { EnergyVad } from '../audio/energy-vad.ts';
import { GatedVad } from '../audio/gated-vad.ts';
import { SileroVad } from '../audio/silero-vad.ts';
import type { VoiceActivityDetector } from '../audio/vad.ts';
import { SpeechError } from './errors.ts';
import { createEspeakWasmSynthesizer } from './espeak-wasm-tts.ts';
import { locateModel, requireEntry } from './model-files.ts';
import { MODEL_REGISTRY, type ModelEntry, type ModelKind } from './model-registry.ts';
import { createProcessSynthesizer } from './process-tts.ts';
import type { SpeechRecognizer, TranscriptPostProcessor } from './recognizer.ts';
import { loadSherpaRecognizer } from './sherpa-recognizer.ts';
import { loadSherpaSynthesizer } from './sherpa-tts.ts';
import type { SpeechSynthesizer } from './synthesizer.ts';

export interface SpeechSettings {
  modelsDir: string;
  /** ROOMAN_STT: `sherpa`, `sherpa:<model>`, `none`, or undefined (sherpa when a model is installed). */
  stt: string | undefined;
  /** ROOMAN_TTS. */
  tts: string;
  registry?: readonly ModelEntry[];
}

/** Best first: the most accurate recognizer that is installed wins. */
const STT_PREFERENCE = [
  'sherpa-onnx-streaming-zipformer-en-2023-06-26',
  'sherpa-onnx-streaming-zipformer-en-20M-2023-02-17',
  'sherpa-kws-zipformer-gigaspeech-3.3M',
];
const TTS_PREFERENCE = ['kokoro-en-v0_19', 'vits-piper-en_US-amy-low'];

/** The first model of the kinds, in preference order, that is installed and loadable. */
export async function firstInstalled(
  modelsDir: string,
  kinds: readonly ModelKind[],
  preference: readonly string[],
  registry: readonly ModelEntry[] = MODEL_REGISTRY,
): Promise<ModelEntry | undefined> {
  const candidates = [
    ...preference.map((n) => registry.find((m) => m.name === n)).filter((m): m is ModelEntry => !!m),
    ...registry.filter((m) => !preference.includes(m.name)),
  ].filter((m) => kinds.includes(m.kind));
  for (const entry of candidates) {
    try {
      await locateModel(entry, modelsDir);
      return entry;
    } catch {}
  }
  return undefined;
}

export interface RecognizerChoice {
  hotwords?: readonly string[];
  postProcess?: TranscriptPostProcessor;
}

/** The configured recognizer, or undefined when STT is off (or, by default, when no model is installed). */
export async function createConfiguredRecognizer(
  settings: SpeechSettings,
  choice: RecognizerChoice = {},
): Promise<SpeechRecognizer | undefined> {
  const { stt, modelsDir } = settings;
  if (stt === 'none') return undefined;
  let model = stt?.startsWith('sherpa:') ? stt.slice('sherpa:'.length) : undefined;
  if (!model) {
    const found = await firstInstalled(modelsDir, ['stt-transducer'], STT_PREFERENCE, settings.registry);
    if (!found) {
      if (stt === undefined) return undefined;
      throw new SpeechError(
        'MODEL_MISSING',
        `ROOMAN_STT=sherpa but no speech-recognition model is installed in ${modelsDir}. Run: rooman models pull ${STT_PREFERENCE.at(-1)}`,
      );
    }
    model = found.name;
  }
  return loadSherpaRecognizer({
    modelsDir,
    model,
    ...(settings.registry ? { registry: settings.registry } : {}),
    ...(choice.hotwords ? { hotwords: choice.hotwords } : {}),
    ...(choice.postProcess ? { postProcess: choice.postProcess } : {}),
  });
}

/** The configured synthesizer, or undefined for ROOMAN_TTS=none. */
export async function createConfiguredSynthesizer(
  settings: SpeechSettings,
): Promise<SpeechSynthesizer | undefined> {
  const { tts, modelsDir } = settings;
  if (tts === 'none') return undefined;
  if (tts === 'espeak') return createEspeakWasmSynthesizer();
  if (tts === 'espeak-ng' || tts === 'flite' || tts === 'festival')
    return createProcessSynthesizer({ engine: tts });
  if (tts === 'sherpa' || tts.startsWith('sherpa:')) {
    let model = tts.startsWith('sherpa:') ? tts.slice('sherpa:'.length) : undefined;
    if (!model) {
      const found = await firstInstalled(
        modelsDir,
        ['tts-vits', 'tts-kokoro'],
        TTS_PREFERENCE,
        settings.registry,
      );
      if (!found) {
        throw new SpeechError(
          'MODEL_MISSING',
          `ROOMAN_TTS=sherpa but no neural voice is installed in ${modelsDir}. Run: rooman models pull ${TTS_PREFERENCE.at(-1)}`,
        );
      }
      model = found.name;
    }
    return loadSherpaSynthesizer({
      modelsDir,
      model,
      ...(settings.registry ? { registry: settings.registry } : {}),
    });
  }
  throw new SpeechError('ENGINE_UNAVAILABLE', `Unknown ROOMAN_TTS engine '${tts}'`);
}

export interface VadSettings {
  modelsDir: string;
  /** ROOMAN_VAD: `silero`, `energy`, or undefined (silero when its model is installed and loads, else energy). */
  vad: 'energy' | 'silero' | undefined;
  /** ROOMAN_VAD_THRESHOLD: Silero's speech probability (default 0.5). */
  threshold?: number | undefined;
  /** ROOMAN_VAD_ENERGY_MARGIN_DB: the energy VAD's margin over the noise floor (default 10 dB). */
  energyMarginDb?: number | undefined;
  registry?: readonly ModelEntry[];
}

export interface VadChoice {
  kind: 'energy' | 'silero';
  /** One detector per call (each keeps its own state). */
  create: () => Promise<VoiceActivityDetector>;
}

const SILERO_MODEL = 'silero-vad-v5';

/**
 * The calls' VAD. Silero v5 is the default when its model is installed: it tells speech from noise far better than
 * energy, and behind an energy gate (it only runs when the line is not quiet) it costs ~3 ms of CPU per call-second.
 * Without the model, the energy + zero-crossing detector. Barge-in does not wait for Silero: the session holds the
 * agent's audio on a fast energy onset and lets Silero confirm (see VoiceSession `onsetVad`).
 *
 * ROOMAN_VAD=silero without the model is an error (the caller asked for it); the default falls back quietly.
 */
export async function createConfiguredVad(settings: VadSettings): Promise<VadChoice> {
  const energy: VadChoice = {
    kind: 'energy',
    create: async () =>
      new EnergyVad({
        sampleRate: 16_000,
        ...(settings.energyMarginDb !== undefined ? { marginDb: settings.energyMarginDb } : {}),
      }),
  };
  if (settings.vad === 'energy') return energy;
  let modelPath: string;
  try {
    const entry = requireEntry(SILERO_MODEL, ['vad-silero'], settings.registry);
    modelPath = (await locateModel(entry, settings.modelsDir)).files.model!;
    // Open one now: a model that does not load fails here, at the first call, not in the middle of one.
    (await openSilero(modelPath, settings.threshold)).close();
  } catch (error) {
    if (settings.vad === 'silero') throw error;
    return energy;
  }
  return { kind: 'silero', create: () => openSilero(modelPath, settings.threshold) };
}

async function openSilero(modelPath: string, threshold: number | undefined): Promise<VoiceActivityDetector> {
  // 150 ms of silence ends a Silero segment (its default is 300): the turn's own 300 ms is counted by the endpointer
  // from the energy detector's precise end, and a later Silero end (it carries ~100 ms of hangover, and is only
  // known a window or two after) would hold the turn past it.
  const silero = await SileroVad.open({
    modelPath,
    minSilenceMs: 150,
    ...(threshold !== undefined ? { threshold } : {}),
  });
  return new GatedVad(silero);
}
