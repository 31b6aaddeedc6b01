/**
 * WhatsApp delivery reports: Meta (the fake's webhook side) makes the subscription handshake and posts signed
 * status notifications for messages Rooman sent through the fake Cloud API; a `failed` one turns the message FAILED
 * with Meta's reason, other statuses change nothing, and unsigned or wrongly signed posts are refused.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../../src/core/logger.ts';
import { createHttpApp } from '../../../src/http/app.ts';
import {
  describeMetaError,
  registerWhatsAppWebhook,
  WHATSAPP_WEBHOOK_PATH,
} from '../../../src/http/routes/whatsapp-webhook.ts';
import { WhatsAppClient } from '../../../src/integrations/messaging/whatsapp.ts';
import { FakeWhatsAppApi } from '../../fakes/whatsapp-cloud-api.ts';
import { databaseTargets } from '../../helpers/db.ts';
import { type Harness, openHarness } from './harness.ts';

const TOKEN = 'EAAG-test-token';
const PHONE_NUMBER_ID = '106540352242922';
const APP_SECRET = '7f0c2a9d4e8b1f3a6c5d9e2b4a8f1c3d';
const VERIFY_TOKEN = 'rooman-verify-2026';

for (const target of databaseTargets()) {
  describe(`WhatsApp delivery reports (${target.name})`, () => {
    let api: FakeWhatsAppApi;
    let h: Harness;
    let app: ReturnType<typeof createHttpApp>;
    let webhook: string;

    before(async () => {
      api = await new FakeWhatsAppApi({ token: TOKEN, phoneNumberId: PHONE_NUMBER_ID }).start();
      const client = new WhatsAppClient({
        token: TOKEN,
        phoneNumberId: PHONE_NUMBER_ID,
        apiBaseUrl: api.url,
      });
      h = await openHarness(target, { whatsapp: client });
      app = createHttpApp({ logger: silentLogger, bodyLimit: 1024 * 1024 });
      registerWhatsAppWebhook(app, {
        db: h.database.db,
        logger: silentLogger,
        appSecret: APP_SECRET,
        verifyToken: VERIFY_TOKEN,
        clock: h.clock,
        provider: client.provider,
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      webhook = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}${WHATSAPP_WEBHOOK_PATH}`;
    });
    after(async () => {
      await app.close();
      await h.close();
      await api.close();
    });

    it('answers Meta’s handshake with the challenge, and only with the configured token', async () => {
      assert.deepEqual(await api.verifyWebhook(webhook, VERIFY_TOKEN, '4242'), { status: 200, text: '4242' });
      const wrong = await api.verifyWebhook(webhook, 'someone-else');
      assert.equal(wrong.status, 403);
      assert.equal(JSON.parse(wrong.text).error.type, 'UNAUTHORIZED');
    });

    it('a failed report turns the sent message FAILED with Meta’s reason; delivered and read change nothing', async () => {
      const lost = await h.send({ channel: 'whatsapp', to: '98765 43210', body: 'Site visit at 5' });
      const fine = await h.send({ channel: 'whatsapp', to: '91234 56789', body: 'See you tomorrow' });
      assert.equal(lost.status, 'SENT');
      const [lostWamid, fineWamid] = api.sent.slice(-2).map((m) => m.id);
      const status = await api.report(webhook, APP_SECRET, [
        { wamid: fineWamid!, status: 'delivered', recipient: '919123456789' },
        { wamid: fineWamid!, status: 'read', recipient: '919123456789' },
        {
          wamid: lostWamid!,
          status: 'failed',
          recipient: '919876543210',
          errors: [
            {
              code: 131026,
              title: 'Message undeliverable',
              error_data: { details: 'Message failed to send because of an unknown error' },
            },
          ],
        },
      ]);
      assert.equal(status, 200);
      const lostRow = await h.row(lost.message_id);
      assert.equal(lostRow.status, 'FAILED');
      assert.equal(
        lostRow.last_error,
        'WhatsApp reported the message failed (131026 Message undeliverable: Message failed to send because of an unknown error)',
      );
      assert.equal((await h.row(fine.message_id)).status, 'SENT');
      // Meta delivers at least once: the same report again changes nothing and is still acknowledged.
      assert.equal(
        await api.report(webhook, APP_SECRET, [
          { wamid: lostWamid!, status: 'failed', recipient: '919876543210' },
        ]),
        200,
      );
      assert.equal((await h.row(lost.message_id)).last_error, lostRow.last_error);
    });

    it('refuses unsigned and wrongly signed reports, and they change nothing', async () => {
      const sent = await h.send({ channel: 'whatsapp', to: '98765 43211', body: 'Quote attached' });
      const wamid = api.sent.at(-1)!.id;
      const report = [{ wamid, status: 'failed' as const, recipient: '919876543211' }];
      assert.equal(await api.report(webhook, null, report), 403);
      assert.equal(await api.report(webhook, 'not-the-app-secret-at-all', report), 403);
      assert.equal((await h.row(sent.message_id)).status, 'SENT');
    });

    it('acknowledges a signed report about an unknown message or in a shape it does not read', async () => {
      assert.equal(
        await api.report(webhook, APP_SECRET, [{ wamid: 'wamid.UNKNOWN', status: 'failed', recipient: '1' }]),
        200,
      );
      const body = '{"object":"whatsapp_business_account","entry":"not a list"}';
      const { createHmac } = await import('node:crypto');
      const answer = await fetch(webhook, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`,
        },
        body,
      });
      assert.equal(answer.status, 200);
    });
  });
}

describe('Meta error wording', () => {
  it('names the code, title and details it has', () => {
    assert.equal(describeMetaError(undefined), 'WhatsApp reported the message failed');
    assert.equal(
      describeMetaError({ code: 131047, title: 'Re-engagement message' }),
      'WhatsApp reported the message failed (131047 Re-engagement message)',
    );
  });
});
