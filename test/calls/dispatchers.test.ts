/** Several instances share scheduled calls and campaigns: each row is dialled once, a campaign's limit holds. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/store/database.ts';
import { FakeTwilioRestServer } from '../fakes/twilio-rest-server.ts';
import { createTestOrg, databaseTargets } from '../helpers/db.ts';
import { type Harness, MovableClock, startHarness } from './harness.ts';

for (const target of databaseTargets()) {
  describe(`scheduled calls with several dispatchers (${target.name})`, () => {
    let database: Database;
    let instances: Harness[];

    before(async () => {
      database = await target.open();
      const fake = await FakeTwilioRestServer.start({ onTwimlFailure: 'stay' });
      const clock = new MovableClock('2026-03-10T15:00:00Z');
      const org = await createTestOrg(database.db, 'America/New_York');
      instances = [];
      for (let i = 0; i < 3; i++) instances.push(await startHarness({ database, fake, clock, org }));
    });
    after(async () => {
      for (const h of instances) await h.close();
      await instances[0]?.fake.close();
      await database.close();
    });

    test('three dispatchers ticking together place each due call exactly once', async () => {
      const [a] = instances as [Harness];
      const numbers = Array.from({ length: 12 }, (_, i) => `+1415555${String(700 + i).padStart(4, '0')}`);
      for (const to of numbers) {
        const res = await a.api('POST', '/api/calls', { to, at: '2026-03-10T15:10:00-04:00' });
        assert.equal(res.status, 202);
      }
      a.clock.set('2026-03-10T19:10:00Z');
      const reports = await Promise.all(instances.flatMap((h) => [h.tick(), h.tick()]));
      assert.equal(
        reports.reduce((n, r) => n + r.placed, 0),
        numbers.length,
      );
      for (const to of numbers) assert.equal(a.fake.callsTo(to).length, 1, `${to} dialled once`);
      const again = await Promise.all(instances.map((h) => h.tick()));
      assert.equal(
        again.reduce((n, r) => n + r.placed, 0),
        0,
      );
    });

    test("three dispatchers together keep a campaign's concurrency limit", async () => {
      const [a] = instances as [Harness];
      a.clock.set('2026-03-10T15:00:00Z');
      const numbers = Array.from({ length: 8 }, (_, i) => `+1415555${String(720 + i).padStart(4, '0')}`);
      for (const to of numbers) a.fake.script(to, { outcome: 'answered' });
      const created = await a.api('POST', '/api/campaigns', {
        concurrency: 3,
        window: { start: '00:00', end: '23:59' },
        targets: numbers.map((to) => ({ to })),
      });
      assert.equal(created.status, 201);
      const live = () => numbers.flatMap((n) => a.fake.callsTo(n)).filter((c) => c.status !== 'completed');
      let most = 0;
      for (let round = 0; round < 30; round++) {
        await Promise.all(instances.flatMap((h) => [h.tick(), h.tick()]));
        most = Math.max(most, live().length);
        const progress = (await a.api('GET', `/api/campaigns/${created.body.id}`)).body;
        if (progress.status === 'completed') break;
        // One callee hangs up; its slot is free for whichever dispatcher gets there first.
        await a.fake.waitFor(() => live().some((c) => c.status === 'in-progress'), 'an answered call');
        const call = live().find((c) => c.status === 'in-progress');
        if (call) await a.fake.endCall(call.sid);
        await a.fake.settled();
      }
      assert.equal(most, 3, 'the limit was reached and never passed');
      for (const to of numbers) assert.equal(a.fake.callsTo(to).length, 1, `${to} dialled once`);
      const done = (await a.api('GET', `/api/campaigns/${created.body.id}`)).body;
      assert.equal(done.status, 'completed');
      assert.equal(done.counts.done, 8);
    });

    test('a cancelled scheduled call is never placed', async () => {
      const [a] = instances as [Harness];
      a.clock.set('2026-03-10T15:00:00Z');
      const res = await a.api('POST', '/api/calls', { to: '+14155550799', at: '2026-03-10T15:05:00Z' });
      const id = res.body.scheduled.id as string;
      const cancelled = await a.api('POST', `/api/calls/scheduled/${id}/cancel`);
      assert.equal(cancelled.status, 200);
      assert.equal(cancelled.body.scheduled.state, 'cancelled');
      a.clock.set('2026-03-10T15:06:00Z');
      await Promise.all(instances.map((h) => h.tick()));
      assert.equal(a.fake.callsTo('+14155550799').length, 0);
      assert.equal((await a.api('POST', `/api/calls/scheduled/${id}/cancel`)).status, 409);
    });
  });
}
