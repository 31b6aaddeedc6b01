import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SlackClient } from '../../../src/integrations/messaging/slack.ts';
import { FakeSlackApi } from '../../fakes/slack-web-api.ts';
import { databaseTargets } from '../../helpers/db.ts';
import { type Harness, openHarness } from './harness.ts';

const TOKEN = 'xoxb-test-token';

for (const target of databaseTargets()) {
  describe(`Slack channel (${target.name})`, () => {
    let api: FakeSlackApi;
    let h: Harness;

    before(async () => {
      api = await new FakeSlackApi(TOKEN, { channels: ['#sales', 'C0123456'] }).start();
      h = await openHarness(target, { slack: new SlackClient({ botToken: TOKEN, apiBaseUrl: api.url }) });
    });
    after(async () => {
      await h.close();
      await api.close();
    });

    it('posts to the channel with chat.postMessage and keeps the ts', async () => {
      const sent = await h.send({ channel: 'slack', to: '#sales', body: 'Priya booked a visit for Friday' });
      assert.equal(sent.status, 'SENT');
      assert.deepEqual(
        api.posted.map((p) => [p.channel, p.text]),
        [['#sales', 'Priya booked a visit for Friday']],
      );
      assert.equal((await h.row(sent.message_id)).provider_message_id, api.posted[0]!.ts);
    });

    it('ok:false channel_not_found fails the message with Slack’s error code, not retried', async () => {
      const sent = await h.send({ channel: 'slack', to: '#nowhere', body: 'lost?' });
      assert.equal(sent.status, 'FAILED');
      assert.match((await h.row(sent.message_id)).last_error ?? '', /channel_not_found/);
    });

    it('ok:false ratelimited and a 500 are retried; the post is made once', async () => {
      api.fail(
        { kind: 'status', status: 200, body: { ok: false, error: 'ratelimited' } },
        { kind: 'status', status: 500, body: { ok: false, error: 'internal_error' } },
      );
      const sent = await h.send({ channel: 'slack', to: 'C0123456', body: 'retry me' });
      assert.equal(sent.status, 'QUEUED');
      for (let i = 0; i < 3; i++) {
        h.clock.advance(60_000);
        await h.sender.dispatcher.runOnce();
      }
      const row = await h.row(sent.message_id);
      assert.equal(row.status, 'SENT');
      assert.equal(row.attempts, 3);
      assert.equal(api.posted.filter((p) => p.text === 'retry me').length, 1);
    });

    it('ok:false invalid_auth is a broken connection', async () => {
      const bad = new SlackClient({ botToken: 'xoxb-revoked', apiBaseUrl: api.url });
      await assert.rejects(
        bad.send(
          { id: 'x', orgId: h.orgId, channel: 'slack', to: '#sales', subject: null, body: 'x' },
          AbortSignal.timeout(2000),
        ),
        (e: Error & { authBroken?: boolean }) => e.authBroken === true && /invalid_auth/.test(e.message),
      );
    });
  });
}
