/**
 * Voice session benchmark: what a call costs and how fast it answers, on the real session with real parts.
 *
 *   npm run bench -- --only voice          or alone:   node_modules/.bin/node bench/voice.ts
 *
 * 1. CPU per concurrent session. K VoiceSessions are fed flite speech + silence at real-time pace (one 20 ms pacing
 *    loop feeds every session its frame), each session at a different place in the audio so they do not all talk at
 *    once. CPU = process.cpuUsage (every thread, GC included) over the window ÷ (K × audio seconds):
 *    sessions_per_core = 1 / that fraction. (a) energy VAD only: no recogniser, so no turn ever runs (pushAudio →
 *    chunker → VAD → endpointer). (b) Silero VAD + streaming STT (sherpa 3.3M, one thread): the endpointer's silence
 *    is set out of reach, so no turn reaches the brain; the recogniser hears every frame. No synthesis in either.
 *    A check run at K = sessions_per_core (capped) reports how late the pacing loop pushed frames: falling behind
 *    real time shows as lateness that grows past a frame or two.
 * 2. End of caller speech → first agent audio, local stack (energy VAD, sherpa STT, LocalBrain on the built-in CRM
 *    in in-memory PGlite, eSpeak WASM TTS): a fresh call per turn, flite speech whose true end is known to the
 *    sample, measured on the wall clock from the last speech frame pushed to the first `agent.audio`. Once with the
 *    default 500 ms endpoint silence, once with 300 ms; the breakdown says what each stage adds.
 * 3. Barge-in: while the agent speaks a reply, the caller talks; caller speech start (first frame pushed) → `clear`.
 */
import { randomUUID } from 'node:crypto';
import type { EndpointerOptions } from '../src/audio/endpointer.ts';
import { EnergyVad } from '../src/audio/energy-vad.ts';
import { SileroVad } from '../src/audio/silero-vad.ts';
import type { VoiceActivityDetector } from '../src/audio/vad.ts';
import { LocalBrain } from '../src/brains/local/local-brain.ts';
import { silentLogger } from '../src/core/logger.ts';
import { BuiltinCrm } from '../src/crm/builtin-crm.ts';
import type { TurnMetrics } from '../src/session/events.ts';
import { VoiceSession } from '../src/session/voice-session.ts';
import { createEspeakWasmSynthesizer } from '../src/speech/espeak-wasm-tts.ts';
import type { SpeechRecognizer } from '../src/speech/recognizer.ts';
import { loadSherpaRecognizer } from '../src/speech/sherpa-recognizer.ts';
import type { SpeechSynthesizer } from '../src/speech/synthesizer.ts';
import { createUnderstandingEngine } from '../src/understanding/engine.ts';
import { SpeechFixtures, sileroModelPath } from '../test/audio/speech-fixtures.ts';
import { createTestOrg, databaseTargets } from '../test/helpers/db.ts';
import { CallerLine } from '../test/session/caller-line.ts';
import { KWS_MODEL, SHARED_MODELS } from '../test/speech/fixtures.ts';
import type { BenchContext } from './run.ts';

const FRAME = 320; // 20 ms at 16 kHz
const FRAME_MS = 20;
const TARGET_ENERGY = 100;
const TARGET_SILERO_STT = 30;
/** Check runs stop here: beyond it the pacing loop's own cost, not the session's, is what gets measured. */
const CHECK_CAP = { energy: 400, silero_stt: 60 };
const UNREACHABLE_MS = 1e9;
const SILENCE = new Int16Array(FRAME);
const TURNS = 10;
const BARGE_INS = 5;

/** Caller sentences for the spoken turns: none ends on a number word (that would call for the 1.5 s wait). */
const TURN_SENTENCES = [
  'show me all the leads from delhi',
  'mark the lead as contacted',
  'update the lead status to qualified',
  'call me back next monday afternoon',
  'cancel my meeting on friday',
  'schedule a site visit for tomorrow morning',
];
const INTERRUPTION = 'no wait, please change the city to mumbai';

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

const summary = (values: number[]) => ({
  n: values.length,
  p50_ms: round(percentile(values, 50)),
  p95_ms: round(percentile(values, 95)),
  max_ms: round(Math.max(...values)),
});

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

interface PacedRun {
  cpuSeconds: number;
  audioSeconds: number;
  lateness: number[];
  /** Lateness of the last frame: a backlog that grew during the run shows here. */
  finalLatenessMs: number;
}

/**
 * Feeds every session its next 20 ms frame on one pacing loop scheduled against the start time (timer jitter does
 * not accumulate; a loop that cannot keep up falls behind and its lateness grows). Lateness of a tick = when the
 * last session got the frame − when the frame was due. CPU is counted after `warmupS`.
 */
async function paced(
  sessions: VoiceSession[],
  audio: Int16Array,
  seconds: number,
  warmupS: number,
  signal: AbortSignal,
): Promise<PacedRun> {
  const frames = Math.floor(audio.length / FRAME);
  const offsets = sessions.map((_, i) => (i * 397) % frames);
  const total = Math.round(((warmupS + seconds) * 1000) / FRAME_MS);
  const warmFrames = Math.round((warmupS * 1000) / FRAME_MS);
  const lateness: number[] = [];
  let cpuStart: NodeJS.CpuUsage | null = null;
  let n = 0;
  let finalLatenessMs = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (n < total && t0 + n * FRAME_MS <= now) {
        if (n === warmFrames) cpuStart = process.cpuUsage();
        for (const [i, session] of sessions.entries()) {
          const f = (offsets[i]! + n) % frames;
          session.pushAudio(audio.subarray(f * FRAME, f * FRAME + FRAME));
        }
        const late = performance.now() - (t0 + n * FRAME_MS);
        if (n >= warmFrames) lateness.push(late);
        finalLatenessMs = late;
        n++;
      }
      if (n >= total || signal.aborted) return resolve();
      setTimeout(tick, Math.max(0, t0 + n * FRAME_MS - performance.now()));
    };
    tick();
  });
  const used = process.cpuUsage(cpuStart ?? undefined);
  return {
    cpuSeconds: (used.user + used.system) / 1e6,
    audioSeconds: (lateness.length * FRAME_MS) / 1000,
    lateness,
    finalLatenessMs,
  };
}

function latenessReport(run: PacedRun) {
  const max = Math.max(...run.lateness);
  return {
    max_lateness_ms: round(max),
    p99_lateness_ms: round(percentile(run.lateness, 99)),
    p99_lateness_second_half_ms: round(percentile(run.lateness.slice(run.lateness.length >> 1), 99)),
    final_lateness_ms: round(run.finalLatenessMs),
    // A phone jitter buffer absorbs a few frames; a loop that falls behind ends far later than it started.
    keeps_up: max < 60 && run.finalLatenessMs < 2 * FRAME_MS,
  };
}

export async function benchVoice(context: BenchContext): Promise<Record<string, unknown>> {
  const signal = context.signal;
  context.log('setting up: in-memory PGlite, sherpa, eSpeak WASM, flite speech');
  const database = await databaseTargets()[0]!.open();
  const crm = new BuiltinCrm({
    db: database.db,
    kind: database.kind,
    logger: silentLogger,
    dataDir: '/tmp',
    csvLogs: false,
  });
  const fixtures = new SpeechFixtures();
  const brain = new LocalBrain({ understander: createUnderstandingEngine() });
  const recognizer = await loadSherpaRecognizer({ modelsDir: SHARED_MODELS, model: KWS_MODEL });
  const synthesizer = await createEspeakWasmSynthesizer();
  const modelPath = sileroModelPath();
  try {
    // Caller audio for the CPU part: speech with pauses, as in a call (~45 % speech).
    const parts: Int16Array[] = [];
    for (const text of TURN_SENTENCES) parts.push((await fixtures.speech(text, 'flite', 0.4, 0.8)).samples);
    const callerAudio = concat(parts);
    const cpu = await benchCpu(context, { brain, crm, recognizer, modelPath, callerAudio, signal });
    const latency = await benchLatency(context, { brain, crm, database, recognizer, synthesizer, fixtures });
    const bargeIn = await benchBargeIn(context, {
      brain,
      crm,
      database,
      recognizer,
      synthesizer,
      fixtures,
      modelPath,
    });
    return {
      setup:
        'real VoiceSession; flite (slt) speech at real-time pace in 20 ms frames; sherpa 3.3M zipformer (1 thread); ' +
        'Silero v5 (1 thread); LocalBrain + built-in CRM on in-memory PGlite; eSpeak NG WASM TTS',
      cpu_per_session: cpu,
      speech_end_to_first_audio: latency,
      barge_in: bargeIn,
    };
  } finally {
    await fixtures.dispose();
    await crm.close();
    await database.close();
  }
}

interface Parts {
  brain: LocalBrain;
  crm: BuiltinCrm;
  database: Awaited<ReturnType<ReturnType<typeof databaseTargets>[number]['open']>>;
  recognizer: SpeechRecognizer;
  synthesizer: SpeechSynthesizer;
  fixtures: SpeechFixtures;
}

async function benchCpu(
  context: BenchContext,
  parts: {
    brain: LocalBrain;
    crm: BuiltinCrm;
    recognizer: SpeechRecognizer;
    modelPath: string;
    callerAudio: Int16Array;
    signal: AbortSignal;
  },
) {
  const orgId = randomUUID(); // never written to: no turn runs in this part
  const open = async (k: number, withStt: boolean) => {
    const sessions: VoiceSession[] = [];
    for (let i = 0; i < k; i++) {
      const vad: VoiceActivityDetector = withStt
        ? await SileroVad.open({ modelPath: parts.modelPath })
        : new EnergyVad({ sampleRate: 16_000 });
      const session = new VoiceSession({
        orgId,
        channel: 'bench',
        brain: parts.brain,
        crm: parts.crm.gatewayFor(orgId),
        timeZone: 'Asia/Kolkata',
        vad,
        ...(withStt
          ? {
              recognizer: parts.recognizer,
              endpointer: { silenceMs: UNREACHABLE_MS, incompleteSilenceMs: UNREACHABLE_MS },
            }
          : {}),
      });
      await session.start();
      // Calls do not start in the same 20 ms: offset each one's internal blocks (recogniser chunks, Silero
      // windows) so their heavy frames fall on different ticks, as they would on a server.
      for (let f = 0; f < (i * 5) % 16; f++) session.pushAudio(SILENCE);
      sessions.push(session);
    }
    return sessions;
  };
  const close = async (sessions: VoiceSession[]) => {
    for (const s of sessions) await s.end();
  };
  const measure = async (name: 'energy' | 'silero_stt', k: number, target: number) => {
    const withStt = name === 'silero_stt';
    context.log(`${name}: CPU of ${k} sessions over 10 s of real-time audio (+2 s warm-up)`);
    let sessions = await open(k, withStt);
    const run = await paced(sessions, parts.callerAudio, 10, 2, parts.signal);
    await close(sessions);
    const fraction = run.cpuSeconds / (k * run.audioSeconds);
    const perCore = 1 / fraction;
    const checkK = Math.min(Math.floor(perCore), CHECK_CAP[name]);
    context.log(`${name}: ${round(perCore)} sessions/core; check run with ${checkK} sessions for 6 s`);
    sessions = await open(checkK, withStt);
    const check = await paced(sessions, parts.callerAudio, 6, 2, parts.signal);
    await close(sessions);
    return {
      sessions_measured: k,
      cpu_ms_per_session_audio_s: round(fraction * 1000, 3),
      cpu_fraction_per_session: round(fraction, 5),
      sessions_per_core: Math.floor(perCore),
      target_sessions_per_core: target,
      meets_target: perCore >= target,
      measured_window: latenessReport(run),
      check_run: {
        sessions: checkK,
        capped: checkK < Math.floor(perCore),
        core_busy_fraction: round(check.cpuSeconds / check.audioSeconds, 3),
        ...latenessReport(check),
      },
    };
  };
  return {
    method:
      'process.cpuUsage over 10 s of K concurrent sessions fed flite speech + silence at real-time pace (2 s warm-up ' +
      'excluded); includes the pacing loop, chunking, VAD, endpointer, event emission, GC; excludes brain and TTS ' +
      '(no turn ends in this part). Lateness = last session of a tick got its frame this long after it was due.',
    energy_vad: await measure('energy', TARGET_ENERGY, TARGET_ENERGY),
    silero_vad_streaming_stt: await measure('silero_stt', 12, TARGET_SILERO_STT),
    components_cpu_ms_per_audio_s: await components(parts.recognizer, parts.modelPath, parts.callerAudio),
  };
}

/** Where the Silero + STT session's CPU goes: each part alone on one stream, same audio, 20 ms frames. */
async function components(recognizer: SpeechRecognizer, modelPath: string, audio: Int16Array) {
  const frames = Math.floor(audio.length / FRAME);
  const seconds = (frames * FRAME_MS) / 1000;
  const cost = (push: (frame: Int16Array) => void) => {
    for (let f = 0; f < frames; f++) push(audio.subarray(f * FRAME, f * FRAME + FRAME)); // warm-up pass
    const before = process.cpuUsage();
    for (let f = 0; f < frames; f++) push(audio.subarray(f * FRAME, f * FRAME + FRAME));
    const used = process.cpuUsage(before);
    return round((used.user + used.system) / 1000 / seconds, 2);
  };
  const silero = await SileroVad.open({ modelPath });
  const stream = recognizer.createStream();
  const energy = new EnergyVad({ sampleRate: 16_000 });
  try {
    return {
      silero_vad: cost((frame) => silero.push(frame)),
      streaming_stt: cost((frame) => stream.accept(frame)),
      energy_vad: cost((frame) => {
        energy.push(frame);
      }),
    };
  } finally {
    silero.close();
    stream.close();
  }
}

interface SpokenTurn {
  /** True speech end (last speech frame pushed) → first agent audio, wall clock. */
  endToAudio: number;
  metrics: TurnMetrics;
  text: string;
  filler: boolean;
}

async function spokenTurn(
  parts: Parts,
  speech: { samples: Int16Array; speechEndS: number },
  endpointer: EndpointerOptions,
): Promise<SpokenTurn | null> {
  const org = await createTestOrg(parts.database.db);
  const session = new VoiceSession({
    orgId: org.id,
    channel: 'bench',
    brain: parts.brain,
    crm: parts.crm.gatewayFor(org.id),
    timeZone: org.timeZone,
    recognizer: parts.recognizer,
    synthesizer: parts.synthesizer,
    endpointer,
  });
  let firstAudio: { at: number; kind: string } | null = null;
  session.on('agent.audio', (a) => {
    firstAudio ??= { at: performance.now(), kind: a.kind };
  });
  let text = '';
  session.on('user.final', (f) => {
    text = f.text;
  });
  const metrics = new Promise<TurnMetrics>((resolve) => session.on('turn.metrics', resolve));
  await session.start();
  const line = new CallerLine(session);
  line.start();
  try {
    const startedAt = await line.say(speech.samples);
    const speechEndWall = startedAt + speech.speechEndS * 1000;
    const m = await Promise.race([metrics, sleep(8000).then(() => null)]);
    if (!m || !firstAudio) return null;
    const first = firstAudio as { at: number; kind: string };
    return { endToAudio: first.at - speechEndWall, metrics: m, text, filler: first.kind === 'filler' };
  } finally {
    line.stop();
    await session.end();
  }
}

async function benchLatency(context: BenchContext, parts: Parts) {
  const speech = [];
  // Speech ends in the middle of the line's silence; the silence after it is what the endpointer waits on.
  for (const text of TURN_SENTENCES) speech.push(await parts.fixtures.speech(text, 'flite', 0.3, 0));
  context.log('spoken turns: warm-up');
  await spokenTurn(parts, speech[0]!, {});
  const rows: Record<string, unknown> = {};
  for (const silenceMs of [500, 300]) {
    context.log(`spoken turns: endpoint silence ${silenceMs} ms, ${TURNS} turns`);
    const turns: SpokenTurn[] = [];
    let lost = 0;
    for (let i = 0; i < TURNS; i++) {
      const t = await spokenTurn(parts, speech[i % speech.length]!, { silenceMs });
      if (t) turns.push(t);
      else lost++;
    }
    const pick = (f: (t: SpokenTurn) => number | null) =>
      summary(turns.map(f).filter((v): v is number => v !== null));
    rows[`endpoint_silence_${silenceMs}ms`] = {
      speech_end_to_first_audio: pick((t) => t.endToAudio),
      // The turns whose words looked finished (the 3.3M model sometimes hears a trailing number word, and the
      // endpointer then rightly waits 1.5 s for the rest of a number).
      at_base_silence_speech_end_to_first_audio: summary(
        turns.filter((t) => (t.metrics.endpointSilenceMs ?? 0) <= silenceMs).map((t) => t.endToAudio),
      ),
      session_metric_speech_end_to_first_audio: pick((t) => t.metrics.speechEndToFirstAudioMs),
      breakdown_p50_ms: {
        endpoint_silence: percentile(
          turns.map((t) => t.metrics.endpointSilenceMs ?? 0),
          50,
        ),
        stt_final: round(
          percentile(
            turns.map((t) => t.metrics.sttFinalMs ?? 0),
            50,
          ),
        ),
        brain: round(
          percentile(
            turns.map((t) => t.metrics.brainMs),
            50,
          ),
        ),
        tool: round(
          percentile(
            turns.map((t) => t.metrics.toolMs),
            50,
          ),
        ),
        tts_first_chunk: round(
          percentile(
            turns.map((t) => t.metrics.ttsFirstChunkMs ?? 0),
            50,
          ),
        ),
      },
      minus_endpoint_silence_p95_ms: round(
        percentile(
          turns.map((t) => t.endToAudio - (t.metrics.endpointSilenceMs ?? 0)),
          95,
        ),
      ),
      turns_waiting_longer_for_unfinished_words: turns.filter(
        (t) => (t.metrics.endpointSilenceMs ?? 0) > silenceMs,
      ).length,
      turns_with_filler_first: turns.filter((t) => t.filler).length,
      turns_without_reply_in_8s: lost,
      target_p95_ms: 500,
      meets_target:
        percentile(
          turns.map((t) => t.endToAudio),
          95,
        ) < 500,
      heard_examples: turns.slice(0, 3).map((t) => t.text),
    };
  }
  return {
    method:
      'fresh call per turn; flite speech, true end known to the sample; wall clock from the last speech frame ' +
      "pushed (real-time pace) to the first agent.audio. The session metric measures from the VAD's own speech end.",
    ...rows,
  };
}

async function benchBargeIn(context: BenchContext, parts: Parts & { modelPath: string }) {
  const interruption = await parts.fixtures.speech(INTERRUPTION, 'flite', 0, 0.5);
  const result: Record<string, unknown> = {
    method:
      'typed turn with a long reply; 400 ms into its audio the caller speaks; first speech frame pushed → clear',
    target_p95_ms: 100,
  };
  for (const kind of ['energy', 'silero'] as const) {
    context.log(`barge-in (${kind} VAD): ${BARGE_INS} interruptions`);
    const delays: number[] = [];
    let missed = 0;
    for (let i = 0; i < BARGE_INS; i++) {
      const org = await createTestOrg(parts.database.db);
      const vad: VoiceActivityDetector =
        kind === 'silero'
          ? await SileroVad.open({ modelPath: parts.modelPath })
          : new EnergyVad({ sampleRate: 16_000 });
      const session = new VoiceSession({
        orgId: org.id,
        channel: 'bench',
        brain: parts.brain,
        crm: parts.crm.gatewayFor(org.id),
        timeZone: org.timeZone,
        recognizer: parts.recognizer,
        synthesizer: parts.synthesizer,
        vad,
      });
      const clears: number[] = [];
      session.on('clear', () => clears.push(performance.now()));
      const audio = new Promise<void>((resolve) => session.on('agent.audio', () => resolve()));
      await session.start();
      const line = new CallerLine(session);
      line.start();
      try {
        await sleep(300);
        void session.sendText('Add a new lead: Rohan Sharma from Pune, phone 9876543210');
        await Promise.race([audio, sleep(8000)]);
        await sleep(400);
        const speechStart = await line.say(interruption.samples);
        const clear = clears.find((c) => c >= speechStart);
        if (clear === undefined) missed++;
        else delays.push(clear - speechStart);
      } finally {
        line.stop();
        await session.end();
      }
    }
    result[`${kind}_vad`] = {
      speech_start_to_clear: summary(delays),
      missed,
      meets_target: delays.length > 0 && percentile(delays, 95) < 100,
    };
  }
  return result;
}

if (import.meta.main) {
  const result = await benchVoice({
    log: (m) => process.stderr.write(`voice: ${m}\n`),
    signal: new AbortController().signal,
  });
  console.log(JSON.stringify(result, null, 2));
}
