/**
 * Speech benchmark: streaming STT (real-time factor, WER on our festival HTS sentences, memory per stream) and TTS
 * (time to first audio and real-time factor per engine). Models come from shared/models (the 3.3M zipformer); the
 * test audio is made on the spot with festival, so festival must be installed.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEspeakWasmSynthesizer } from '../src/speech/espeak-wasm-tts.ts';
import { createProcessSynthesizer, processEngineAvailable } from '../src/speech/process-tts.ts';
import { loadSherpaRecognizer } from '../src/speech/sherpa-recognizer.ts';
import type { SpeechSynthesizer } from '../src/speech/synthesizer.ts';
import { corpusWer } from '../src/speech/wer.ts';
import { FESTIVAL_SET, festivalSpeech, KWS_MODEL } from '../test/speech/fixtures.ts';
import type { BenchContext } from './run.ts';

const MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../shared/models');
const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits;
const TTS_TEXT =
  'Lead added for Rohan Sharma from Gurgaon. His phone is nine eight seven six five four three two one zero. Shall I book a site visit for tomorrow morning?';

export async function benchSpeech(context: BenchContext): Promise<Record<string, unknown>> {
  context.log('synthesising the festival test set');
  const audio: Int16Array[] = [];
  for (const text of FESTIVAL_SET) audio.push(await festivalSpeech(text));
  const audioSeconds = audio.reduce((n, a) => n + a.length, 0) / 16_000;

  const t0 = performance.now();
  const recognizer = await loadSherpaRecognizer({ modelsDir: MODELS_DIR, model: KWS_MODEL });
  const loadMs = performance.now() - t0;
  context.log('decoding in 100 ms chunks');
  const pairs = [];
  let decodeMs = 0;
  let worstChunkMs = 0;
  for (const [i, samples] of audio.entries()) {
    const stream = recognizer.createStream();
    const start = performance.now();
    for (let at = 0; at < samples.length; at += 1600) {
      const c0 = performance.now();
      stream.accept(samples.subarray(at, at + 1600));
      worstChunkMs = Math.max(worstChunkMs, performance.now() - c0);
    }
    const final = stream.finish();
    decodeMs += performance.now() - start;
    pairs.push({ reference: FESTIVAL_SET[i]!, hypothesis: final.text });
    stream.close();
  }

  // Memory per stream: open many streams, each holding a second of decoded audio (encoder states, features).
  if (global.gc) global.gc();
  const before = process.memoryUsage().rss;
  const streams = Array.from({ length: 40 }, () => recognizer.createStream());
  for (const s of streams) s.accept(audio[0]!.subarray(0, 16_000));
  const perStreamKb = (process.memoryUsage().rss - before) / streams.length / 1024;
  for (const s of streams) s.close();

  const tts: Record<string, unknown> = {};
  const engines: Array<[string, () => Promise<SpeechSynthesizer>]> = [
    ['espeak_wasm', () => createEspeakWasmSynthesizer()],
  ];
  if (await processEngineAvailable('festival'))
    engines.push(['festival_hts', () => createProcessSynthesizer({ engine: 'festival' })]);
  if (await processEngineAvailable('flite'))
    engines.push(['flite_slt', () => createProcessSynthesizer({ engine: 'flite' })]);
  for (const [name, make] of engines) {
    context.log(`TTS ${name}`);
    const l0 = performance.now();
    const synth = await make();
    const load = performance.now() - l0;
    const runs: Array<{ first: number; total: number; seconds: number }> = [];
    for (let r = 0; r < 3; r++) {
      const s0 = performance.now();
      let first = 0;
      let samples = 0;
      for await (const chunk of synth.synthesize(TTS_TEXT)) {
        if (!first) first = performance.now() - s0;
        samples += chunk.samples.length;
      }
      runs.push({ first, total: performance.now() - s0, seconds: samples / synth.sampleRate });
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    tts[name] = {
      load_ms: round(load, 1),
      first_audio_ms_median: round(median(runs.map((r) => r.first)), 1),
      rtf: round(median(runs.map((r) => r.total / 1000 / r.seconds))),
      sample_rate: synth.sampleRate,
    };
  }

  return {
    stt: {
      model: KWS_MODEL,
      sentences: FESTIVAL_SET.length,
      audio_seconds: round(audioSeconds, 2),
      load_ms: round(loadMs, 1),
      rtf: round(decodeMs / 1000 / audioSeconds),
      worst_100ms_chunk_ms: round(worstChunkMs, 2),
      wer_festival_hts: round(corpusWer(pairs)),
      memory_per_stream_kb: round(perStreamKb, 0),
    },
    tts,
  };
}
