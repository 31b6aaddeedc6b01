/**
 * The dialler when things go missing: status callbacks lost between Twilio and us (the call is asked about at
 * Twilio, so its campaign slot is freed), and a row claimed by an instance that died before Twilio answered (given
 * up, not redialled: a second call to the same person is worse than a missed one).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/store/database.ts';
import { ApiKeyRepository } from '../../src/store/organisations.ts';
import { createTestOrg, databaseTargets } from '../helpers/db.ts';
import { type Harness, startHarness } from './harness.ts';

for (const target of databaseTargets()) {
  describe(`dialler recovery (${target.name})`, () => {
    let database: Database;
    let h: Harness;

    before(async () => {
      database = await target.open();
      h = await startHarness({ database, fakeOptions: { dropStatusCallbacks: true } });
    });
    after(async () => {
      await h.close();
      await database.close();
    });

    test('lost status callbacks: the call is looked up at Twilio and the next row is dialled', async () => {
      h.clock.set('2026-03-10T15:00:00Z');
      h.fake.script('+14155550801', { outcome: 'busy' });
      h.fake.script('+14155550802', { outcome: 'completed', talkMs: 5 });
      const created = await h.api('POST', '/api/campaigns', {
        concurrency: 1,
        window: { start: '00:00', end: '23:59' },
        max_attempts: 1,
        targets: [{ to: '+14155550801' }, { to: '+14155550802' }],
      });
      const id = created.body.id as string;
      assert.equal((await h.tick()).placed, 1);
      const [first] = h.fake.callsTo('+14155550801');
      await h.fake.waitFor(() => first?.status === 'busy', 'the busy signal at Twilio');
      assert.equal((await h.tick()).placed, 0, 'we have not heard: the slot is still taken');
      h.clock.advance(61_000);
      const report = await h.tick();
      assert.equal(report.settled, 1, 'asked Twilio, settled');
      assert.equal(report.placed, 1, 'the next row takes the slot');
      const rows = (await h.api('GET', `/api/campaigns/${id}/targets`)).body.targets;
      assert.equal(rows[0].state, 'failed');
      assert.equal(rows[0].outcome, 'busy');
      const call = (await h.api('GET', `/api/calls/${rows[0].call_id}`)).body;
      assert.equal(call.status, 'busy');
      assert.ok(call.events.some((e: { source: string }) => e.source === 'rest-poll'));
      const fetched = h.fake.requests.filter(
        (r) => r.method === 'GET' && r.path.endsWith(`/Calls/${first?.sid}.json`),
      );
      assert.equal(fetched.length, 1);
      await h.api('POST', `/api/campaigns/${id}/cancel`);
    });

    test('a row claimed by an instance that died before dialling is given up, not redialled', async () => {
      h.clock.set('2026-03-10T15:00:00Z');
      const res = await h.api('POST', '/api/calls', { to: '+14155550803', at: '2026-03-10T15:00:00Z' });
      const id = res.body.scheduled.id as string;
      // What a crash between the claim and Twilio's answer leaves behind.
      await database.db
        .updateTable('call_requests')
        .set({ state: 'dialing', claimed_by: 'dead-instance', claimed_at: h.clock.now(), attempts: 1 })
        .where('id', '=', id)
        .execute();
      assert.equal((await h.tick()).placed, 0);
      h.clock.advance(121_000);
      await h.tick();
      const row = (await h.api('GET', '/api/calls/scheduled')).body.scheduled.find(
        (s: { id: string }) => s.id === id,
      );
      assert.equal(row.state, 'failed');
      assert.equal(row.outcome, 'interrupted');
      assert.equal(h.fake.callsTo('+14155550803').length, 0);
    });

    test('another organisation cannot see or manage these calls', async () => {
      h.fake.script('+14155550804', { outcome: 'answered' });
      const mine = await h.api('POST', '/api/calls', { to: '+14155550804' });
      assert.equal(mine.status, 201);
      const other = await createTestOrg(database.db, 'Europe/London');
      const key = await new ApiKeyRepository(database.db).create(other.id, 'test');
      const auth = { authorization: `Bearer ${key}` };
      assert.equal((await h.api('GET', `/api/calls/${mine.body.id}`, undefined, auth)).status, 404);
      assert.equal((await h.api('POST', `/api/calls/${mine.body.id}/hangup`, undefined, auth)).status, 404);
      const list = await h.api('GET', '/api/calls', undefined, auth);
      assert.equal(list.body.total, 0);
      assert.equal((await h.api('GET', '/api/campaigns', undefined, auth)).body.campaigns.length, 0);
      assert.equal((await h.api('POST', `/api/calls/${mine.body.id}/hangup`)).status, 200);
    });
  });
}
