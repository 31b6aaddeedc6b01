/**
 * A browser call through `/ws/voice` with ROOMAN_BRAIN=gemini-live: the whole server (`buildRooman`) talking to the
 * fake Gemini Live server through the real SDK. Caller audio in at 16 kHz, the model's audio out at 24 kHz, the
 * lead written by the model's tool call, barge-in as `clear`, and the transcript in the database.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/core/config.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { buildRooman, type Rooman } from '../../../src/server.ts';
import { TranscriptRepository } from '../../../src/store/transcripts.ts';
import { VoiceClient } from '../../channels/browser/ws-client.ts';
import { FakeGeminiLive, loadLiveScenario } from '../../fakes/gemini-live-server.ts';
import { callerAudio } from './recorder.ts';

let dataDir: string;
let rooman: Rooman;
let fake: FakeGeminiLive;
let wsUrl: string;

before(async () => {
  fake = await FakeGeminiLive.start({ scenario: await loadLiveScenario('browser-call') });
  dataDir = await mkdtemp(join(tmpdir(), 'rooman-gemini-live-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    ROOMAN_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ROOMAN_LOG_FORMAT: 'json',
    ROOMAN_CSV_LOGS: 'off',
    ROOMAN_STT: 'none',
    ROOMAN_BRAIN: 'gemini-live',
    GEMINI_API_KEY: 'TEST_KEY',
    GEMINI_BASE_URL: fake.baseUrl,
    GEMINI_VOICE: 'Puck',
    // The first call takes four model calls (its start and three caller turns): the next one is over the budget.
    ROOMAN_MODEL_CALLS_PER_MINUTE: '4',
  });
  rooman = await buildRooman(config, { logger: silentLogger });
  await rooman.app.listen({ port: 0, host: '127.0.0.1' });
  wsUrl = `ws://127.0.0.1:${(rooman.app.server.address() as AddressInfo).port}/ws/voice`;
});

after(async () => {
  await rooman.close();
  await fake.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Sends `ms` of caller audio as 20 ms binary frames, as the page's capture worklet does. */
function speak(client: VoiceClient, ms: number): void {
  for (let t = 0; t < ms; t += 20) client.ws.send(callerAudio(20));
}

describe('/ws/voice on Gemini Live', () => {
  it('a spoken request becomes a lead through the model; barge-in clears; the transcript is stored', async () => {
    const client = new VoiceClient(wsUrl);
    const ready = await client.event('ready');
    assert.equal(ready.speech_in, true);
    assert.equal(ready.sample_rate_out, 24000);
    const sessionId = String(ready.session_id);

    speak(client, 300);
    const final = await client.event('user.final');
    assert.equal(
      final.text,
      'Add a lead: Rohan Sharma from Gurgaon, nine eight seven six five four three two one zero.',
    );
    const result = await client.event('tool.result');
    const leadId = (result.result as { lead_id: string }).lead_id;
    assert.equal((await rooman.crm.getLead(rooman.defaultOrg.id, leadId))?.phone, '9876543210');
    await client.event('agent.text', (e) => e.text === 'Rohan is saved.');
    // The model's 24 kHz audio reaches the browser as it is (no resampling at equal rates).
    await client.until(() => client.audioSamples() >= 24_000 * 0.32, 'the reply audio');

    client.sendJson({ type: 'text', text: 'Tell me about Gurgaon' });
    await client.event('state', (e) => e.state === 'speaking');
    speak(client, 400);
    const clear = await client.event('clear');
    const interrupted = await client.event('agent.interrupted');
    assert.equal(clear.turn, interrupted.turn);
    assert.ok(String(interrupted.played_text).length < String(interrupted.text).length);

    client.sendJson({ type: 'hangup' });
    assert.equal((await client.closedWith()).code, 1000);
    const transcripts = new TranscriptRepository(rooman.database.db);
    let entries = await transcripts.entries(rooman.defaultOrg.id, sessionId);
    for (
      let i = 0;
      i < 50 && !(await transcripts.findSession(rooman.defaultOrg.id, sessionId))?.ended_at;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
      entries = await transcripts.entries(rooman.defaultOrg.id, sessionId);
    }
    assert.deepEqual(
      entries.map((e) => `${e.role}${e.interrupted ? '(interrupted)' : ''}`),
      // The caller's "Stop, thanks." is a turn of its own, after the reply it cut.
      ['user', 'agent', 'tool', 'agent', 'user', 'agent(interrupted)', 'user'],
    );
    assert.equal(fake.connections[0]!.key, 'TEST_KEY');
    const voice = fake.connections[0]!.setup!.generationConfig as {
      speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: string } } };
    };
    assert.equal(voice.speechConfig.voiceConfig.prebuiltVoiceConfig.voiceName, 'Puck');
    assert.deepEqual(fake.problems, []);
  });

  it("a call over the organisation's model budget hears an apology, then the line closes", async () => {
    const client = new VoiceClient(wsUrl);
    await client.event('ready');
    const apology = await client.event('agent.text');
    assert.match(String(apology.text), /too many calls/);
    assert.equal((await client.event('ended')).reason, 'rate-limited');
    assert.equal((await client.closedWith()).code, 1000);
    assert.equal(fake.connections.length, 1, 'no model session was opened for it');
  });
});
