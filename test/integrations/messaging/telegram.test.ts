import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TelegramClient } from '../../../src/integrations/messaging/telegram.ts';
import { FakeTelegramApi } from '../../fakes/telegram-bot-api.ts';
import { databaseTargets } from '../../helpers/db.ts';
import { type Harness, openHarness } from './harness.ts';

const TOKEN = '123456:ABC-test-token';

for (const target of databaseTargets()) {
  describe(`Telegram channel (${target.name})`, () => {
    let api: FakeTelegramApi;
    let h: Harness;

    before(async () => {
      api = await new FakeTelegramApi(TOKEN, { unknownChats: [-100999999] }).start();
      h = await openHarness(target, {
        telegram: new TelegramClient({ botToken: TOKEN, apiBaseUrl: api.url }),
      });
    });
    after(async () => {
      await h.close();
      await api.close();
    });

    it('sends to a chat id and a @channel through sendMessage, and keeps Telegram’s message id', async () => {
      const a = await h.send({ channel: 'telegram', to: '987654321', body: 'Visit confirmed for 3 PM' });
      const b = await h.send({ channel: 'telegram', to: '@rooman_team', body: 'New lead: Priya' });
      assert.equal(a.status, 'SENT');
      assert.equal(b.status, 'SENT');
      assert.deepEqual(
        api.sent.map((m) => [m.chat_id, m.text]),
        [
          [987654321, 'Visit confirmed for 3 PM'],
          ['@rooman_team', 'New lead: Priya'],
        ],
      );
      const row = await h.row(a.message_id);
      assert.equal(row.provider, 'telegram');
      assert.equal(row.provider_message_id, String(api.sent[0]!.message_id));
      assert.equal(row.attempts, 1);
    });

    it('a 5xx, then a hang: queued each time with the error and a later due time; sent once at the third attempt', async () => {
      api.fail(
        { kind: 'status', status: 502, body: { ok: false, error_code: 502, description: 'Bad Gateway' } },
        { kind: 'hang' },
      );
      const before = api.sent.length;
      const sent = await h.send({ channel: 'telegram', to: '55555555', body: 'Reminder: visit tomorrow' });
      assert.equal(sent.status, 'QUEUED');
      let row = await h.row(sent.message_id);
      assert.equal(row.attempts, 1);
      assert.match(row.last_error ?? '', /Telegram answered HTTP 502: Bad Gateway/);
      // Not due yet: a round now claims nothing.
      assert.deepEqual(await h.sender.dispatcher.runOnce(), []);
      h.clock.advance(10_000);
      const [second] = await h.sender.dispatcher.runOnce();
      assert.equal(second?.status, 'QUEUED');
      row = await h.row(sent.message_id);
      assert.equal(row.attempts, 2);
      assert.match(row.last_error ?? '', /no answer/);
      assert.equal(api.sent.length, before);
      h.clock.advance(20_000);
      const [third] = await h.sender.dispatcher.runOnce();
      assert.equal(third?.status, 'SENT');
      h.clock.advance(600_000);
      assert.deepEqual(await h.sender.dispatcher.runOnce(), []);
      const delivered = api.sent.filter((m) => m.text === 'Reminder: visit tomorrow');
      assert.equal(delivered.length, 1);
      row = await h.row(sent.message_id);
      assert.equal(row.status, 'SENT');
      assert.equal(row.attempts, 3);
      assert.equal(row.last_error, null);
    });

    it('Telegram’s retry_after is honoured as the wait', async () => {
      api.fail({
        kind: 'status',
        status: 429,
        body: {
          ok: false,
          error_code: 429,
          description: 'Too Many Requests: retry after 45',
          parameters: { retry_after: 45 },
        },
      });
      const sent = await h.send({ channel: 'telegram', to: '55555556', body: 'slow down' });
      const row = await h.row(sent.message_id);
      assert.equal(row.status, 'QUEUED');
      assert.equal(row.due_at.getTime() - h.clock.now().getTime(), 45_000);
    });

    it('a chat Telegram does not know is FAILED at once, with Telegram’s reason, and not retried', async () => {
      const sent = await h.send({ channel: 'telegram', to: '-100999999', body: 'hello group' });
      assert.equal(sent.status, 'FAILED');
      const row = await h.row(sent.message_id);
      assert.match(row.last_error ?? '', /chat not found/);
      h.clock.advance(3_600_000);
      const rounds = await h.sender.dispatcher.runOnce();
      assert.ok(!rounds.some((r) => r.id === sent.message_id));
      assert.equal((await h.row(sent.message_id)).attempts, 1);
    });

    it('a revoked bot token fails the message as a broken connection', async () => {
      const other = new TelegramClient({ botToken: '999:revoked', apiBaseUrl: api.url });
      await assert.rejects(
        other.send(
          { id: 'x', orgId: h.orgId, channel: 'telegram', to: '12345', subject: null, body: 'x' },
          AbortSignal.timeout(2000),
        ),
        (e: Error & { authBroken?: boolean; retriable?: boolean }) =>
          e.authBroken === true && e.retriable === false && /Unauthorized/.test(e.message),
      );
    });
  });
}
