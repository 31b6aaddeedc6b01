/**
 * The agent speaks first on the phone, in the whole server (buildRooman), through the signed webhook and the media
 * stream of the fake Twilio client:
 * - cascade calls (the built-in eSpeak voice): an inbound call to a number whose agent has a greeting is streamed
 *   straight to the agent (no TwiML <Say>) and the session says the greeting before the caller says anything;
 * - Gemini Live calls (the fake Gemini Live server): the model is asked to open with the greeting right after setup,
 *   its 24 kHz audio reaches the caller as µ-law media while the caller's µ-law reaches the model, and the setup's
 *   system instruction carries the outbound call's context and both numbers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { AgentRepository } from '../../../src/calls/agents.ts';
import { CallRepository } from '../../../src/store/calls.ts';
import type { Database } from '../../../src/store/database.ts';
import { FakeGeminiLive, type LiveScenario } from '../../fakes/gemini-live-server.ts';
import { sid } from '../../fakes/twilio-media-client.ts';
import { VoiceClient } from '../browser/ws-client.ts';
import { ACCOUNT_SID, type PhoneServer, startPhoneServer } from './harness.ts';

const GREETING = 'Hello, this is Rooman from Skyline Homes.';

const rmsOf = (pcm: Int16Array): number => {
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return Math.sqrt(sum / Math.max(1, pcm.length));
};

async function transcriptOf(database: Database, callId: string) {
  const { rows } = await sql<{ role: string; text: string }>`
    select e.role, e.text from calls c join transcript_entries e on e.session_id = c.session_id
    where c.id = ${callId} order by e.seq`.execute(database.db);
  return rows;
}

async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('cascade calls: the greeting in the agent’s own voice (browser and phone)', () => {
  let server: PhoneServer;
  before(async () => {
    server = await startPhoneServer();
  });
  after(() => server.close());

  test('the organisation’s default agent greets a browser caller too, after `ready`', async () => {
    const client = new VoiceClient(`${server.base.replace(/^http/, 'ws')}/ws/voice`);
    // No agent with a greeting yet: the call opens silent.
    const ready = await client.event('ready');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(client.events('agent.text'), []);
    client.ws.close();
    await client.closedWith();

    await new AgentRepository(server.rooman.database.db).put(server.rooman.defaultOrg.id, 'front-desk', {
      greeting: GREETING,
      voicemail: 'none',
      default: true,
    });
    const greeted = new VoiceClient(`${server.base.replace(/^http/, 'ws')}/ws/voice`);
    const second = await greeted.event('ready');
    assert.notEqual(second.session_id, ready.session_id);
    const text = await greeted.event('agent.text');
    assert.deepEqual([text.turn, text.text], [0, GREETING]);
    await greeted.until(() => greeted.audioSamples() > 0, 'the greeting audio');
    const types = greeted.events().map((m) => m.type);
    assert.ok(types.indexOf('ready') < types.indexOf('agent.text'));
    greeted.ws.close();
    await greeted.closedWith();
  });

  test('an inbound caller hears the greeting before saying anything; the transcript starts with it', async () => {
    const orgId = server.rooman.defaultOrg.id;
    // The number has no route (agent `default`): the organisation's default agent answers, whatever its name.
    await new AgentRepository(server.rooman.database.db).put(orgId, 'reception', {
      greeting: GREETING,
      voicemail: 'none',
      default: true,
    });
    const { callSid, twiml, parameters } = await server.answer();
    assert.doesNotMatch(twiml, /<Say>/, 'with a voice, the greeting is not left to Twilio');
    const client = server.stream(parameters, { callSid });
    await client.connect();
    client.begin();
    try {
      await client.until(() => client.receivedAudioMs() >= 1500, 'the greeting audio');
      assert.ok(rmsOf(client.receivedPcm()) > 300, 'the greeting is not silence');
      const entries = await waitFor(async () => {
        const rows = await transcriptOf(server.rooman.database, parameters.call_id!);
        return rows.length > 0 ? rows : undefined;
      }, 'the transcript');
      assert.deepEqual(entries[0], { role: 'agent', text: GREETING });
      assert.deepEqual(client.problems, []);
    } finally {
      client.stop();
      await client.closedWith();
    }
  });
});

describe('Gemini Live calls over the Twilio bridge', () => {
  const scenario: LiveScenario = {
    description: 'the model greets when asked, then answers the caller',
    connections: [
      [
        { waitText: true },
        { outputTranscription: GREETING },
        { audio: { ms: 600 } },
        { generationComplete: true },
        { turnComplete: true },
        { waitAudio: 600 },
        { inputTranscription: 'Yes, Saturday works.', finished: true },
        { outputTranscription: 'Lovely, see you on Saturday.' },
        { audio: { ms: 400 } },
        { turnComplete: true },
        { waitClose: true },
      ],
    ],
  };
  let fake: FakeGeminiLive;
  let server: PhoneServer;
  before(async () => {
    fake = await FakeGeminiLive.start({ scenario });
    server = await startPhoneServer({
      env: {
        ROOMAN_BRAIN: 'gemini-live',
        GEMINI_API_KEY: 'TEST_KEY',
        GEMINI_BASE_URL: fake.baseUrl,
        ROOMAN_STT: 'none',
      },
    });
  });
  after(async () => {
    await server.close();
    await fake.close();
  });

  test('µ-law in, the model’s greeting and answer out as µ-law; the context is in the setup', async () => {
    const orgId = server.rooman.defaultOrg.id;
    const db = server.rooman.database.db;
    await new AgentRepository(db).put(orgId, 'greeter', {
      greeting: GREETING,
      voicemail: 'none',
      default: false,
    });
    // The call POST /api/calls places (the REST side is tested in test/calls): Twilio then fetches its webhook.
    const call = await new CallRepository(db).create({
      orgId,
      direction: 'outbound',
      from: '+14155550199',
      to: '+919876543210',
      agent: 'greeter',
      context: { lead_name: 'Asha Verma', purpose: 'confirm the site visit on Saturday' },
      status: 'queued',
    });
    const callSid = sid('CA');
    const response = await server.post(`/twilio/voice?call=${call.id}`, {
      CallSid: callSid,
      AccountSid: ACCOUNT_SID,
      From: '+14155550199',
      To: '+919876543210',
      CallStatus: 'in-progress',
      Direction: 'outbound-api',
    });
    const twiml = await response.text();
    assert.equal(response.status, 200, twiml);
    assert.doesNotMatch(twiml, /<Say>/, 'the model says the greeting');
    const parameters: Record<string, string> = {};
    for (const m of twiml.matchAll(/<Parameter name="([^"]+)" value="([^"]*)"\/>/g))
      parameters[m[1]!] = m[2]!;

    const client = server.stream(parameters, { callSid });
    await client.connect();
    client.begin();
    try {
      // The greeting: asked for once, right after setup, and heard by a caller who has said nothing yet.
      await client.until(() => client.receivedAudioMs() >= 550, 'the greeting audio');
      const link = fake.connections[0]!;
      assert.equal(link.texts.length, 1);
      assert.ok(link.texts[0]!.includes(GREETING), link.texts[0]);
      const instruction = JSON.stringify(link.setup?.systemInstruction);
      assert.match(instruction, /lead_name: Asha Verma/);
      assert.match(instruction, /purpose: confirm the site visit on Saturday/);
      assert.match(instruction, /you placed to \+919876543210 from \+14155550199/);
      assert.ok(
        instruction.includes(`open the call with exactly these words: \\"${GREETING}\\"`),
        instruction,
      );

      // The caller's line (µ-law, resampled to 16 kHz PCM) reaches the model; its answer comes back as media.
      await client.until(() => client.receivedAudioMs() >= 950, 'the answer audio', 15_000);
      assert.ok(link.audioBytes >= 600 * 32, `the model heard ${link.audioBytes} bytes of the caller`);
      assert.ok(rmsOf(client.receivedPcm()) > 300, 'the model audio arrived as silence');
      const entries = await waitFor(async () => {
        const rows = await transcriptOf(server.rooman.database, call.id);
        return rows.length >= 3 ? rows : undefined;
      }, 'the transcript');
      assert.deepEqual(entries.slice(0, 3), [
        { role: 'agent', text: GREETING },
        { role: 'user', text: 'Yes, Saturday works.' },
        { role: 'agent', text: 'Lovely, see you on Saturday.' },
      ]);
      // The greeting is turn 0 as in the cascade, and no caller latency is measured for it.
      const { rows: turns } = await sql<{ turn: number; role: string }>`
        select e.turn, e.role from calls c join transcript_entries e on e.session_id = c.session_id
        where c.id = ${call.id} order by e.seq`.execute(db);
      assert.deepEqual(
        turns.slice(0, 3).map((t) => t.turn),
        [0, 1, 1],
      );
      const metrics = await waitFor(async () => {
        const { rows } = await sql<{ turn: number }>`
          select m.turn from calls c join turn_metrics m on m.session_id = c.session_id
          where c.id = ${call.id} order by m.turn`.execute(db);
        return rows.length > 0 ? rows : undefined;
      }, 'the turn metrics');
      assert.deepEqual(
        metrics.map((m) => m.turn),
        [1],
      );
      assert.deepEqual(client.problems, []);
      assert.deepEqual(fake.problems, []);
    } finally {
      client.stop();
      await client.closedWith();
    }
  });
});
