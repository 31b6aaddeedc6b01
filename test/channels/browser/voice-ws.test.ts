/**
 * `/ws/voice` against the whole server (`buildRooman` on port 0) with Node's built-in WebSocket client: typed turns
 * over the socket, every kind of bad input, and one misbehaving call next to one that completes. The speech tests
 * (real festival audio at real-time pace) are in voice-speech.test.ts.
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
import { ApiKeyRepository, OrganisationRepository } from '../../../src/store/organisations.ts';
import { TranscriptRepository } from '../../../src/store/transcripts.ts';
import { RawWebSocket } from './raw-ws.ts';
import { VoiceClient } from './ws-client.ts';

let dataDir: string;
let rooman: Rooman;
let wsUrl: string;
let transcripts: TranscriptRepository;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rooman-voice-ws-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    ROOMAN_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ROOMAN_LOG_FORMAT: 'json',
    // Typed turns only here: no recognizer, eSpeak (WASM) still speaks the replies.
    ROOMAN_STT: 'none',
  });
  rooman = await buildRooman(config, { logger: silentLogger });
  await rooman.app.listen({ port: 0, host: '127.0.0.1' });
  wsUrl = `ws://127.0.0.1:${(rooman.app.server.address() as AddressInfo).port}/ws/voice`;
  transcripts = new TranscriptRepository(rooman.database.db);
});

after(async () => {
  await rooman.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function connect(url = wsUrl): Promise<{ client: VoiceClient; sessionId: string }> {
  const client = new VoiceClient(url);
  const ready = await client.event('ready');
  return { client, sessionId: String(ready.session_id) };
}

async function endedInDatabase(orgId: string, sessionId: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const row = await transcripts.findSession(orgId, sessionId);
    if (row?.ended_at) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`session ${sessionId} was never ended in the database`);
}

describe('/ws/voice typed turns', () => {
  it('a typed request creates a lead; the events arrive in order, with audio at 24 kHz', async () => {
    const { client, sessionId } = await connect();
    const ready = client.events('ready')[0]!;
    assert.equal(ready.sample_rate_in, 16000);
    assert.equal(ready.sample_rate_out, 24000);
    assert.equal(ready.speech_in, false);

    client.sendJson({
      type: 'text',
      text: 'Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram',
    });
    const metrics = await client.event('turn.metrics');
    assert.equal(metrics.source, 'text');
    assert.equal(metrics.speech_end_to_first_audio_ms, null);
    assert.equal(typeof metrics.brain_ms, 'number');
    assert.ok(Number(metrics.tts_first_chunk_ms) >= 0);
    const result = client.events('tool.result')[0];
    assert.ok(result, 'no tool ran');
    const leadId = (result.result as { lead_id?: string }).lead_id;
    assert.ok(leadId, `no lead id in ${JSON.stringify(result)}`);
    const lead = await rooman.crm.getLead(rooman.defaultOrg.id, leadId);
    assert.equal(lead?.name, 'Rohan Sharma');

    const order = client.events().map((e) => (e.type === 'state' ? `state:${e.state}` : e.type));
    const expected = [
      'ready',
      'state:listening',
      'user.final',
      'state:thinking',
      'tool.started',
      'tool.result',
      'agent.text',
      'state:speaking',
      'turn.metrics',
    ];
    const seen = order.filter((t) => expected.includes(t));
    assert.deepEqual(seen.slice(0, expected.length), expected);
    // Reply audio: binary frames after agent.text; about as long as eSpeak speaks the reply (≥ 1 s at 24 kHz).
    // (A cold first turn may take long enough for a spoken filler: its audio comes after the `filler` event.)
    const spokenAt = client.received.findIndex(
      (r) => r.json?.type === 'agent.text' || r.json?.type === 'filler',
    );
    const firstAudio = client.received.findIndex((r) => r.audio);
    assert.ok(firstAudio > spokenAt, 'audio came before anything was said');
    assert.ok(client.audioSamples() > 24_000, `only ${client.audioSamples()} samples of reply audio`);

    client.sendJson({ type: 'hangup' });
    const ended = await client.event('ended');
    assert.equal(ended.reason, 'hangup');
    assert.equal((await client.closedWith()).code, 1000);
    await endedInDatabase(rooman.defaultOrg.id, sessionId);
    const entries = await transcripts.entries(rooman.defaultOrg.id, sessionId);
    assert.deepEqual(
      entries.map((e) => e.role),
      ['user', 'tool', 'agent'],
    );
  });

  it('an API key in ?key= picks the organisation; an unknown key is refused before the upgrade', async () => {
    const org = await new OrganisationRepository(rooman.database.db).create({
      name: 'voice key org',
      slug: `voice-key-${Date.now()}`,
      timeZone: 'Asia/Kolkata',
    });
    const key = await new ApiKeyRepository(rooman.database.db).create(org.id, 'voice test');
    const { client, sessionId } = await connect(`${wsUrl}?key=${encodeURIComponent(key)}`);
    client.sendJson({ type: 'text', text: 'hello' });
    await client.event('agent.text');
    client.sendJson({ type: 'hangup' });
    await client.closedWith();
    await endedInDatabase(org.id, sessionId);
    assert.equal(await transcripts.findSession(rooman.defaultOrg.id, sessionId), undefined);

    const refused = new VoiceClient(`${wsUrl}?key=not-a-key`);
    const closed = await refused.closedWith();
    assert.equal(closed.code, 1006, 'the upgrade should have been refused with an HTTP error');
    assert.equal(refused.events().length, 0);
  });
});

describe('/ws/voice from another website', () => {
  it('a keyless call from another origin is refused; with a key it is taken; same origin needs none', async () => {
    const port = (rooman.app.server.address() as AddressInfo).port;
    await assert.rejects(
      RawWebSocket.open(port, '/ws/voice', { Origin: 'https://evil.example' }),
      /401[\s\S]*another website needs an API key/,
    );
    const org = await new OrganisationRepository(rooman.database.db).create({
      name: 'widget org',
      slug: `widget-${Date.now()}`,
      timeZone: 'Asia/Kolkata',
    });
    const key = await new ApiKeyRepository(rooman.database.db).create(org.id, 'widget');
    const keyed = await RawWebSocket.open(port, `/ws/voice?key=${key}`, { Origin: 'https://shop.example' });
    const ready = JSON.parse((await keyed.readUntil(1)).payload.toString());
    assert.equal(ready.type, 'ready');
    keyed.socket.destroy();
    const same = await RawWebSocket.open(port, '/ws/voice', { Origin: `http://127.0.0.1:${port}` });
    assert.equal(JSON.parse((await same.readUntil(1)).payload.toString()).type, 'ready');
    same.socket.destroy();
  });
});

describe('/ws/voice playback reports', () => {
  it('`played` tells the session what the caller heard: an interrupted reply is cut where the client said', async () => {
    const { client, sessionId } = await connect();
    client.sendJson({ type: 'text', text: 'Add a new lead: Rohan Sharma from Pune, phone 9876543210' });
    await client.until(() => client.audioSamples() > 0, 'reply audio');
    // Well over a second of wall clock passes, but the client says only 400 ms reached the speaker.
    client.sendJson({ type: 'played', ms: 200 });
    client.sendJson({ type: 'played', ms: 400 });
    await new Promise((r) => setTimeout(r, 1200));
    client.sendJson({ type: 'text', text: 'hello' });
    const interrupted = await client.event('agent.interrupted');
    assert.equal(interrupted.played_ms, 400);
    assert.ok(Number(interrupted.total_ms) > 1000, `the reply was only ${interrupted.total_ms} ms`);
    client.sendJson({ type: 'hangup' });
    await client.closedWith();
    await endedInDatabase(rooman.defaultOrg.id, sessionId);
    const agent = (await transcripts.entries(rooman.defaultOrg.id, sessionId)).find(
      (e) => e.role === 'agent',
    )!;
    assert.equal(agent.interrupted, true);
    assert.equal(agent.played_text, interrupted.played_text);
  });
});

describe('/ws/voice bad input ends only that call', () => {
  it('odd-length and garbage binary frames are accepted as audio; the call goes on', async () => {
    const { client } = await connect();
    client.ws.send(new Uint8Array([1, 2, 3]));
    client.ws.send(new Uint8Array(641).map((_, i) => (i * 37) & 0xff));
    client.sendJson({ type: 'text', text: 'hello' });
    await client.event('agent.text');
    assert.deepEqual(client.events('error'), []);
    client.sendJson({ type: 'hangup' });
    await client.closedWith();
  });

  it('malformed JSON and unknown types get an error event and the call goes on', async () => {
    const { client } = await connect();
    client.ws.send('{not json');
    client.sendJson({ type: 'dance' });
    client.sendJson({ type: 'text', text: 42 });
    client.sendJson({ type: 'played', ms: -5 });
    client.sendJson([1, 2]);
    const errors = await client.until(
      () => client.events('error').length >= 5 && client.events('error'),
      '5 errors',
    );
    assert.deepEqual(
      errors.map((e) => (e.error as { type: string }).type),
      ['PARSING_ERROR', 'VALIDATION_ERROR', 'VALIDATION_ERROR', 'VALIDATION_ERROR', 'VALIDATION_ERROR'],
    );
    assert.match((errors[1]!.error as { details: string }).details, /Unknown message type "dance"/);
    client.sendJson({ type: 'text', text: 'hello' });
    await client.event('agent.text');
    assert.equal(client.closed, null);
    client.sendJson({ type: 'hangup' });
    await client.closedWith();
  });

  it('repeated abuse closes the call with 1008; its transcript is kept', async () => {
    const { client, sessionId } = await connect();
    client.sendJson({ type: 'text', text: 'hello' });
    await client.event('agent.text');
    for (let i = 0; i < 25; i++) client.ws.send('garbage');
    const closed = await client.closedWith();
    assert.equal(closed.code, 1008);
    assert.deepEqual(client.events('error').slice(20), []);
    assert.equal(client.events('error').length, 20);
    await endedInDatabase(rooman.defaultOrg.id, sessionId);
    const entries = await transcripts.entries(rooman.defaultOrg.id, sessionId);
    assert.deepEqual(
      entries.map((e) => e.role),
      ['user', 'agent'],
    );
  });

  it('a text frame that is not UTF-8 closes the call with 1007; its transcript is kept', async () => {
    const port = (rooman.app.server.address() as AddressInfo).port;
    const raw = await RawWebSocket.open(port, '/ws/voice');
    const ready = JSON.parse((await raw.readUntil(1)).payload.toString());
    raw.sendText(JSON.stringify({ type: 'text', text: 'hello' }));
    await new Promise((r) => setTimeout(r, 300));
    raw.sendText(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    const close = await raw.readUntil(8);
    assert.equal(close.payload.readUInt16BE(0), 1007);
    raw.socket.destroy();
    await endedInDatabase(rooman.defaultOrg.id, ready.session_id);
    const roles = (await transcripts.entries(rooman.defaultOrg.id, ready.session_id)).map((e) => e.role);
    assert.deepEqual(roles, ['user', 'agent']);
  });

  it('an absurdly large audio frame gets an error and closes with 1009', async () => {
    const { client, sessionId } = await connect();
    client.ws.send(new Uint8Array(200_000));
    const error = await client.event('error');
    assert.equal((error.error as { type: string }).type, 'PAYLOAD_TOO_LARGE');
    assert.equal((await client.closedWith()).code, 1009);
    await endedInDatabase(rooman.defaultOrg.id, sessionId);
  });

  it('audio sent far faster than real time is refused with 1008', async () => {
    const { client } = await connect();
    // 20 s of silence in 100 ms: no caller speaks that fast, and the recognizer's CPU is shared.
    for (let i = 0; i < 40; i++) client.ws.send(new Uint8Array(16_000));
    const error = await client.event('error');
    assert.equal((error.error as { type: string }).type, 'RATE_LIMITED');
    assert.equal((await client.closedWith()).code, 1008);
  });

  it('a client that vanishes mid-call ends its session; the transcript is kept', async () => {
    const { client, sessionId } = await connect();
    client.sendJson({ type: 'text', text: 'Add a new lead: Meera Nair from Pune, phone 9822012345' });
    await client.event('agent.text');
    client.ws.close();
    await endedInDatabase(rooman.defaultOrg.id, sessionId);
    const entries = await transcripts.entries(rooman.defaultOrg.id, sessionId);
    assert.ok(entries.some((e) => e.role === 'user' && /Meera Nair/.test(e.text)));
    assert.ok(entries.some((e) => e.role === 'agent'));
  });

  it('a caller who hangs up while the call is being set up still gets a settled session', async () => {
    const org = await new OrganisationRepository(rooman.database.db).create({
      name: 'impatient',
      slug: `impatient-${Date.now()}`,
      timeZone: 'Asia/Kolkata',
    });
    const key = await new ApiKeyRepository(rooman.database.db).create(org.id, 'impatient');
    const ws = new WebSocket(`${wsUrl}?key=${key}`);
    ws.addEventListener('open', () => ws.close());
    await new Promise((resolve) => ws.addEventListener('close', resolve));
    for (let i = 0; i < 100; i++) {
      const page = await transcripts.list(org.id, { limit: 5, offset: 0 });
      if (page.total === 1 && page.items[0]!.endedAt) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail('the call of a caller who left during set-up was never ended');
  });

  it('two calls at once: one misbehaves and is closed, the other completes its turns', async () => {
    const good = await connect();
    const bad = await connect();
    good.client.sendJson({ type: 'text', text: 'Add a new lead: Kavya Rao from Mysore, phone 9845098450' });
    for (let i = 0; i < 30; i++) bad.client.ws.send('{');
    bad.client.ws.send(new Uint8Array(300_000));
    await bad.client.closedWith();
    await good.client.event('turn.metrics');
    good.client.sendJson({ type: 'text', text: 'hello' });
    await good.client.until(() => good.client.events('turn.metrics').length >= 2, 'the second turn');
    assert.equal(good.client.closed, null);
    assert.equal(good.client.events('error').length, 0);
    const result = good.client.events('tool.result')[0]!;
    const lead = await rooman.crm.getLead(
      rooman.defaultOrg.id,
      (result.result as { lead_id: string }).lead_id,
    );
    assert.equal(lead?.name, 'Kavya Rao');
    good.client.sendJson({ type: 'hangup' });
    await good.client.closedWith();
  });
});
