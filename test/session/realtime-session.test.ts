/**
 * A speech-to-speech call end to end with real parts: the RealtimeSession driving Gemini Live through the real SDK
 * against the fake server (scenario files), tools through the registry into the built-in CRM in a real database,
 * the transcript written there, and the organisation's model-call budget in the same database.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { GeminiLiveBrain, type GeminiLiveOptions } from '../../src/brains/gemini-live/gemini-live-brain.ts';
import type { CrmGateway } from '../../src/core/crm.ts';
import { RoomanError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { BuiltinCrm } from '../../src/crm/builtin-crm.ts';
import type { VoiceSessionEventName, VoiceSessionEvents } from '../../src/session/events.ts';
import {
  MODEL_LOST_REPLY,
  RATE_LIMITED_REPLY,
  RealtimeSession,
  type RealtimeSessionOptions,
} from '../../src/session/realtime-session.ts';
import { createEspeakWasmSynthesizer } from '../../src/speech/espeak-wasm-tts.ts';
import type { SpeechSynthesizer } from '../../src/speech/synthesizer.ts';
import type { Database } from '../../src/store/database.ts';
import { modelCallLimiter, RateLimitRepository } from '../../src/store/rate-limits.ts';
import { TranscriptRepository, transcriptSink } from '../../src/store/transcripts.ts';
import { crmTools } from '../../src/tools/crm-tools.ts';
import { callerAudio } from '../brains/gemini-live/recorder.ts';
import { FakeGeminiLive, loadLiveScenario } from '../fakes/gemini-live-server.ts';
import { createTestOrg, type DatabaseTarget, databaseTargets } from '../helpers/db.ts';

interface Seen<E extends VoiceSessionEventName = VoiceSessionEventName> {
  event: E;
  payload: VoiceSessionEvents[E];
}

const EVENTS: VoiceSessionEventName[] = [
  'state',
  'user.partial',
  'user.final',
  'agent.text',
  'agent.audio',
  'clear',
  'agent.interrupted',
  'tool.started',
  'tool.result',
  'turn.metrics',
  'error',
  'ended',
];

/** Every event a session emits, in order, and a way to wait for one. */
class Events {
  readonly seen: Seen[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(session: RealtimeSession) {
    for (const event of EVENTS)
      session.on(event, (payload) => {
        this.seen.push({ event, payload } as Seen);
        for (const w of [...this.#waiters]) w();
      });
  }

  of<E extends VoiceSessionEventName>(event: E): Array<VoiceSessionEvents[E]> {
    return this.seen.filter((s): s is Seen<E> => s.event === event).map((s) => s.payload);
  }

  until<E extends VoiceSessionEventName>(
    event: E,
    match: (p: VoiceSessionEvents[E]) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<VoiceSessionEvents[E]> {
    return new Promise((resolve, reject) => {
      const test = () => {
        const found = this.of(event).find(match);
        if (found) {
          this.#waiters.delete(test);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(test);
        reject(new Error(`timed out waiting for ${event}; saw ${this.seen.map((s) => s.event).join(',')}`));
      }, timeoutMs);
      this.#waiters.add(test);
      test();
    });
  }
}

/** The real CRM behind a delay on writes that honours the abort signal, as an HTTP CRM would. */
function slowCrm(crm: CrmGateway, delayMs: number): CrmGateway {
  const later = <T>(signal: AbortSignal | undefined, run: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => run().then(resolve, reject), delayMs);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new RoomanError('CRM_ERROR', 'aborted'));
      });
    });
  return {
    createLead: (input, options) => later(options?.signal, () => crm.createLead(input, options)),
    scheduleVisit: (input, options) => later(options?.signal, () => crm.scheduleVisit(input, options)),
    updateLeadStatus: (id, input, options) =>
      later(options?.signal, () => crm.updateLeadStatus(id, input, options)),
    getLead: (id, options) => crm.getLead(id, options),
    listLeads: (query, options) => crm.listLeads(query, options),
  };
}

for (const target of databaseTargets()) describe(`realtime session (${target.name})`, () => suite(target));

function suite(target: DatabaseTarget) {
  let database: Database;
  let crm: BuiltinCrm;
  let transcripts: TranscriptRepository;
  let fake: FakeGeminiLive | undefined;
  const sessions: RealtimeSession[] = [];
  let synthesizer: Promise<SpeechSynthesizer> | undefined;
  /** eSpeak NG (WASM), loaded once for the tests that hear an apology. */
  const speaker = () => {
    synthesizer ??= createEspeakWasmSynthesizer();
    return synthesizer;
  };

  before(async () => {
    database = await target.open();
    crm = new BuiltinCrm({
      db: database.db,
      kind: database.kind,
      logger: silentLogger,
      dataDir: '/tmp',
      csvLogs: false,
    });
    transcripts = new TranscriptRepository(database.db);
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.end('test-over');
    await fake?.close();
    fake = undefined;
  });
  after(async () => {
    await crm.close();
    await database.close();
  });

  async function call(
    scenario: string,
    options: {
      crm?: (orgId: string) => CrmGateway;
      brain?: Partial<GeminiLiveOptions>;
      session?: Partial<RealtimeSessionOptions>;
      orgId?: string;
      start?: boolean;
    } = {},
  ) {
    fake ??= await FakeGeminiLive.start({ scenario: await loadLiveScenario(scenario) });
    const orgId = options.orgId ?? (await createTestOrg(database.db)).id;
    const sessionId = crypto.randomUUID();
    const session = new RealtimeSession({
      orgId,
      sessionId,
      channel: 'test',
      brain: new GeminiLiveBrain({
        apiKey: 'TEST_KEY',
        baseUrl: fake.baseUrl,
        reconnectDelaysMs: [0, 50, 100],
        ...options.brain,
      }),
      tools: crmTools(),
      crm: options.crm ? options.crm(orgId) : crm.gatewayFor(orgId),
      timeZone: 'Asia/Kolkata',
      transcript: transcriptSink(transcripts, orgId, sessionId),
      ...options.session,
    });
    sessions.push(session);
    const events = new Events(session);
    if (options.start !== false) await session.start();
    return { session, events, orgId, sessionId, fake };
  }

  it('a spoken turn: caller audio reaches the model, both transcriptions become events and the transcript', async () => {
    const { session, events, orgId, sessionId, fake } = await call('spoken-turn');
    // Channel frames of odd lengths: samples split across frames still reach the model whole.
    const audio = callerAudio(300);
    for (let i = 0; i < audio.byteLength; i += 641) session.pushAudio(audio.subarray(i, i + 641));
    const metrics = await events.until('turn.metrics');
    assert.equal(events.of('user.final')[0]!.text, 'Do you have flats in Pune?');
    assert.equal(events.of('user.final')[0]!.source, 'speech');
    assert.deepEqual(
      events.of('user.partial').map((p) => p.text),
      ['Do you have', 'Do you have flats in Pune?'],
    );
    assert.equal(events.of('agent.text')[0]!.text, 'Yes, we have several in Pune.');
    const chunks = events.of('agent.audio');
    assert.ok(chunks.every((c) => c.sampleRate === 24_000 && c.turn === 1));
    assert.equal(
      chunks.reduce((n, c) => n + c.samples.length, 0),
      9600,
    );
    assert.deepEqual(
      chunks.slice(0, 2).map((c) => c.offsetMs),
      [0, 40],
    );
    assert.equal(metrics.turn, 1);
    assert.deepEqual(
      events.of('state').map((s) => s.state),
      ['listening', 'thinking', 'speaking', 'listening'],
    );
    assert.equal(fake.connections[0]!.audioBytes, audio.byteLength);
    assert.deepEqual(fake.problems, []);
    await session.end('hangup');
    const entries = await transcripts.entries(orgId, sessionId);
    assert.deepEqual(
      entries.map((e) => [e.role, e.text, e.interrupted]),
      [
        ['user', 'Do you have flats in Pune?', false],
        ['agent', 'Yes, we have several in Pune.', false],
      ],
    );
    assert.ok((await transcripts.findSession(orgId, sessionId))?.ended_at);
    assert.equal(events.of('ended')[0]!.reason, 'hangup');
  });

  it("caller words transcribed after the model began answering stay in the caller's turn", async () => {
    const { session, events, orgId, sessionId } = await call('late-transcription');
    for (let i = 0; i < 10; i++) session.pushAudio(callerAudio(20));
    await events.until('turn.metrics');
    for (let i = 0; i < 10; i++) session.pushAudio(callerAudio(20));
    await events.until('turn.metrics', (m) => m.turn === 2);
    await session.end();
    const entries = await transcripts.entries(orgId, sessionId);
    assert.deepEqual(
      entries.map((e) => [e.turn, e.role, e.text]),
      [
        [1, 'user', 'Book a visit for tomorrow'],
        [1, 'agent', 'Sure, tomorrow at ten?'],
        [2, 'user', 'Yes.'],
        [2, 'agent', 'Done.'],
      ],
    );
  });

  it('a tool call proposed by the model runs once through the registry; its result goes back, scheduled when idle', async () => {
    const { session, events, orgId, sessionId, fake } = await call('typed-tool-call');
    await session.sendText('Add Rohan Sharma from Gurgaon, 9876543210, from Instagram');
    const result = await events.until('tool.result');
    assert.equal(result.name, 'createLead');
    assert.equal(result.error, undefined);
    await events.until('agent.text', (t) => t.text.startsWith('Saved'));
    const [response] = fake.toolResponses();
    assert.equal(response!.id, 'function-call-1000000000000000001');
    assert.equal(response!.scheduling, 'WHEN_IDLE');
    const output = response!.response.output as { lead_id: string; phone: string };
    const leads = await crm.gatewayFor(orgId).listLeads({ phone: '+919876543210' });
    assert.equal(leads.total, 1);
    assert.equal(leads.items[0]!.lead_id, output.lead_id);
    assert.equal(fake.connections[0]!.texts[0], 'Add Rohan Sharma from Gurgaon, 9876543210, from Instagram');
    await session.end();
    const tool = (await transcripts.entries(orgId, sessionId)).find((e) => e.role === 'tool');
    assert.equal(tool?.tool_name, 'createLead');
    assert.deepEqual((tool!.tool_args as { phone: string }).phone, '+919876543210');
    assert.deepEqual(fake.problems, []);
  });

  it('invalid model arguments: nothing runs, the VALIDATION_ERROR naming the field goes back at once', async () => {
    const { session, events, orgId, fake } = await call('invalid-arguments');
    await session.sendText('Add Asha from Pune, her number is one two three four five');
    const result = await events.until('tool.result');
    assert.match(result.error ?? '', /^VALIDATION_ERROR: phone/);
    const response = await fake.until(() => fake.toolResponses()[0], 'the tool response');
    const error = response.response.error as { type: string; field: string };
    assert.equal(error.type, 'VALIDATION_ERROR');
    assert.equal(error.field, 'phone');
    assert.equal(response.scheduling, 'INTERRUPT');
    assert.equal((await crm.gatewayFor(orgId).listLeads({})).total, 0);
    await events.until('agent.text', (t) => t.text.includes('digit by digit'));
  });

  it('barge-in: `interrupted` clears the audio at once and the transcript keeps only what was heard', async () => {
    const { session, events, orgId, sessionId } = await call('barge-in');
    await session.sendText('Tell me about Pune');
    await events.until('agent.audio');
    session.markPlayed(500);
    for (let i = 0; i < 20; i++) session.pushAudio(callerAudio(20));
    const interrupted = await events.until('agent.interrupted');
    assert.equal(events.of('clear').length, 1);
    assert.equal(interrupted.playedMs, 500);
    assert.equal(interrupted.totalMs, 2000);
    assert.ok(interrupted.playedText.length > 0 && interrupted.playedText.length < interrupted.text.length);
    assert.ok(interrupted.text.startsWith(interrupted.playedText));
    await events.until('state', (s) => s.state === 'listening');
    await session.end();
    const agent = (await transcripts.entries(orgId, sessionId)).find((e) => e.role === 'agent');
    assert.equal(agent?.interrupted, true);
    assert.equal(agent?.played_text, interrupted.playedText);
  });

  it('toolCallCancellation aborts the run: nothing is written and nothing is answered', async () => {
    const { session, events, orgId, fake } = await call('cancelled-tool', {
      crm: (org) => slowCrm(crm.gatewayFor(org), 400),
    });
    await session.sendText('Add Vikram Rao from Mumbai, 9822334455');
    const result = await events.until('tool.result');
    assert.equal(result.error, 'cancelled by the model');
    await events.until('agent.text', (t) => t.text.includes('not save'));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await crm.gatewayFor(orgId).listLeads({})).total, 0);
    assert.deepEqual(fake.toolResponses(), []);
    assert.deepEqual(fake.problems, []);
  });

  it('the socket drops during a tool call: the call resumes, the tool runs once, its result arrives after resume', async () => {
    const { session, events, orgId, sessionId, fake } = await call('drop-during-tool', {
      crm: (org) => slowCrm(crm.gatewayFor(org), 300),
    });
    await session.sendText('Add Meera Iyer from Chennai, 98123 45678');
    await events.until('agent.text', (t) => t.text === 'Meera is saved.');
    assert.equal(events.of('tool.started').length, 1, 'the repeated call id did not run again');
    assert.equal((await crm.gatewayFor(orgId).listLeads({})).total, 1);
    const responses = fake.toolResponses();
    assert.equal(responses.length, 1);
    assert.equal(fake.connections[1]!.toolResponses.length, 1, 'the result went out on the resumed socket');
    assert.equal(fake.connections[1]!.resumedHandle, 'handle-drop-1');
    assert.deepEqual(fake.problems, []);
    await session.end();
    const system = (await transcripts.entries(orgId, sessionId)).filter((e) => e.role === 'system');
    assert.match(system[0]!.text, /reconnecting: closed 1011/);
    assert.match(system[1]!.text, /resumed in \d+ ms/);
  });

  it('a goAway mid-call is invisible to the caller: no clear, no error, the next turn answers', async () => {
    const { session, events } = await call('go-away');
    const feeding = setInterval(() => session.pushAudio(callerAudio(20)), 20);
    try {
      await events.until('agent.text', (t) => t.text === 'Yes, I am here.');
    } finally {
      clearInterval(feeding);
    }
    assert.equal(events.of('clear').length, 0);
    assert.equal(events.of('error').length, 0);
    assert.equal(events.of('user.final')[0]!.text, 'Are you still there?');
  });

  it('a model that cannot be reached: start() rejects, the transcript says why and the session is ended', async () => {
    const { session, events, orgId, sessionId } = await call('spoken-turn', {
      brain: { apiKey: 'WRONG' },
      start: false,
    });
    await assert.rejects(session.start(), /code 1007/);
    assert.equal(events.of('ended')[0]!.reason, 'start-failed');
    const [entry] = await transcripts.entries(orgId, sessionId);
    assert.match(entry!.text, /model unavailable: .*API key not valid/);
  });

  it('a link lost for good mid-call: the caller hears an apology and the call ends', async () => {
    const synthesizer = await speaker();
    const { events, fake } = await call('spoken-turn', { session: { synthesizer } });
    await fake.close();
    const ended = await events.until('ended', () => true, 15_000);
    assert.equal(ended.reason, 'model-unavailable');
    assert.equal(events.of('agent.text').at(-1)!.text, MODEL_LOST_REPLY);
    assert.ok(events.of('agent.audio').length > 0, 'the apology is spoken');
    assert.equal(events.of('error')[0]!.where, 'model link');
  });

  it("past the organisation's model-call budget the caller hears an apology and no model is called", async () => {
    const limiter = modelCallLimiter(
      new RateLimitRepository(database.db),
      { limit: 2, windowMs: 3_600_000 },
      { now: () => new Date() },
    );
    const orgId = (await createTestOrg(database.db)).id;
    const synthesizer = await speaker();
    const first = await call('typed-tool-call', { orgId, session: { limiter } });
    await first.session.sendText('Add Rohan Sharma from Gurgaon, 9876543210, from Instagram');
    await first.events.until('tool.result');
    await first.session.end();
    const connections = first.fake.connections.length;
    const second = await call('typed-tool-call', { orgId, session: { limiter, synthesizer } });
    const ended = await second.events.until('ended', () => true, 15_000);
    assert.ok(second.events.of('agent.audio').length > 0, 'the apology is spoken');
    assert.equal(ended.reason, 'rate-limited');
    assert.equal(second.events.of('agent.text')[0]!.text, RATE_LIMITED_REPLY);
    assert.equal(second.fake.connections.length, connections, 'no model session was opened');
    const [entry] = await transcripts.entries(orgId, second.sessionId);
    assert.equal(entry!.text, RATE_LIMITED_REPLY);
    // Another organisation is not affected.
    const other = await call('typed-tool-call', { session: { limiter } });
    assert.equal(other.events.of('ended').length, 0);
  });
}
