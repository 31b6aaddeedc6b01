import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SendMessageInput } from '../../../src/core/messages.ts';
import { TwilioSmsClient } from '../../../src/integrations/messaging/twilio-sms.ts';
import { createTwilioClient } from '../../../src/integrations/twilio/client.ts';
import { FakeTwilioRestServer } from '../../fakes/twilio-rest-server.ts';
import { databaseTargets } from '../../helpers/db.ts';
import { type Harness, openHarness } from './harness.ts';

const FROM = '+14155550100';

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
}
