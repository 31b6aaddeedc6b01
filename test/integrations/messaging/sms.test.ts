import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '../../../src/core/logger.ts';
import { SendMessageInput } from '../../../src/core/messages.ts';
import { createHttpApp } from '../../../src/http/app.ts';
import { registerSmsStatusRoute } from '../../../src/http/routes/twilio-sms-status.ts';
import { SMS_STATUS_PATH, TwilioSmsClient } from '../../../src/integrations/messaging/twilio-sms.ts';
import { createTwilioClient } from '../../../src/integrations/twilio/client.ts';
import { FakeTwilioRestServer, twilioSignature } from '../../fakes/twilio-rest-server.ts';
import { databaseTargets } from '../../helpers/db.ts';
import { type Harness, openHarness } from './harness.ts';

const FROM = '+14155550100';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

for (const target of databaseTargets()) {
  describe(`SMS by Twilio (${target.name})`, () => {
    let twilio: FakeTwilioRestServer;
    let h: Harness;

    before(async () => {
      twilio = await FakeTwilioRestServer.start();
      const client = createTwilioClient({
        accountSid: twilio.accountSid,
        authToken: twilio.authToken,
        apiBaseUrl: twilio.url,
      });
      h = await openHarness(target, { sms: new TwilioSmsClient({ client, from: FROM }) });
    });
    after(async () => {
      await h.close();
      await twilio.close();
    });

    it('creates a Twilio message from the configured number and keeps its SID', async () => {
      const sent = await h.send({
        channel: 'sms',
        to: '98765 43210',
        body: 'Your visit is at 3 PM tomorrow',
      });
      assert.equal(sent.status, 'SENT');
      const messages = [...twilio.messages.values()];
      assert.deepEqual(
        messages.map((m) => [m.to, m.from, m.body]),
        [['+919876543210', FROM, 'Your visit is at 3 PM tomorrow']],
      );
      const row = await h.row(sent.message_id);
      assert.equal(row.provider, 'twilio');
      assert.equal(row.provider_message_id, messages[0]!.sid);
    });

    it('a Twilio 503 is retried; the SMS is created once', async () => {
      twilio.script(
        '+919123456789',
        { error: { status: 503, code: 20503, message: 'Service Unavailable' } },
        { outcome: 'completed' },
      );
      const sent = await h.send({ channel: 'sms', to: '+91 91234 56789', body: 'retry sms' });
      assert.equal(sent.status, 'QUEUED');
      assert.match((await h.row(sent.message_id)).last_error ?? '', /Service Unavailable/);
      h.clock.advance(60_000);
      await h.sender.dispatcher.runOnce();
      assert.equal((await h.row(sent.message_id)).status, 'SENT');
      assert.equal([...twilio.messages.values()].filter((m) => m.body === 'retry sms').length, 1);
    });

    it('Twilio refusing the number (21211) fails it at once with Twilio’s words', async () => {
      twilio.script('+14155550199', {
        error: { status: 400, code: 21211, message: "Invalid 'To' Phone Number: +14155550199" },
      });
      const sent = await h.send({ channel: 'sms', to: '+14155550199', body: 'x' });
      assert.equal(sent.status, 'FAILED');
      assert.match((await h.row(sent.message_id)).last_error ?? '', /Twilio error 21211/);
    });

    it('a body longer than an SMS can carry is refused before anything is queued', async () => {
      const input = SendMessageInput.parse({ channel: 'sms', to: '+919876543210', body: 'x'.repeat(1700) });
      await assert.rejects(
        h.sender.send(h.orgId, input),
        (e: Error & { field?: string }) => e.field === 'body',
      );
    });
  });
  describe(`SMS delivery reports from Twilio (${target.name})`, () => {
    let twilio: FakeTwilioRestServer;
    let h: Harness;
    let app: FastifyInstance;
    let base: string;

    before(async () => {
      twilio = await FakeTwilioRestServer.start();
      // The public URL must be known before the client is built, and routes added before the server listens.
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      app = createHttpApp({ logger: silentLogger, bodyLimit: 1_048_576 });
      const client = createTwilioClient({
        accountSid: twilio.accountSid,
        authToken: twilio.authToken,
        apiBaseUrl: twilio.url,
      });
      h = await openHarness(target, {
        sms: new TwilioSmsClient({ client, from: FROM, statusCallbackUrl: `${base}${SMS_STATUS_PATH}` }),
      });
      registerSmsStatusRoute(app, {
        db: h.database.db,
        logger: silentLogger,
        authToken: twilio.authToken,
        publicUrl: base,
        clock: h.clock,
      });
      await app.listen({ port, host: '127.0.0.1' });
    });
    after(async () => {
      await app.close();
      await h.close();
      await twilio.close();
    });

    const until = async (check: () => Promise<boolean>) => {
      const deadline = Date.now() + 5000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    it('an SMS Twilio reports undelivered becomes FAILED with the error; a delivered one stays SENT', async () => {
      twilio.script('+919123400001', { outcome: 'failed' });
      const lost = await h.send({ channel: 'sms', to: '+919123400001', body: 'will not arrive' });
      const fine = await h.send({ channel: 'sms', to: '+919123400002', body: 'will arrive' });
      assert.equal(lost.status, 'SENT');
      await until(async () => (await h.row(lost.message_id)).status === 'FAILED');
      const row = await h.row(lost.message_id);
      assert.equal(
        row.last_error,
        'Twilio reported the SMS undelivered (error 30003: unreachable destination handset)',
      );
      const delivered = [...twilio.messages.values()].find((m) => m.body === 'will arrive')!;
      await until(async () => delivered.callbacks.length === 2);
      assert.deepEqual(
        delivered.callbacks.map((c) => c.status),
        [204, 204],
      );
      assert.equal((await h.row(fine.message_id)).status, 'SENT');
    });

    it('a report without a valid signature is refused and changes nothing', async () => {
      const sent = await h.send({ channel: 'sms', to: '+919123400003', body: 'keep me' });
      const url = `${base}${SMS_STATUS_PATH}?message=${sent.message_id}`;
      const form = { MessageSid: 'SMforged', MessageStatus: 'undelivered', ErrorCode: '30003' };
      const forged = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilioSignature('not-the-token', url, form),
        },
        body: new URLSearchParams(form).toString(),
      });
      assert.equal(forged.status, 403);
      assert.equal((await h.row(sent.message_id)).status, 'SENT');
      const signed = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilioSignature(twilio.authToken, url, form),
        },
        body: new URLSearchParams(form).toString(),
      });
      assert.equal(signed.status, 204);
      assert.equal((await h.row(sent.message_id)).status, 'FAILED');
    });
  });
}
