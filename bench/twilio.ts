/**
 * Phone media streams under load: N concurrent Twilio media streams on loopback against the real webhook, signature
 * check, media bridge and pacer, for S seconds.
 *
 *   npm run bench -- --only twilio
 *   node_modules/.bin/node --max-semi-space-size=8 bench/twilio.ts [streams] [seconds] [pglite|postgres] [hang-up-half]
 *   (postgres: the server of TEST_DATABASE_URL instead of embedded PGlite; hang-up-half: half the callers hang up
 *   together halfway through, while the others' frames are measured)
 *
 * Each stream is a fake Twilio (test/fakes/twilio-media-client.ts): signed voice webhook, signed WebSocket, `start`,
 * then 20 ms µ-law frames of caller audio in real time (line noise, decoded, upsampled to 16 kHz and handed to the
 * session as in a call). The session on the other side is an announcer that talks without a pause (1 s chunks of
 * 8 kHz audio, so the bridge's resampling is the identity and every frame's bytes say its index), so every stream
 * has outbound audio paced the whole time, with a mark every 100 ms echoed by the fake.
 *
 * Measured:
 * - Lateness against playback, the schedule the target is judged on: the far end plays frame 0 as it arrives and
 *   then a frame every 20 ms, so a frame arriving after `arrival₀ + 20 ms · k` is a gap the caller hears. Seen by
 *   the fake (arrival) and by the pacer (send).
 * - Send jitter: how far each frame strays from the pacer's 20 ms send schedule (the part of the lead it used up),
 *   at both ends, next to what an idle probe process saw of the machine's own timer delays over the same window.
 * - That frames arrive complete and in order, one unbroken run per stream, marks echoed.
 * - RSS and live heap at the start and end (flat memory: no per-frame leak), and the process CPU per frame →
 *   streams one core bridges in real time.
 *
 * The speech side of a call (VAD, STT, brain, TTS) is in bench/voice.ts (sessions per core); a phone call costs the
 * sum of the two.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  monitorEventLoopDelay,
  performance as nodePerformance,
  PerformanceObserver,
  constants as perfConstants,
} from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import twilio from 'twilio';
import { WebSocket as WsWebSocket } from 'ws';
import { mulawDecode } from '../src/audio/g711.ts';
import { type BridgedSession, DEFAULT_MEDIA_LIMITS } from '../src/channels/twilio/media-bridge.ts';
import { silentLogger } from '../src/core/logger.ts';
import { createHttpApp } from '../src/http/app.ts';
import { registerTwilio, type TwilioChannel } from '../src/http/routes/twilio.ts';
import { SessionEvents } from '../src/session/events.ts';
import type { Database } from '../src/store/database.ts';
import { ensureDefaultOrganisation } from '../src/store/organisations.ts';
import { sid, TwilioMediaClient, type WebSocketClass } from '../test/fakes/twilio-media-client.ts';
import { databaseTargets } from '../test/helpers/db.ts';
import type { BenchContext } from './run.ts';

/** Live heap after a forced full collection; only outside the measured window (it stalls the event loop). */
function liveHeapNow(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

/**
 * The heap right after each full collection the runtime makes during the window: live data, not whatever garbage the
 * collector had not reached yet. (Forcing a collection instead would stall the event loop ~90 ms and show up as
 * frame lateness.)
 */
function watchHeapAfterMajorGc(): { samples: number[]; stop: () => void } {
  const samples: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      if ((entry as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR)
        samples.push(process.memoryUsage().heapUsed);
  });
  observer.observe({ entryTypes: ['gc'] });
  return { samples, stop: () => observer.disconnect() };
}

const PUBLIC_URL = 'https://rooman.bench';
const AUTH_TOKEN = 'bench-auth-token';
const ACCOUNT_SID = `AC${'b'.repeat(32)}`;
const FRAME_BYTES = 160;
/** Frames the pacer sends ahead at the start of a run (the bridge's default). */
const LEAD_FRAMES = DEFAULT_MEDIA_LIMITS.leadFrames;

/** Frame k of the announcer's audio is all one µ-law code: CODES[k % CODES.length]. */
const CODES = Array.from({ length: 120 }, (_, i) => 0x80 + i);

/**
 * A session that talks without a pause: agent audio at 8 kHz, 1 s chunks, two seconds ahead of playback, topped up
 * every second. Caller audio is counted, as a session would read it.
 */
class Announcer implements BridgedSession {
  readonly id = randomUUID();
  readonly orgId: string;
  readonly state = 'speaking' as const;
  readonly #events = new SessionEvents();
  #frame = 0;
  #offsetMs = 0;
  #timer: ReturnType<typeof setInterval> | null = null;
  heardSamples = 0;

  constructor(orgId: string) {
    this.orgId = orgId;
  }

  async start(): Promise<void> {
    // The bridge subscribes before start(): the first chunks go straight out.
    this.#speak();
    this.#speak();
    this.#timer = setInterval(() => this.#speak(), 1000);
  }

  pushAudio(audio: Uint8Array | Int16Array): void {
    this.heardSamples += audio instanceof Int16Array ? audio.length : audio.length / 2;
  }

  async sendText(): Promise<void> {}
  markPlayed(): void {}

  async end(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  on: BridgedSession['on'] = (event, listener) => this.#events.on(event, listener);

  #speak(): void {
    const samples = new Int16Array(8000);
    for (let f = 0; f < 50; f++) {
      const level = mulawDecode(new Uint8Array([CODES[this.#frame++ % CODES.length]!]))[0]!;
      samples.fill(level, f * FRAME_BYTES, (f + 1) * FRAME_BYTES);
    }
    this.#events.emit('agent.audio', {
      turn: 1,
      kind: 'reply',
      samples,
      sampleRate: 8000,
      sentenceIndex: 0,
      offsetMs: this.#offsetMs,
    });
    this.#offsetMs += 1000;
  }
}

/**
 * One stream's outbound frames as they arrive: order (each frame's code follows the last) and lateness, two ways.
 *
 * - Against the send schedule (the pacing jitter the target speaks of): the pacer sends the frames due by
 *   the start at once, then one every 20 ms on its grid, which the client cannot see. So the schedule is taken from
 *   the paced frames themselves: frame k's offset is `arrival − 20 ms · k`, and its lateness is its offset minus the
 *   smallest offset of the stream, i.e. measured from the earliest any frame came. That never flatters: a schedule
 *   set by the luckiest frame makes every other one as late as it can be.
 * - Against playback: the far end plays frame 0 as it arrives and then one frame every 20 ms, so frame k must be
 *   there by `arrival₀ + 20 ms · k`; a frame after that is a gap the caller hears (an underrun).
 */
class FrameTrack {
  frames = 0;
  outOfOrder = 0;
  /** `arrival − 20 ms · k` of every paced frame (kept as numbers: 150 k of them at most). */
  readonly #offsets: number[] = [];
  /** Worst arrival against the playback moment (negative: every frame came ahead of it) and frames after it. */
  playbackMax = Number.NEGATIVE_INFINITY;
  underruns = 0;
  #firstPlayed = 0;
  #previous = -1;
  #ended = false;

  /** The caller hung up: later frames are not counted. */
  end(): void {
    this.#ended = true;
  }

  add(payload: Uint8Array, at: number): void {
    if (this.#ended) return;
    if (this.frames === 0) this.#firstPlayed = at;
    // Frames up to `lead` (and the one due at the grid instant before the start) go at once: not paced.
    if (this.frames > LEAD_FRAMES) this.#offsets.push(at - this.frames * 20);
    const behindPlayback = at - (this.#firstPlayed + this.frames * 20);
    if (behindPlayback > this.playbackMax) this.playbackMax = behindPlayback;
    if (behindPlayback > 0) this.underruns++;
    this.frames++;
    const index = CODES.indexOf(payload[0]!);
    if (payload.length !== FRAME_BYTES || payload.some((b) => b !== payload[0]) || index < 0)
      this.outOfOrder++;
    else if (this.#previous >= 0 && index !== (this.#previous + 1) % CODES.length) this.outOfOrder++;
    this.#previous = index;
  }

  /** Send-schedule lateness of each paced frame, in ms. */
  lateness(): number[] {
    let earliest = Number.POSITIVE_INFINITY;
    for (const o of this.#offsets) if (o < earliest) earliest = o;
    return this.#offsets.map((o) => o - earliest);
  }
}

export interface MediaLoadResult {
  streams: number;
  seconds: number;
  frames_received: number;
  frames_expected_min: number;
  /** Frames whose index did not follow the previous one's (lost, repeated or reordered). */
  out_of_order: number;
  /** Client view against the send schedule: arrival − 20 ms × k − the stream's earliest such offset (FrameTrack). */
  max_lateness_ms: number;
  p99_lateness_ms: number;
  p50_lateness_ms: number;
  /** Client view against playback: the worst arrival − (arrival of frame 0 + 20 ms × k); ≤ 0 means never heard. */
  playback_max_lateness_ms: number;
  /** Frames that arrived after their playback moment (gaps a caller could hear). */
  playback_underruns: number;
  /** Server view: send time − due time in the pacer, and the same against playback. */
  server_max_lateness_ms: number;
  server_late_frames: number;
  server_playback_max_lateness_ms: number;
  server_underruns: number;
  /** Runs of continuous audio over all streams: one each when the session never falls behind (the announcer). */
  server_runs: number;
  marks_echoed: number;
  problems: string[];
  rss_start_mb: number;
  rss_end_mb: number;
  heap_start_mb: number;
  heap_end_mb: number;
  /** Full collections seen in the window (heap start/end are read right after the first and the last). */
  heap_after_major_gc_samples: number;
  /** Forced full collections before the first call and after the last one ended: a leak shows as a difference. */
  heap_before_calls_mb: number;
  heap_after_calls_ended_mb: number;
  cpu_ms: number;
  /** Share of the time the server's event loop was busy. */
  event_loop_utilization: number;
  /** Server process CPU ÷ (streams × seconds): the share of one core a bridged stream takes. */
  cpu_per_stream: number;
  frames_out_in_window: number;
  /** Server CPU per outbound frame sent in the window (with its inbound frame, mark and echo). */
  cpu_us_per_frame: number;
  /** 1 s ÷ (CPU per frame × 50 frames/s): streams one core bridges in real time. */
  streams_per_core: number;
  /**
   * An idle process on the same machine over the window (a 1 ms timer, nothing else): how late its timer fired at
   * worst, and how often by more than 20 ms. What the machine itself adds to any process's timing (the scheduler,
   * other processes, a virtual machine's host): lateness up to this much is not the server's doing.
   */
  machine_max_timer_delay_ms: number;
  machine_timer_delays_over_20ms: number;
  /** The fake Twilio process (all streams' client side) over the run: its CPU, loop busy share, worst loop delay. */
  clients_cpu_ms: number;
  clients_event_loop_utilization: number;
  clients_max_event_loop_delay_ms: number;
}

/** Runs `streams` concurrent media streams for `seconds` against a fresh server; used by the bench and its test. */
export async function runMediaLoad(options: {
  streams: number;
  seconds: number;
  log?: (message: string) => void;
  signal?: AbortSignal;
  /** The database the server uses: embedded PGlite (default) or the PostgreSQL server of TEST_DATABASE_URL. */
  database?: 'pglite' | 'postgres';
  /**
   * Half the callers hang up together halfway through; the others' frames stay measured. Ending a call writes its
   * end (call record, events, transcript), so this shows what a burst of endings does to the calls still on.
   */
  hangUpHalfMidway?: boolean;
}): Promise<MediaLoadResult> {
  const log = options.log ?? (() => {});
  const wanted = options.database ?? 'pglite';
  const target = databaseTargets().find((t) => t.name === wanted);
  if (!target) throw new Error(`no ${wanted} database: set TEST_DATABASE_URL to a PostgreSQL server`);
  const database: Database = await target.open();
  const org = await ensureDefaultOrganisation(database.db, 'UTC');
  const app = createHttpApp({ logger: silentLogger, bodyLimit: 1024 * 1024 });
  const announcers: Announcer[] = [];
  /** The fake Twilio and the probe: ended in any case, so a failed run leaves no process behind. */
  const children: ChildProcess[] = [];
  let channel: TwilioChannel;
  try {
    channel = await registerTwilio(app, {
      db: database.db,
      logger: silentLogger,
      twilio: {
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        phoneNumber: undefined,
        apiBaseUrl: undefined,
      },
      publicUrl: PUBLIC_URL,
      defaultOrgId: org.id,
      openSession: async (orgId) => {
        const announcer = new Announcer(orgId);
        announcers.push(announcer);
        return announcer;
      },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    const base = `http://127.0.0.1:${port}`;

    // Calls come in a few milliseconds apart, as they would: the webhook here, the streams in the client process.
    const calls: Array<{ callSid: string; parameters: Record<string, string> }> = [];
    for (let i = 0; i < options.streams; i++) {
      const callSid = sid('CA');
      const form = {
        CallSid: callSid,
        AccountSid: ACCOUNT_SID,
        From: `+1415555${String(1000 + i)}`,
        To: '+14155550199',
        CallStatus: 'ringing',
        Direction: 'inbound',
      };
      const response = await fetch(`${base}/twilio/voice`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(
            AUTH_TOKEN,
            `${PUBLIC_URL}/twilio/voice`,
            form,
          ),
        },
        body: new URLSearchParams(form).toString(),
      });
      const twiml = await response.text();
      if (response.status !== 200) throw new Error(`voice webhook answered ${response.status}: ${twiml}`);
      const parameters: Record<string, string> = {};
      for (const m of twiml.matchAll(/<Parameter name="([^"]+)" value="([^"]*)"\/>/g))
        parameters[m[1]!] = m[2]!;
      calls.push({ callSid, parameters });
    }
    // The fake Twilio runs in a process of its own, so this process's CPU is the server's alone.
    const fakes = fork(fileURLToPath(import.meta.url), [CLIENTS_FLAG], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Not the test runner's flags: the child is a plain script.
      execArgv: [],
    });
    children.push(fakes);
    const messages = new MessageQueue(fakes);
    // The machine's own timing noise over the measured window: an idle process that only keeps a 1 ms timer. Started
    // now because starting a process stalls this one (fork copies a large process's page tables) and would show as
    // lateness.
    const probe = fork(fileURLToPath(import.meta.url), [PROBE_FLAG], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [],
    });
    children.push(probe);
    const probeMessages = new MessageQueue(probe);
    await probeMessages.next('up');
    // Leak check baseline: a forced full collection before any call streams (it stalls the loop; nothing is paced yet).
    const heapBeforeCalls = liveHeapNow();
    fakes.send({ type: 'start', port, calls } satisfies ToClients);
    await messages.next('up');
    log(`${options.streams} streams up`);

    // Warm-up (JIT, first allocations), then the measured window.
    await sleep(Math.min(2000, (options.seconds * 1000) / 4), options.signal);
    probe.send({ type: 'begin' });
    const heapWatch = watchHeapAfterMajorGc();
    const rssStart = process.memoryUsage();
    const cpuStart = process.cpuUsage();
    const framesStart = channel.pacing().framesSent;
    const eluStart = nodePerformance.eventLoopUtilization();
    const wallStart = performance.now();
    if (options.hangUpHalfMidway) {
      await sleep((options.seconds * 1000) / 2, options.signal);
      fakes.send({ type: 'hang-up-half' } satisfies ToClients);
      await sleep((options.seconds * 1000) / 2, options.signal);
    } else await sleep(options.seconds * 1000, options.signal);
    const cpu = process.cpuUsage(cpuStart);
    const elu = nodePerformance.eventLoopUtilization(eluStart);
    const wallMs = performance.now() - wallStart;
    heapWatch.stop();
    const rssEnd = process.memoryUsage();
    const framesInWindow = channel.pacing().framesSent - framesStart;
    // Lateness is read up to here, at both ends: once the callers hang up (all 50 at once), what the calls still
    // send is heard by no one, and their endings (transcripts, call records) load this process.
    const pacing = channel.pacing();
    probe.send({ type: 'stop' });
    const machine = (await probeMessages.next('probe')) as ProbeResult;
    fakes.send({ type: 'stop' } satisfies ToClients);
    const fake = (await messages.next('result')) as ClientsResult;
    // …and after every call has ended (the clients stopped, lateness already read): what the calls left behind.
    await sleep(1000, options.signal);
    const heapAfterCalls = liveHeapNow();
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const perStream = cpuMs / (options.streams * wallMs);
    // CPU per 20 ms of call (a frame each way): valid even when the machine starves the process and not every
    // frame got out, which CPU ÷ wall time is not.
    const usPerFrame = (cpuMs * 1000) / Math.max(1, framesInWindow);
    const lateness = fake.lateness;
    const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
    return {
      streams: options.streams,
      seconds: options.seconds,
      frames_received: fake.frames,
      // With half the callers gone halfway, three quarters of the frames are due.
      frames_expected_min: Math.floor(
        options.streams * options.seconds * 50 * (options.hangUpHalfMidway ? 0.75 : 1),
      ),
      out_of_order: fake.outOfOrder,
      max_lateness_ms: round(lateness.max),
      p99_lateness_ms: round(lateness.p99),
      p50_lateness_ms: round(lateness.p50),
      playback_max_lateness_ms: round(fake.playback.max),
      playback_underruns: fake.playback.underruns,
      server_max_lateness_ms: round(pacing.maxLatenessMs),
      server_late_frames: pacing.lateFrames,
      server_playback_max_lateness_ms: round(pacing.maxPlaybackLatenessMs),
      server_underruns: pacing.underruns,
      server_runs: pacing.runs,
      marks_echoed: fake.marks,
      problems: fake.problems,
      rss_start_mb: mb(rssStart.rss),
      rss_end_mb: mb(rssEnd.rss),
      heap_start_mb: mb(heapWatch.samples[0] ?? rssStart.heapUsed),
      heap_end_mb: mb(heapWatch.samples.at(-1) ?? rssEnd.heapUsed),
      heap_after_major_gc_samples: heapWatch.samples.length,
      heap_before_calls_mb: mb(heapBeforeCalls),
      heap_after_calls_ended_mb: mb(heapAfterCalls),
      cpu_ms: Math.round(cpuMs),
      event_loop_utilization: round(elu.utilization, 3),
      cpu_per_stream: round(perStream, 4),
      frames_out_in_window: framesInWindow,
      cpu_us_per_frame: round(usPerFrame),
      machine_max_timer_delay_ms: round(machine.maxDelayMs),
      machine_timer_delays_over_20ms: machine.over20,
      clients_cpu_ms: Math.round(fake.cpuMs),
      clients_event_loop_utilization: round(fake.eventLoopUtilization, 3),
      clients_max_event_loop_delay_ms: round(fake.maxEventLoopDelayMs),
      streams_per_core: Math.floor(1e6 / (usPerFrame * 50)),
    };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
    for (const a of announcers) await a.end();
    await app.close();
    await database.close();
  }
}

// ── the fake Twilio side, in its own process ─────────────────────────────────────────────────────────────────

const CLIENTS_FLAG = '--twilio-bench-clients';
const PROBE_FLAG = '--twilio-bench-probe';

interface ProbeResult {
  type: 'probe';
  maxDelayMs: number;
  over20: number;
}

/** The idle probe: a 1 ms timer and nothing else, reporting how late it fired between `begin` and `stop`. */
function runProbe(): void {
  let last = performance.now();
  let maxDelayMs = 0;
  let over20 = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const delay = now - last - 1;
    if (delay > maxDelayMs) maxDelayMs = delay;
    if (delay > 20) over20++;
    last = now;
  }, 1);
  process.on('message', (message: { type: string }) => {
    if (message.type === 'begin') {
      maxDelayMs = 0;
      over20 = 0;
      return;
    }
    clearInterval(timer);
    process.send!({ type: 'probe', maxDelayMs, over20 } satisfies ProbeResult, () => process.exit(0));
  });
  process.send!({ type: 'up' });
}

type ToClients =
  | { type: 'start'; port: number; calls: Array<{ callSid: string; parameters: Record<string, string> }> }
  | { type: 'hang-up-half' }
  | { type: 'stop' };

interface ClientsResult {
  type: 'result';
  frames: number;
  outOfOrder: number;
  marks: number;
  problems: string[];
  lateness: { max: number; p99: number; p50: number };
  playback: { max: number; underruns: number };
  /** The fake Twilio process's own load: a late arrival may be its event loop, not the server. */
  cpuMs: number;
  eventLoopUtilization: number;
  maxEventLoopDelayMs: number;
}

/** Messages from the child, awaited by type. */
class MessageQueue {
  readonly #waiting = new Map<string, (message: unknown) => void>();
  readonly #arrived = new Map<string, unknown>();

  constructor(child: ChildProcess) {
    child.on('message', (message) => {
      const type = (message as { type: string }).type;
      const waiter = this.#waiting.get(type);
      if (waiter) waiter(message);
      else this.#arrived.set(type, message);
    });
    child.once('exit', (code) => {
      for (const waiter of this.#waiting.values()) waiter({ type: 'exit', code });
    });
  }

  async next(type: string): Promise<unknown> {
    const message =
      this.#arrived.get(type) ?? (await new Promise((resolve) => this.#waiting.set(type, resolve)));
    if ((message as { type: string }).type === 'exit')
      throw new Error(`the fake Twilio process exited early`);
    return message;
  }
}

async function runClients(): Promise<void> {
  const start = await new Promise<Extract<ToClients, { type: 'start' }>>((resolve) =>
    process.once('message', (m) => resolve(m as Extract<ToClients, { type: 'start' }>)),
  );
  const tracks: FrameTrack[] = [];
  const clients: TwilioMediaClient[] = [];
  for (const call of start.calls) {
    const track = new FrameTrack();
    tracks.push(track);
    const client = new TwilioMediaClient({
      url: `ws://127.0.0.1:${start.port}/twilio/media`,
      signedUrl: `${PUBLIC_URL.replace(/^http/, 'ws')}/twilio/media`,
      authToken: AUTH_TOKEN,
      accountSid: ACCOUNT_SID,
      callSid: call.callSid,
      parameters: call.parameters,
      record: false,
      onMedia: (payload, at) => track.add(payload, at),
      webSocket: WsWebSocket as unknown as WebSocketClass,
    });
    await client.connect();
    client.begin();
    clients.push(client);
  }
  process.send!({ type: 'up' });
  const cpuStart = process.cpuUsage();
  const eluStart = nodePerformance.eventLoopUtilization();
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  await new Promise<void>((resolve) =>
    process.on('message', (message: ToClients) => {
      if (message.type === 'stop') return resolve();
      if (message.type !== 'hang-up-half') return;
      // Every other caller hangs up at once; the rest keep talking (their frames stay measured).
      for (let i = 0; i < clients.length; i += 2) {
        tracks[i]!.end();
        clients[i]!.stop();
      }
    }),
  );
  loopDelay.disable();
  const cpu = process.cpuUsage(cpuStart);
  const elu = nodePerformance.eventLoopUtilization(eluStart);
  // What arrives after the callers hung up is heard by no one: the tracks end here.
  for (const t of tracks) t.end();
  for (const c of clients) c.stop();
  await Promise.all(clients.map((c) => c.closedWith(10_000).catch(() => null)));
  const lateness = tracks.flatMap((t) => t.lateness()).sort((a, b) => a - b);
  const at = (q: number) => lateness[Math.min(lateness.length - 1, Math.floor(lateness.length * q))] ?? 0;
  const result: ClientsResult = {
    type: 'result',
    frames: tracks.reduce((n, t) => n + t.frames, 0),
    outOfOrder: tracks.reduce((n, t) => n + t.outOfOrder, 0),
    marks: clients.reduce((n, c) => n + c.marksEchoed, 0),
    problems: [...new Set(clients.flatMap((c) => c.problems))].slice(0, 5),
    lateness: { max: lateness.at(-1) ?? 0, p99: at(0.99), p50: at(0.5) },
    playback: {
      max: Math.max(...tracks.map((t) => t.playbackMax)),
      underruns: tracks.reduce((n, t) => n + t.underruns, 0),
    },
    cpuMs: (cpu.user + cpu.system) / 1000,
    eventLoopUtilization: elu.utilization,
    maxEventLoopDelayMs: loopDelay.max / 1e6,
  };
  process.send!(result, () => process.exit(0));
}

export async function benchTwilio(context: BenchContext): Promise<Record<string, unknown>> {
  const result = await runMediaLoad({ streams: 50, seconds: 60, log: context.log, signal: context.signal });
  const behindPlayback = Math.max(result.playback_max_lateness_ms, 0);
  context.log(
    `50 streams × 60 s: worst frame ${behindPlayback} ms behind its playback moment (${result.playback_underruns} ` +
      `underruns); send jitter max ${result.max_lateness_ms} ms, p99 ${result.p99_lateness_ms} ms (an idle ` +
      `process saw ${result.machine_max_timer_delay_ms} ms); RSS ${result.rss_start_mb} → ${result.rss_end_mb} MB, ` +
      `${result.streams_per_core} streams per core`,
  );
  return {
    setup:
      'loopback; the fake Twilio streams in a child process, CPU and memory are the server process alone',
    target: 'no outbound frame more than 20 ms behind its schedule: the moment the far end must play it',
    target_max_behind_schedule_ms: 20,
    max_behind_schedule_ms: behindPlayback,
    meets_target: behindPlayback <= 20 && result.out_of_order === 0,
    ...result,
  };
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

if (process.argv.includes(CLIENTS_FLAG)) await runClients();
else if (process.argv.includes(PROBE_FLAG)) runProbe();
else if (import.meta.url === `file://${process.argv[1]}`) {
  const streams = Number(process.argv[2] ?? 50);
  const seconds = Number(process.argv[3] ?? 60);
  const database = process.argv[4] === 'postgres' ? 'postgres' : 'pglite';
  const result = await runMediaLoad({
    streams,
    seconds,
    database,
    hangUpHalfMidway: process.argv[5] === 'hang-up-half',
    log: (m) => process.stderr.write(`${m}\n`),
  });
  console.log(JSON.stringify(result, null, 2));
}
