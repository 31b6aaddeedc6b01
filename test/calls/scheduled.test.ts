import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Database, openDatabase } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { FakeTwilioRestServer } from '../fakes/twilio-rest-server.ts';
import { createTestOrg, databaseTargets, pgliteTemplate } from '../helpers/db.ts';
import { type Harness, MovableClock, startHarness } from './harness.ts';

describe('scheduled calls survive a restart (PGlite on disk)', () => {
  let dir: string;
  let fake: FakeTwilioRestServer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rooman-scheduled-'));
    fake = await FakeTwilioRestServer.start({ onTwimlFailure: 'stay' });
  });
  after(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  const open = async () => {
    const database = await openDatabase({ dataDir: dir, pgliteTemplate: await pgliteTemplate() });
    await migrateToLatest(database.db);
    return database;
  };

  test('scheduled before a restart, placed once after it, at its time', async () => {
    const clock = new MovableClock('2026-03-10T15:00:00Z');
    let database = await open();
    const org = await createTestOrg(database.db, 'Europe/London');
    const first = await startHarness({ database, fake, clock, org });
    const res = await first.api('POST', '/api/calls', {
      to: '+44 20 7946 0960',
      context: { reason: 'visit reminder' },
      at: '2026-03-10T16:30:00+00:00',
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const scheduled = res.body.scheduled;
    assert.equal(scheduled.state, 'pending');
    assert.equal(scheduled.due_at, '2026-03-10T16:30:00.000Z');
    assert.equal((await first.tick()).placed, 0, 'not due yet');
    await first.close();
    await database.close();

    // The process restarts; the row is still there, and placed once it is due.
    database = await open();
    const second = await startHarness({ database, fake, clock, org });
    const listed = await second.api('GET', '/api/calls/scheduled');
    assert.deepEqual(
      listed.body.scheduled.map((s: { id: string; state: string }) => [s.id, s.state]),
      [[scheduled.id, 'pending']],
    );
    clock.set('2026-03-10T16:29:59Z');
    assert.equal((await second.tick()).placed, 0);
    clock.set('2026-03-10T16:30:01Z');
    assert.equal((await second.tick()).placed, 1);
    assert.equal((await second.tick()).placed, 0);
    const calls = fake.callsTo('+442079460960');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.from, '+14155550100');
    await fake.waitFor(() => calls[0]?.status === 'completed', 'the call to end');
    await fake.settled();
    await second.tickUntil(
      async () => (await second.api('GET', '/api/calls/scheduled')).body.scheduled[0].state === 'done',
      'the scheduled call to be done',
    );
    const done = (await second.api('GET', '/api/calls/scheduled')).body.scheduled[0];
    const call = (await second.api('GET', `/api/calls/${done.call_id}`)).body;
    assert.deepEqual(call.context, { reason: 'visit reminder' });
    assert.equal(call.status, 'completed');
    await second.close();
    await database.close();
  });
});

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
