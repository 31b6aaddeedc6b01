import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/core/config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { buildRooman, type Rooman } from '../../src/server.ts';
import { openDatabase } from '../../src/store/database.ts';
import { FakeTwilioRestServer } from '../fakes/twilio-rest-server.ts';
import { pgliteTemplate } from '../helpers/db.ts';
import { freePort } from './harness.ts';

/** The whole server (buildRooman): outbound calls meet the inbound voice webhook, and the dialler job runs. */
describe('outbound calls in the assembled server', () => {
  let dataDir: string;
  let fake: FakeTwilioRestServer;
  let rooman: Rooman;
  let base: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rooman-outbound-'));
    // The data dir starts from the migrated template instead of a seconds-long initdb.
    await (await openDatabase({ dataDir, pgliteTemplate: await pgliteTemplate() })).close();
    fake = await FakeTwilioRestServer.start();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      ROOMAN_DATA_DIR: dataDir,
      ROOMAN_CSV_LOGS: 'off',
      ROOMAN_STT: 'none',
      ROOMAN_TTS: 'none',
      ROOMAN_TZ: 'America/New_York',
      ROOMAN_PUBLIC_URL: base,
      TWILIO_ACCOUNT_SID: fake.accountSid,
      TWILIO_AUTH_TOKEN: fake.authToken,
      TWILIO_PHONE_NUMBER: '+14155550100',
      TWILIO_API_BASE_URL: fake.url,
    });
    rooman = await buildRooman(config, { logger: silentLogger });
    await rooman.app.listen({ port, host: '127.0.0.1' });
  });
  after(async () => {
    await rooman.close();
    await fake.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  test('Twilio fetches the voice webhook of the placed call and is told to stream it to the agent', async () => {
    fake.script('+14155550901', { outcome: 'answered' });
    const res = await api('POST', '/api/calls', { to: '+14155550901', context: { lead: 'Asha' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const sent = fake.calls.get(res.body.call_sid);
    assert.ok(sent);
    await fake.waitFor(() => sent.twiml.length > 0 || sent.errors.length > 0, 'the voice webhook');
    assert.deepEqual(sent.errors, []);
    assert.match(sent.twiml[0] ?? '', /<Connect><Stream url="ws:\/\/127\.0\.0\.1:\d+\/twilio\/media">/);
    assert.ok(sent.twiml[0]?.includes(`value="${res.body.id}"`), 'the stream names our call');
    assert.equal(sent.status, 'in-progress');
    await fake.settled();
    const call = (await api('GET', `/api/calls/${res.body.id}`)).body;
    assert.equal(call.status, 'in-progress');
    assert.equal((await api('POST', `/api/calls/${res.body.id}/hangup`)).status, 200);
    assert.equal(sent.status, 'completed');
  });

  test('the dialler job places a scheduled call when it is due', async () => {
    fake.script('+14155550902', { outcome: 'completed', talkMs: 5 });
    const at = new Date(Date.now() + 500).toISOString();
    const res = await api('POST', '/api/calls', { to: '+14155550902', at });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await fake.waitFor(() => fake.callsTo('+14155550902').length === 1, 'the scheduled call', 10_000);
    const placed = fake.callsTo('+14155550902')[0];
    assert.ok(placed && placed.createdAt.getTime() >= new Date(at).getTime() - 5);
  });
});
