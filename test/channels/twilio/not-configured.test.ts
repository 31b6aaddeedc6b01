/**
 * Without a Twilio account (or a public URL) the phone routes exist but answer 503 and say what to set, the media
 * upgrade included; and the keypad collector's turn ends at `#` or after a pause, `*` starting again.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import twilio from 'twilio';
import { DtmfCollector } from '../../../src/channels/twilio/dtmf.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { createHttpApp } from '../../../src/http/app.ts';
import { registerTwilio } from '../../../src/http/routes/twilio.ts';
import { CallRepository } from '../../../src/store/calls.ts';
import { ensureDefaultOrganisation } from '../../../src/store/organisations.ts';
import { sid, TwilioMediaClient } from '../../fakes/twilio-media-client.ts';
import { databaseTargets } from '../../helpers/db.ts';
import { ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, upgradeStatus } from './harness.ts';

test('no Twilio account: 503 with the settings to make, on the webhooks and the media upgrade', async (t) => {
  const database = await databaseTargets()[0]!.open();
  t.after(() => database.close());
  const org = await ensureDefaultOrganisation(database.db, 'UTC');
  for (const [twilio, publicUrl] of [
    [undefined, 'https://rooman.test'],
    [{ accountSid: 'AC1', authToken: 't', phoneNumber: undefined, apiBaseUrl: undefined }, undefined],
  ] as const) {
    const app = createHttpApp({ logger: silentLogger, bodyLimit: 1024 * 1024 });
    await registerTwilio(app, {
      db: database.db,
      logger: silentLogger,
      twilio,
      publicUrl,
      defaultOrgId: org.id,
      openSession: () => Promise.reject(new Error('no call can start without an account')),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    for (const path of ['/twilio/voice', '/twilio/status']) {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'CallSid=CA1&AccountSid=AC1',
      });
      assert.equal(response.status, 503, path);
      const body = (await response.json()) as { error: { details: string } };
      assert.match(body.error.details, /TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and ROOMAN_PUBLIC_URL/);
    }
    assert.equal(await upgradeStatus(base, '/twilio/media', {}), 503);
    await app.close();
  }
});

test('a call whose session cannot start ends cleanly: stream closed 1008, the call ended with the reason', async (t) => {
  const database = await databaseTargets()[0]!.open();
  t.after(() => database.close());
  const org = await ensureDefaultOrganisation(database.db, 'UTC');
  const app = createHttpApp({ logger: silentLogger, bodyLimit: 1024 * 1024 });
  t.after(() => app.close());
  await registerTwilio(app, {
    db: database.db,
    logger: silentLogger,
    twilio: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, phoneNumber: undefined, apiBaseUrl: undefined },
    publicUrl: PUBLIC_URL,
    defaultOrgId: org.id,
    // What the server does when the speech engines fail to load for a call.
    openSession: () => Promise.reject(new Error('engines failed')),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const callSid = sid('CA');
  const form = {
    CallSid: callSid,
    AccountSid: ACCOUNT_SID,
    From: '+14155550100',
    To: '+14155550199',
    CallStatus: 'ringing',
  };
  const answer = await fetch(`http://127.0.0.1:${port}/twilio/voice`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}/twilio/voice`, form),
    },
    body: new URLSearchParams(form).toString(),
  });
  const twiml = await answer.text();
  const callId = /name="call_id" value="([^"]+)"/.exec(twiml)![1]!;
  const client = new TwilioMediaClient({
    url: `ws://127.0.0.1:${port}/twilio/media`,
    signedUrl: 'wss://rooman.test/twilio/media',
    authToken: AUTH_TOKEN,
    accountSid: ACCOUNT_SID,
    callSid,
    parameters: { call_id: callId, org_id: org.id, agent: 'default' },
  });
  await client.connect();
  client.begin();
  assert.equal((await client.closedWith()).code, 1008);
  const call = await new CallRepository(database.db).findById(org.id, callId);
  assert.ok(call?.endedAt, 'the call was not ended');
  assert.deepEqual(call.error, { code: 'session_failed', message: 'The call session could not start' });
});

test('keypad: digits until #, or until a pause; * starts the entry again', async () => {
  const turns: string[] = [];
  const keypad = new DtmfCollector({ onDigits: (d) => turns.push(d), pauseMs: 80 });
  for (const key of '98*12#') keypad.press(key);
  assert.deepEqual(turns, ['12']);
  for (const key of '345') keypad.press(key);
  assert.deepEqual(turns, ['12'], 'submitted before the pause');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(turns, ['12', '345']);
  keypad.press('#');
  assert.deepEqual(turns, ['12', '345'], 'an empty entry is no turn');
  keypad.stop();
});
