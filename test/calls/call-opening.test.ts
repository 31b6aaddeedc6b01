/**
 * How an outbound call opens, end to end: POST /api/calls {to, agent, context} → Twilio (the REST fake) fetches the
 * voice webhook → the media stream (the fake Twilio client) → a VoiceSession on a model brain (the OpenAI-compatible
 * fake) with a synthesizer. The agent says its greeting first, in its own voice (no TwiML <Say>), and the call's
 * context and numbers reach the model's system prompt.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { ModelBrain } from '../../src/brains/model/model-brain.ts';
import { OpenAiModel } from '../../src/brains/openai/openai-model.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { registerTwilio } from '../../src/http/routes/twilio.ts';
import { HttpCrmGateway } from '../../src/integrations/crm/http-crm-gateway.ts';
import { VoiceSessions } from '../../src/session/voice-sessions.ts';
import { createEspeakWasmSynthesizer } from '../../src/speech/espeak-wasm-tts.ts';
import type { Database } from '../../src/store/database.ts';
import { TranscriptRepository, transcriptSink } from '../../src/store/transcripts.ts';
import { crmTools } from '../../src/tools/crm-tools.ts';
import { FakeCrmServer } from '../fakes/crm-server.ts';
import { FakeOpenAiServer } from '../fakes/openai-server.ts';
import { TwilioMediaClient } from '../fakes/twilio-media-client.ts';
import { databaseTargets } from '../helpers/db.ts';
import { FROM, type Harness, startHarness } from './harness.ts';

const GREETING = 'Hello, this is Rooman from Skyline Homes.';

const rmsOf = (pcm: Int16Array): number => {
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return Math.sqrt(sum / Math.max(1, pcm.length));
};

describe('the opening of an outbound call', () => {
  let database: Database;
  let h: Harness;
  let llm: FakeOpenAiServer;
  let crm: FakeCrmServer;

  before(async () => {
    database = await (databaseTargets()[0] as { open(): Promise<Database> }).open();
    llm = await FakeOpenAiServer.start();
    crm = await FakeCrmServer.start();
    const transcripts = new TranscriptRepository(database.db);
    const sessions = new VoiceSessions({
      brain: new ModelBrain({
        model: new OpenAiModel({ baseUrl: llm.url, model: 'test-model', maxRetries: 0 }),
        tools: crmTools(),
      }),
      crmFor: () => new HttpCrmGateway({ baseUrl: crm.url, sleep: async () => {}, random: () => 0 }),
      timeZone: 'Asia/Kolkata',
      synthesizer: await createEspeakWasmSynthesizer(),
      transcriptFor: (orgId, sessionId) => transcriptSink(transcripts, orgId, sessionId),
    });
    h = await startHarness({
      database,
      beforeListen: async (app, { calling, fake, url, org }) => {
        await registerTwilio(app, {
          db: database.db,
          logger: silentLogger,
          twilio: {
            accountSid: fake.accountSid,
            authToken: fake.authToken,
            phoneNumber: FROM,
            apiBaseUrl: fake.url,
          },
          publicUrl: url,
          defaultOrgId: org.id,
          // As the server wires it when calls have a voice: no `answer` hook, the session greets.
          openSession: async (orgId, sessionId, call) =>
            sessions.open(orgId, 'twilio', { sessionId, ...(await calling.opening(call)) }),
        });
      },
    });
  });
  after(async () => {
    await h.close();
    await llm.close();
    await crm.close();
    await database.close();
  });

  test('the agent greets in its own voice first; the context and numbers reach the model', async () => {
    await h.api('PUT', '/api/agents/greeter', { greeting: GREETING });
    h.fake.script('+14155550961', { outcome: 'answered' });
    const context = { lead_name: 'Asha Verma', purpose: 'confirm the site visit on Saturday' };
    const res = await h.api('POST', '/api/calls', { to: '+14155550961', agent: 'greeter', context });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const sent = h.fake.calls.get(res.body.call_sid);
    assert.ok(sent);
    await h.fake.waitFor(() => sent.twiml.length > 0 || sent.errors.length > 0, 'the voice webhook');
    assert.deepEqual(sent.errors, []);
    const twiml = sent.twiml[0] ?? '';
    assert.doesNotMatch(twiml, /<Say>/, 'the greeting is not left to Twilio');
    const parameters: Record<string, string> = {};
    for (const m of twiml.matchAll(/<Parameter name="([^"]+)" value="([^"]*)"\/>/g))
      parameters[m[1]!] = m[2]!;
    assert.equal(parameters.call_id, res.body.id);

    const ws = `${h.url.replace(/^http/, 'ws')}/twilio/media`;
    const client = new TwilioMediaClient({
      url: ws,
      signedUrl: ws,
      authToken: h.fake.authToken,
      accountSid: h.fake.accountSid,
      callSid: res.body.call_sid,
      parameters,
    });
    await client.connect();
    client.begin();
    try {
      // The caller has said nothing (the line carries silence): the greeting is heard all the same.
      await client.until(() => client.receivedAudioMs() >= 1500, 'the greeting audio');
      assert.ok(rmsOf(client.receivedPcm()) > 300, 'the greeting audio is not silence');
      assert.equal(llm.requests.length, 0, 'the model was not asked anything for the greeting');

      llm.script({ text: 'Great, Asha. Is Saturday at eleven still good for the visit?' });
      client.dtmf('1');
      client.dtmf('#');
      await client.until(() => llm.requests.length > 0, 'the model to be asked');
      const system = llm.requests[0]!.body.messages[0]!;
      assert.equal(system.role, 'system');
      const prompt = String(system.content);
      assert.match(prompt, /lead_name: Asha Verma/);
      assert.match(prompt, /purpose: confirm the site visit on Saturday/);
      assert.match(prompt, /you placed to \+14155550961 from \+14155550100/);
      assert.ok(prompt.includes(`You opened the call by saying: "${GREETING}"`), prompt);

      const rows = async () =>
        (
          await sql<{ role: string; text: string; turn: number }>`
            select e.role, e.text, e.turn from calls c join transcript_entries e on e.session_id = c.session_id
            where c.id = ${res.body.id} order by e.seq`.execute(database.db)
        ).rows;
      for (const deadline = Date.now() + 10_000; (await rows()).length < 3 && Date.now() < deadline; )
        await new Promise((r) => setTimeout(r, 50));
      const entries = await rows();
      assert.deepEqual(
        entries.slice(0, 3).map((e) => [e.role, e.text, e.turn]),
        [
          ['agent', GREETING, 0],
          ['user', '1', 1],
          ['agent', 'Great, Asha. Is Saturday at eleven still good for the visit?', 1],
        ],
      );
      assert.deepEqual(client.problems, []);
    } finally {
      client.stop();
      await client.closedWith();
      await h.api('POST', `/api/calls/${res.body.id}/hangup`);
    }
  });
});
