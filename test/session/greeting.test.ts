/**
 * The agent speaks first: a VoiceSession opened with a greeting says it as turn 0 (transcript, events, audio) and the
 * caller can cut it short like any reply; the call's parties and context reach the brain on every turn. Real parts:
 * the eSpeak synthesizer, the transcript in PGlite, the local brain or the model brain against the OpenAI-compatible
 * fake, the CRM fake over HTTP.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { LocalBrain } from '../../src/brains/local/local-brain.ts';
import { ModelBrain } from '../../src/brains/model/model-brain.ts';
import { OpenAiModel } from '../../src/brains/openai/openai-model.ts';
import { HttpCrmGateway } from '../../src/integrations/crm/http-crm-gateway.ts';
import type { VoiceSessionEvents } from '../../src/session/events.ts';
import { VoiceSession, type VoiceSessionOptions } from '../../src/session/voice-session.ts';
import { VoiceSessions } from '../../src/session/voice-sessions.ts';
import { createEspeakWasmSynthesizer } from '../../src/speech/espeak-wasm-tts.ts';
import type { SpeechSynthesizer } from '../../src/speech/synthesizer.ts';
import type { Database } from '../../src/store/database.ts';
import { TranscriptRepository, transcriptSink } from '../../src/store/transcripts.ts';
import { crmTools } from '../../src/tools/crm-tools.ts';
import { createUnderstandingEngine } from '../../src/understanding/engine.ts';
import { FakeCrmServer } from '../fakes/crm-server.ts';
import { FakeOpenAiServer } from '../fakes/openai-server.ts';
import { createTestOrg, databaseTargets } from '../helpers/db.ts';
import { waitFor } from './caller-line.ts';

const GREETING =
  'Hello, this is Rooman from Skyline Homes. I am calling about the flat you asked us about last week.';

describe('the greeting and the call context', () => {
  let database: Database;
  let transcripts: TranscriptRepository;
  let synthesizer: SpeechSynthesizer;
  let crm: FakeCrmServer;
  let llm: FakeOpenAiServer;

  before(async () => {
    database = await (databaseTargets()[0] as { open(): Promise<Database> }).open();
    transcripts = new TranscriptRepository(database.db);
    synthesizer = await createEspeakWasmSynthesizer();
    crm = await FakeCrmServer.start();
    llm = await FakeOpenAiServer.start();
  });
  after(async () => {
    await crm.close();
    await llm.close();
    await database.close();
  });

  async function open(options: Partial<VoiceSessionOptions>) {
    const org = await createTestOrg(database.db);
    const sessionId = randomUUID();
    const session = new VoiceSession({
      orgId: org.id,
      sessionId,
      channel: 'twilio',
      brain: new LocalBrain({ understander: createUnderstandingEngine() }),
      crm: new HttpCrmGateway({ baseUrl: crm.url, sleep: async () => {}, random: () => 0 }),
      timeZone: 'Asia/Kolkata',
      transcript: transcriptSink(transcripts, org.id, sessionId),
      ...options,
    });
    const entries = () => transcripts.entries(org.id, sessionId);
    return { session, entries };
  }

  it('is said first as turn 0, and speech over it cuts it like any reply', async () => {
    const { session, entries } = await open({ synthesizer, greeting: GREETING });
    const texts: VoiceSessionEvents['agent.text'][] = [];
    session.on('agent.text', (e) => texts.push(e));
    const audio = waitFor<VoiceSessionEvents['agent.audio']>((l) => session.on('agent.audio', l), 5000);
    await session.start();
    const first = await audio;
    assert.equal(first.turn, 0);
    assert.equal(first.kind, 'reply');
    assert.deepEqual(texts[0], { turn: 0, text: GREETING });
    assert.equal(session.state, 'speaking');

    // No playback reports: the session assumes real-time playback, so a second in, most of the greeting is unheard.
    await new Promise((r) => setTimeout(r, 1000));
    const interrupted = waitFor<VoiceSessionEvents['agent.interrupted']>(
      (l) => session.on('agent.interrupted', l),
      5000,
    );
    await session.sendText('show my leads');
    const cut = await interrupted;
    assert.equal(cut.turn, 0);
    assert.ok(cut.playedMs < cut.totalMs, `played ${cut.playedMs} of ${cut.totalMs} ms`);
    assert.ok(GREETING.startsWith(cut.playedText) && cut.playedText.length < GREETING.length, cut.playedText);
    await session.idle();
    await session.end();
    const rows = await entries();
    assert.deepEqual(
      rows.slice(0, 2).map((r) => [r.role, r.turn, r.text, r.interrupted]),
      [
        ['agent', 0, GREETING, true],
        ['user', 1, 'show my leads', false],
      ],
    );
    assert.equal(rows[0]!.played_text, cut.playedText);
    assert.equal(session.answeredTurns, 1, 'the greeting is no turn of the brain');
  });

  it('without a synthesizer the greeting is text, wholly "played"; no greeting, no turn 0', async () => {
    const { session, entries } = await open({ greeting: `  ${GREETING}  ` });
    await session.start();
    await session.idle();
    await session.end();
    const rows = await entries();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.text, GREETING);
    assert.equal(rows[0]!.played_text, GREETING);
    assert.equal(rows[0]!.interrupted, false);

    const plain = await open({ synthesizer });
    await plain.session.start();
    await plain.session.idle();
    await plain.session.end();
    assert.deepEqual(await plain.entries(), []);
  });

  it('the inbound caller’s number and the greeting reach a model brain through VoiceSessions.open', async () => {
    llm.reset();
    llm.script({ text: 'Sure, I can help with that.' });
    const org = await createTestOrg(database.db);
    const sessions = new VoiceSessions({
      brain: new ModelBrain({
        model: new OpenAiModel({ baseUrl: llm.url, model: 'test-model', maxRetries: 0 }),
        tools: crmTools(),
      }),
      crmFor: () => new HttpCrmGateway({ baseUrl: crm.url, sleep: async () => {}, random: () => 0 }),
      timeZone: 'Asia/Kolkata',
    });
    const session = (await sessions.open(org.id, 'twilio', {
      greeting: 'Skyline Homes, how can I help?',
      caller: { direction: 'inbound', from: '+919812345678', to: '+14155550199' },
    })) as VoiceSession;
    await session.sendText('I want to book a visit');
    await session.end();
    const prompt = String(llm.requests[0]?.body.messages[0]?.content);
    assert.match(prompt, /This is a phone call to you from \+919812345678 \(the caller's number\)\./);
    assert.match(prompt, /You opened the call by saying: "Skyline Homes, how can I help\?"/);
    assert.doesNotMatch(prompt, /What you know about this call/, 'an inbound call has no context');

    // The old signature (a session id) still opens a call; nothing about the line reaches the brain then.
    llm.script({ text: 'Hello.' });
    const id = randomUUID();
    const old = (await sessions.open(org.id, 'browser', id)) as VoiceSession;
    assert.equal(old.id, id);
    await old.sendText('hello');
    await old.end();
    assert.doesNotMatch(String(llm.requests[1]?.body.messages[0]?.content), /phone call|opened the call/);
  });
});
