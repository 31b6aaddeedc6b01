/** A scheduled call is a database row: it outlives the process that took it. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { FakeTwilioRestServer } from '../fakes/twilio-rest-server.ts';
import { createTestOrg, pgliteTemplate } from '../helpers/db.ts';
import { MovableClock, startHarness } from './harness.ts';

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
