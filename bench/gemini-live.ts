/**
 * `npm run bench -- --only gemini-live`: what the Gemini Live bridge costs, against the fake server through the real
 * SDK on loopback.
 *
 * 1. Latency per audio chunk, each direction (target p99 < 1 ms):
 *    - in: `session.pushAudio(20 ms)` → the fake has parsed the `realtimeInput` (our code, the SDK's encoding, one
 *      loopback hop); `in_call_ms` is the synchronous part alone (what a channel waits for);
 *    - out: the fake sends a 40 ms `modelTurn` chunk → the session emits `agent.audio` (loopback, the SDK's parse,
 *      base64 decoding, the session); `out_bridge_ms` is our part alone (decoding and the session's handlers).
 *      Chunks are paced at real time, as the real server sends them.
 * 2. Reconnect on `goAway` (target < 1 s): goAway received → new socket set up with the handle, queues flushed.
 * 3. Memory per open call: N idle calls against the fake in a process of its own, heap and RSS growth ÷ N.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { GeminiLiveBrain } from '../src/brains/gemini-live/gemini-live-brain.ts';
import type { CrmGateway } from '../src/core/crm.ts';
import { RealtimeSession } from '../src/session/realtime-session.ts';
import { crmTools } from '../src/tools/crm-tools.ts';
import { callerAudio } from '../test/brains/gemini-live/recorder.ts';
import { FakeGeminiLive, type LiveScenario, loadLiveScenario } from '../test/fakes/gemini-live-server.ts';
import type { BenchContext } from './run.ts';

const ORG = '00000000-0000-4000-8000-000000000001';
/** One registry for every call, as the server has. */
const TOOLS = crmTools();

/** No tool runs in the bench: a CRM that is never called. */
const noCrm = new Proxy({} as CrmGateway, {
  get: () => () => Promise.reject(new Error('the bench calls no tool')),
});

/** A call on `brain`; a server keeps one brain (one SDK client) for all its calls. */
function session(brain: GeminiLiveBrain): RealtimeSession {
  return new RealtimeSession({
    orgId: ORG,
    channel: 'bench',
    brain,
    tools: TOOLS,
    crm: noCrm,
    timeZone: 'Asia/Kolkata',
  });
}

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    n: sorted.length,
    p50: round(at(0.5)),
    p99: round(at(0.99)),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function chunkLatency(context: BenchContext) {
  const fake = await FakeGeminiLive.start({ scenario: await loadLiveScenario('bench-stream') });
  const handled: number[] = [];
  const call = session(
    new GeminiLiveBrain({ apiKey: 'TEST_KEY', baseUrl: fake.baseUrl, timeMessage: (ms) => handled.push(ms) }),
  );
  const emitted: number[] = [];
  call.on('agent.audio', () => emitted.push(performance.now()));
  await call.start();
  const pushedAt: number[] = [];
  const inCall: number[] = [];
  const frame = callerAudio(20);
  // The caller talks all along (as a microphone streams), paced at 20 ms.
  const deadline = performance.now() + 12_000;
  while (performance.now() < deadline && !context.signal.aborted) {
    const t0 = performance.now();
    call.pushAudio(frame);
    inCall.push(performance.now() - t0);
    pushedAt.push(t0);
    if (emitted.length >= 250) break;
    await sleep(20);
  }
  await fake.until(() => fake.audioReceivedAt.length >= pushedAt.length, 'the last caller chunk', 5_000);
  await call.end();
  await fake.close();
  // Skip the first chunks: the socket and the JIT warm up.
  const inbound = pushedAt.map((t, i) => fake.audioReceivedAt[i]! - t).slice(10);
  const outbound = emitted.map((t, i) => t - fake.audioSentAt[i]!).slice(10);
  context.log(`in: ${inbound.length} chunks, out: ${outbound.length} chunks`);
  return {
    in_call_ms: percentiles(inCall.slice(10)),
    in_to_server_ms: percentiles(inbound),
    out_to_event_ms: percentiles(outbound),
    out_bridge_ms: percentiles(handled.slice(10)),
  };
}

async function reconnectTime(context: BenchContext) {
  const rounds = 10;
  const scenario: LiveScenario = {
    description: 'goAway after every handle',
    connections: Array.from({ length: rounds + 1 }, (_, i) =>
      i < rounds
        ? [
            { resumptionUpdate: { handle: `h-${i}` } },
            { waitAudio: 40 },
            { goAway: '50s' },
            { waitClose: true },
          ]
        : [{ waitClose: true }],
    ),
  };
  const fake = await FakeGeminiLive.start({ scenario });
  const brain = new GeminiLiveBrain({ apiKey: 'TEST_KEY', baseUrl: fake.baseUrl });
  const call = session(brain);
  await call.start();
  const feeding = setInterval(() => call.pushAudio(callerAudio(20)), 20);
  try {
    await fake.until(() => [...brain.links][0]?.reconnects.length === rounds, 'the last resume', 30_000);
  } finally {
    clearInterval(feeding);
  }
  const [link] = brain.links;
  const times = [...(link?.reconnects ?? [])];
  await call.end();
  await fake.close();
  context.log(`reconnects: ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
  return { goaway_to_resumed_ms: percentiles(times) };
}

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function memoryPerCall(context: BenchContext) {
  const calls = 50;
  // The fake in another process: only the client side of each call is counted here.
  const child = spawn(
    process.execPath,
    [new URL('../test/fakes/gemini-live-server.ts', import.meta.url).pathname, 'bench-idle'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const baseUrl = line.toString().trim();
    // One call first: the SDK's modules and the JIT are loaded once per process, not per call.
    const brain = new GeminiLiveBrain({ apiKey: 'TEST_KEY', baseUrl });
    const warm = session(brain);
    await warm.start();
    collectGarbage();
    const before = process.memoryUsage();
    const open: RealtimeSession[] = [];
    for (let i = 0; i < calls; i++) {
      const s = session(brain);
      await s.start();
      open.push(s);
    }
    collectGarbage();
    const after = process.memoryUsage();
    for (const s of [warm, ...open]) await s.end();
    const kib = (bytes: number) => Math.round(bytes / calls / 1024);
    context.log(`${calls} calls open`);
    return {
      calls,
      heap_kib_per_call: kib(after.heapUsed - before.heapUsed),
      external_kib_per_call: kib(after.external + after.arrayBuffers - before.external - before.arrayBuffers),
      rss_kib_per_call: kib(after.rss - before.rss),
    };
  } finally {
    child.kill('SIGTERM');
  }
}

export async function benchGeminiLive(context: BenchContext): Promise<Record<string, unknown>> {
  context.log('latency per audio chunk (12 s at real time)…');
  const latency = await chunkLatency(context);
  context.log('reconnect on goAway…');
  const reconnect = await reconnectTime(context);
  context.log('memory per open call…');
  const memory = await memoryPerCall(context);
  return {
    setup: 'fake Gemini Live on loopback, @google/genai 3.1.0; in: 20 ms frames; out: 40 ms chunks',
    latency_ms: latency,
    reconnect,
    memory,
    targets: { chunk_p99_ms: 1, reconnect_ms: 1000 },
  };
}
