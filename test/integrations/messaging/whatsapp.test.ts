import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WhatsAppClient } from '../../../src/integrations/messaging/whatsapp.ts';
import { FakeWhatsAppApi } from '../../fakes/whatsapp-cloud-api.ts';
import { databaseTargets } from '../../helpers/db.ts';
import { type Harness, openHarness } from './harness.ts';

const TOKEN = 'EAAG-test-token';
const PHONE_NUMBER_ID = '106540352242922';

for (const target of databaseTargets()) {
  describe(`WhatsApp channel (${target.name})`, () => {
    let api: FakeWhatsAppApi;
    let h: Harness;

    before(async () => {
      api = await new FakeWhatsAppApi({ token: TOKEN, phoneNumberId: PHONE_NUMBER_ID }).start();
      h = await openHarness(target, {
        whatsapp: new WhatsAppClient({ token: TOKEN, phoneNumberId: PHONE_NUMBER_ID, apiBaseUrl: api.url }),
      });
    });
    after(async () => {
      await h.close();
      await api.close();
    });

    it('sends a text to the number (digits, no +) and keeps the wamid', async () => {
      const sent = await h.send({ channel: 'whatsapp', to: '98765 43210', body: "I'll be 10 minutes late" });
      assert.equal(sent.status, 'SENT');
      assert.deepEqual(
        api.sent.map((m) => [m.to, m.body]),
        [['919876543210', "I'll be 10 minutes late"]],
      );
      const request = api.requests.at(-1)!;
      assert.equal(request.path, `/v21.0/${PHONE_NUMBER_ID}/messages`);
      assert.equal(request.headers.authorization, `Bearer ${TOKEN}`);
      const row = await h.row(sent.message_id);
      assert.equal(row.provider_message_id, api.sent[0]!.id);
    });

    it('a reset connection and a timeout leave it queued; it goes out once when the API answers', async () => {
      api.fail({ kind: 'reset' }, { kind: 'hang' });
      const sent = await h.send({ channel: 'whatsapp', to: '+91 91234 56789', body: 'Site visit at 5' });
      assert.equal(sent.status, 'QUEUED');
      assert.match((await h.row(sent.message_id)).last_error ?? '', /could not reach/);
      for (let i = 0; i < 4; i++) {
        h.clock.advance(60_000);
        await h.sender.dispatcher.runOnce();
      }
      const row = await h.row(sent.message_id);
      assert.equal(row.status, 'SENT');
      assert.equal(row.attempts, 3);
      assert.equal(api.sent.filter((m) => m.body === 'Site visit at 5').length, 1);
    });

    it('a number that fails every attempt ends FAILED after the last one, with the reason', async () => {
      const busy = {
        kind: 'status' as const,
        status: 503,
        body: { error: { message: 'Service temporarily unavailable', code: 2 } },
      };
      api.fail(busy, busy, busy, busy);
      const sent = await h.send({ channel: 'whatsapp', to: '+14155550123', body: 'never arrives' });
      for (let i = 0; i < 5; i++) {
        h.clock.advance(60_000);
        await h.sender.dispatcher.runOnce();
      }
      const row = await h.row(sent.message_id);
      assert.equal(row.status, 'FAILED');
      assert.equal(row.attempts, 4);
      assert.match(row.last_error ?? '', /HTTP 503.*gave up after 4 attempts/);
      assert.equal(api.sent.filter((m) => m.body === 'never arrives').length, 0);
    });

    it('an expired token (Graph code 190) fails it as a broken connection, not retried', async () => {
      const expired = new WhatsAppClient({
        token: 'old',
        phoneNumberId: PHONE_NUMBER_ID,
        apiBaseUrl: api.url,
      });
      await assert.rejects(
        expired.send(
          { id: 'x', orgId: h.orgId, channel: 'whatsapp', to: '+919876543210', subject: null, body: 'x' },
          AbortSignal.timeout(2000),
        ),
        (e: Error & { authBroken?: boolean; retriable?: boolean }) =>
          e.authBroken === true && e.retriable === false && /expired or revoked/.test(e.message),
      );
    });
  });
}
