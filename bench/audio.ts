/**
 * Audio core throughput: G.711, resampling, VAD, and how many concurrent calls one core can carry.
 *
 *   npm run bench -- --only audio
 *
 * "× real time" = seconds of audio processed per second of CPU on one core. A "phone stream" is what a Twilio call
 * costs the audio core every 20 ms: µ-law decode → 8→16 kHz → VAD on the way in, and 24→8 kHz → µ-law encode on
 * the way out (the agent's voice). Streams per core = 1 / (CPU seconds per audio second of one stream).
 *
 * The Silero model is read from ROOMAN_MODELS_DIR (default /work/shared/models); without it the Silero figures say so.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EnergyVad } from '../src/audio/energy-vad.ts';
import { mulawDecode, mulawEncode } from '../src/audio/g711.ts';
import { GatedVad } from '../src/audio/gated-vad.ts';
import { Resampler } from '../src/audio/resampler.ts';
import { SileroVad } from '../src/audio/silero-vad.ts';
import type { VoiceActivityDetector } from '../src/audio/vad.ts';
import type { BenchContext } from './run.ts';

/**
 * Speech-like test audio: voiced bursts with pauses over a little noise (content does not change the cost).
 * `callLike`: the bursts only in the first 2 s of every 6 s, as a caller who then listens to the agent.
 */
function syntheticSpeech(rate: number, seconds: number, callLike = false): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  let seed = 7;
  for (let i = 0; i < out.length; i++) {
    const t = i / rate;
    const voiced = t % 1.2 < 0.8 && (!callLike || t % 6 < 2);
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const noise = (seed / 0x7fffffff - 0.5) * 200;
    const f0 = 140 + 30 * Math.sin(t * 3);
    out[i] = Math.round(
      noise +
        (voiced ? 6000 * (Math.sin(2 * Math.PI * f0 * t) + 0.5 * Math.sin(2 * Math.PI * 3 * f0 * t)) : 0),
    );
  }
  return out;
}

/** CPU seconds (user + system) spent in `work`. */
function cpuSeconds(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

/** Repeats `pass` (over `audioSeconds` of audio) until at least `minCpu` seconds of CPU, returns × real time. */
function realTimeFactor(audioSeconds: number, pass: () => void, minCpu = 0.4): number {
  pass(); // warm up the JIT
  let cpu = 0;
  let audio = 0;
  while (cpu < minCpu) {
    cpu += cpuSeconds(pass);
    audio += audioSeconds;
  }
  return audio / cpu;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function benchAudio(context: BenchContext): Promise<Record<string, unknown>> {
  const seconds = 10;
  const pcm8 = syntheticSpeech(8000, seconds);
  const pcm16 = syntheticSpeech(16000, seconds);
  const pcm24 = syntheticSpeech(24000, seconds);
  const pcm48 = syntheticSpeech(48000, seconds);
  const byRate: Record<number, Int16Array> = { 8000: pcm8, 16000: pcm16, 24000: pcm24, 48000: pcm48 };

  context.log('G.711');
  const ulaw = mulawEncode(pcm8);
  const encoded = new Uint8Array(pcm8.length);
  const decoded = new Int16Array(pcm8.length);
  const g711 = {
    mulaw_encode_x_realtime_8k: Math.round(realTimeFactor(seconds, () => mulawEncode(pcm8, encoded))),
    mulaw_decode_x_realtime_8k: Math.round(realTimeFactor(seconds, () => mulawDecode(ulaw, decoded))),
  };

  context.log('resampling');
  const resampling: Record<string, number> = {};
  for (const [from, to] of [
    [8000, 16000],
    [16000, 8000],
    [24000, 8000],
    [24000, 16000],
    [16000, 24000],
    [48000, 16000],
  ] as const) {
    const input = byRate[from]!;
    const frame = (from * 20) / 1000;
    const resampler = new Resampler(from, to);
    const out = new Int16Array(resampler.outputLength(frame) + 1);
    resampling[`${from / 1000}k_to_${to / 1000}k_x_realtime`] = Math.round(
      realTimeFactor(seconds, () => {
        for (let i = 0; i < input.length; i += frame) resampler.process(input.subarray(i, i + frame), out);
      }),
    );
  }

  context.log('VAD');
  const runVad = (vad: VoiceActivityDetector, audio: Int16Array, frame: number) => () => {
    for (let i = 0; i < audio.length; i += frame) vad.push(audio.subarray(i, i + frame));
  };
  const energy = new EnergyVad({ sampleRate: 16000 });
  const energyRtf = realTimeFactor(seconds, runVad(energy, pcm16, 320));
  const vad: Record<string, unknown> = {
    energy_cpu_ms_per_audio_s: round(1000 / energyRtf, 3),
    energy_x_realtime: Math.round(energyRtf),
  };

  const modelPath = join(
    process.env.ROOMAN_MODELS_DIR ?? '/work/shared/models',
    'silero-vad-v5',
    'silero_vad.onnx',
  );
  const silero = (await stat(modelPath).catch(() => null)) ? await SileroVad.open({ modelPath }) : null;
  let sileroRtf: number | null = null;
  if (silero) {
    sileroRtf = realTimeFactor(seconds, runVad(silero, pcm16, 320), 1);
    vad.silero_cpu_ms_per_audio_s = round(1000 / sileroRtf, 2);
    vad.silero_x_realtime = Math.round(sileroRtf);
    // Behind the energy gate (the server's default): on continuous speech it costs the same; on a call's audio,
    // where the caller is quiet two thirds of the time, the model only runs around the bursts.
    const call16 = syntheticSpeech(16000, seconds, true);
    const gated = new GatedVad(await SileroVad.open({ modelPath }));
    vad.silero_gated_cpu_ms_per_audio_s = round(
      1000 / realTimeFactor(seconds, runVad(gated, pcm16, 320), 1),
      2,
    );
    const gatedCall = new GatedVad(await SileroVad.open({ modelPath }));
    vad.silero_gated_call_audio_cpu_ms_per_audio_s = round(
      1000 / realTimeFactor(seconds, runVad(gatedCall, call16, 320), 1),
      2,
    );
    vad.silero_call_audio_cpu_ms_per_audio_s = round(
      1000 / realTimeFactor(seconds, runVad(silero, call16, 320), 1),
      2,
    );
    gated.close();
    gatedCall.close();
  } else {
    vad.silero = `model missing at ${modelPath}`;
  }

  context.log('phone streams');
  // One phone call's audio-core work for `seconds` of audio, 20 ms at a time, with a given VAD.
  const phoneStream = (detector: VoiceActivityDetector) => {
    const inbound = mulawEncode(pcm8);
    const up = new Resampler(8000, 16000);
    const down = new Resampler(24000, 8000);
    const pcmIn = new Int16Array(160);
    const wide = new Int16Array(320);
    const narrow = new Int16Array(160);
    const ulawOut = new Uint8Array(160);
    return () => {
      for (let f = 0; f < seconds * 50; f++) {
        mulawDecode(inbound.subarray(f * 160, f * 160 + 160), pcmIn);
        detector.push(up.process(pcmIn, wide));
        mulawEncode(down.process(pcm24.subarray(f * 480, f * 480 + 480), narrow), ulawOut);
      }
    };
  };
  const energyStreamRtf = realTimeFactor(seconds, phoneStream(new EnergyVad({ sampleRate: 16000 })));
  const streams: Record<string, unknown> = {
    energy_pipeline_streams_per_core: Math.floor(energyStreamRtf),
    energy_pipeline_cpu_ms_per_audio_s: round(1000 / energyStreamRtf, 3),
    target_energy: 100,
    target_silero: 30,
  };
  if (silero) {
    silero.reset();
    const sileroStreamRtf = realTimeFactor(seconds, phoneStream(silero), 1);
    streams.silero_pipeline_streams_per_core = Math.floor(sileroStreamRtf);
    streams.silero_pipeline_cpu_ms_per_audio_s = round(1000 / sileroStreamRtf, 2);
    silero.close();
  }

  return {
    setup: 'synthetic speech-like audio, 20 ms frames, one thread; x_realtime = audio seconds per CPU second',
    g711,
    resampling,
    vad,
    phone_streams: streams,
  };
}
