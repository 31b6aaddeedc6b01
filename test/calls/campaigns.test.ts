import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/store/database.ts';
import { databaseTargets } from '../helpers/db.ts';
import { type Harness, startHarness } from './harness.ts';

interface Target {
  row: number;
  to: string;
  state: string;
  attempts: number;
  due_at: string;
  outcome: string | null;
  call_id: string | null;
  context: Record<string, unknown>;
  error: { code: string | number; message: string } | null;
}

for (const target of databaseTargets()) {
  describe(`campaigns (${target.name})`, () => {
    let database: Database;
    let h: Harness;

    before(async () => {
      database = await target.open();
      // 2026-03-10 12:00 UTC: 08:00 in New York (the organisation's zone), 12:00 in London, 17:30 in Kolkata.
      h = await startHarness({ database });
    });
    after(async () => {
      await h.close();
      await database.close();
    });

    const progress = async (id: string) => (await h.api('GET', `/api/campaigns/${id}`)).body;
    const targets = async (id: string): Promise<Target[]> =>
      (await h.api('GET', `/api/campaigns/${id}/targets`)).body.targets;
    const anyWindow = { start: '00:00', end: '23:59' };

    test('never more calls at once than the concurrency limit; the campaign completes', async () => {
      h.clock.set('2026-03-10T15:00:00Z');
      const numbers = ['+14155550201', '+14155550202', '+14155550203', '+14155550204', '+14155550205'];
      for (const n of numbers) h.fake.script(n, { outcome: 'answered' });
      const created = await h.api('POST', '/api/campaigns', {
        name: 'Spring follow-ups',
        concurrency: 2,
        window: anyWindow,
        targets: numbers.map((to, i) => ({ to, context: { lead: `L${i + 1}` } })),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.total, 5);
      assert.equal(created.body.counts.pending, 5);
      const id = created.body.id as string;

      assert.equal((await h.tick()).placed, 2);
      assert.equal((await h.tick()).placed, 0, 'both slots are taken');
      assert.equal((await progress(id)).counts.dialing, 2);
      const live = () => numbers.flatMap((n) => h.fake.callsTo(n)).filter((c) => c.status !== 'completed');
      let rounds = 0;
      while ((await progress(id)).status !== 'completed') {
        await h.fake.waitFor(() => live().some((c) => c.status === 'in-progress'), 'an answered call');
        const call = live().find((c) => c.status === 'in-progress');
        if (call) await h.fake.endCall(call.sid);
        await h.fake.settled();
        await h.tick();
        assert.ok(live().length <= 2, `at most 2 calls at once, saw ${live().length}`);
        assert.ok(++rounds < 20, 'the campaign finishes');
      }
      const done = await progress(id);
      assert.deepEqual(done.counts, { pending: 0, dialing: 0, done: 5, failed: 0, cancelled: 0 });
      assert.deepEqual(done.outcomes, { completed: 5 });
      assert.ok(done.finished_at);
      // Rows were dialled in list order, each once, with its own context.
      const rows = await targets(id);
      assert.deepEqual(
        rows.map((r) => [r.row, r.attempts, r.context.lead]),
        numbers.map((_, i) => [i + 1, 1, `L${i + 1}`]),
      );
      const first = h.fake.callsTo('+14155550201')[0];
      assert.ok(first);
      assert.equal(rows[0]?.call_id && first.params.Url, `${h.url}/twilio/voice?call=${rows[0]?.call_id}`);
    });

    test("calls only inside the window of the callee's zone: row zone, country zone, or every zone of the country", async () => {
      h.clock.set('2026-03-10T12:00:00Z');
      const created = await h.api('POST', '/api/campaigns', {
        concurrency: 5,
        window: { start: '09:00', end: '17:00' },
        targets: [
          { to: '+442079460958' }, // London, 12:00: open
          { to: '+919876543210', timezone: 'Asia/Kolkata' }, // 17:30: closed until 09:00 tomorrow
          { to: '+12127365000', timezone: 'America/New_York' }, // 08:00 EDT: opens at 13:00 UTC
          { to: '+12127365001' }, // a US number, zone unknown: only when 09–17 holds from Hawaii to Maine
        ],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id as string;
      assert.equal((await h.tick()).placed, 1);
      let rows = await targets(id);
      assert.deepEqual(
        rows.map((r) => [r.to, r.state, r.due_at]),
        [
          ['+442079460958', 'dialing', '2026-03-10T12:00:00.000Z'],
          ['+919876543210', 'pending', '2026-03-11T03:30:00.000Z'],
          ['+12127365000', 'pending', '2026-03-10T13:00:00.000Z'],
          ['+12127365001', 'pending', '2026-03-10T19:00:00.000Z'],
        ],
      );
      h.clock.set('2026-03-10T13:00:00Z');
      assert.equal((await h.tick()).placed, 1);
      h.clock.set('2026-03-10T19:05:00Z');
      assert.equal((await h.tick()).placed, 1);
      rows = await targets(id);
      assert.deepEqual(
        rows.map((r) => r.attempts),
        [1, 0, 1, 1],
        'Kolkata is still closed; the others were each called once',
      );
      assert.equal(rows[1]?.state, 'pending');
      await h.api('POST', `/api/campaigns/${id}/cancel`);
    });

    test('busy and no-answer are retried with doubling backoff; provider errors per policy', async () => {
      h.clock.set('2026-03-10T15:00:00Z');
      h.fake.script(
        '+14155550301',
        { outcome: 'busy' },
        { outcome: 'busy' },
        { outcome: 'completed', talkMs: 5 },
      );
      h.fake.script('+14155550302', { outcome: 'no-answer' });
      h.fake.script(
        '+14155550303',
        { error: { status: 500, code: 20500, message: 'Internal Server Error' } },
        { outcome: 'completed', talkMs: 5 },
      );
      h.fake.script('+14155550304', {
        error: { status: 400, code: 21215, message: 'Geo Permission configuration is not permitting call' },
      });
      const created = await h.api('POST', '/api/campaigns', {
        concurrency: 4,
        window: anyWindow,
        max_attempts: 3,
        retry_backoff_seconds: 60,
        targets: ['+14155550301', '+14155550302', '+14155550303', '+14155550304'].map((to) => ({ to })),
      });
      const id = created.body.id as string;
      const row = async (to: string) => (await targets(id)).find((r) => r.to === to) as Target;

      const report = await h.tick();
      assert.equal(report.placed, 2);
      assert.equal(report.failed, 2);
      // The 500 is kept on its call and the row waits for a retry; the 400 will never work: failed at once.
      const flaky = await row('+14155550303');
      assert.equal(flaky.state, 'pending');
      assert.equal(flaky.outcome, 'provider_error');
      assert.deepEqual(flaky.error, { code: 20500, message: 'Internal Server Error' });
      assert.equal(flaky.due_at, '2026-03-10T15:01:00.000Z');
      const call = (await h.api('GET', `/api/calls/${flaky.call_id}`)).body;
      assert.equal(call.status, 'failed');
      assert.equal(call.error.code, 20500);
      const refused = await row('+14155550304');
      assert.equal(refused.state, 'failed');
      assert.equal(refused.attempts, 1);
      assert.equal(refused.error?.code, 21215);

      await h.tickUntil(
        async () => (await row('+14155550301')).state === 'pending',
        'the busy call to settle',
      );
      await h.tickUntil(async () => (await row('+14155550302')).state === 'pending', 'no answer to settle');
      assert.equal((await row('+14155550301')).due_at, '2026-03-10T15:01:00.000Z');
      assert.equal((await h.tick()).placed, 0, 'nothing is due before the backoff');

      h.clock.set('2026-03-10T15:01:00Z');
      assert.equal((await h.tick()).placed, 3, 'second attempts: busy, no-answer, provider error');
      await h.tickUntil(async () => (await row('+14155550301')).state === 'pending', 'busy again');
      assert.equal((await row('+14155550301')).due_at, '2026-03-10T15:03:00.000Z', 'waits twice as long');
      await h.tickUntil(
        async () => (await row('+14155550303')).state === 'done',
        'the retried call to complete',
      );

      h.clock.set('2026-03-10T15:03:00Z');
      await h.tickUntil(async () => (await progress(id)).status === 'completed', 'the campaign to finish');
      const final = await targets(id);
      assert.deepEqual(
        final.map((r) => [r.to, r.state, r.attempts, r.outcome]),
        [
          ['+14155550301', 'done', 3, 'completed'],
          ['+14155550302', 'failed', 3, 'no-answer'],
          ['+14155550303', 'done', 2, 'completed'],
          ['+14155550304', 'failed', 1, 'provider_error'],
        ],
      );
      assert.equal(h.fake.callsTo('+14155550301').length, 3);
      assert.equal(h.fake.callsTo('+14155550302').length, 3);
      const summary = await progress(id);
      assert.equal(summary.attempts, 9);
      assert.deepEqual(summary.outcomes, { completed: 2, 'no-answer': 1, provider_error: 1 });
    });

    test('pause, resume and cancel', async () => {
      h.clock.set('2026-03-10T15:00:00Z');
      const numbers = ['+14155550401', '+14155550402', '+14155550403'];
      for (const n of numbers) h.fake.script(n, { outcome: 'completed', talkMs: 5 });
      const created = await h.api('POST', '/api/campaigns', {
        concurrency: 1,
        window: anyWindow,
        targets: numbers.map((to) => ({ to })),
      });
      const id = created.body.id as string;
      const paused = await h.api('POST', `/api/campaigns/${id}/pause`);
      assert.equal(paused.body.status, 'paused');
      assert.equal((await h.tick()).placed, 0);
      assert.equal((await h.api('POST', `/api/campaigns/${id}/resume`)).body.status, 'running');
      assert.equal((await h.tick()).placed, 1);
      const cancelled = await h.api('POST', `/api/campaigns/${id}/cancel`);
      assert.equal(cancelled.body.status, 'cancelled');
      assert.equal(cancelled.body.counts.cancelled, 2);
      await h.tickUntil(async () => (await progress(id)).counts.dialing === 0, 'the call in progress to end');
      assert.equal(h.fake.callsTo('+14155550402').length, 0);
      const again = await h.api('POST', `/api/campaigns/${id}/resume`);
      assert.equal(again.status, 409);
    });

    test('a CSV list with a phone column, per-row zone and context; bad rows named by line', async () => {
      h.clock.set('2026-03-10T15:00:00Z');
      const csv =
        'Phone,Name,Timezone,Project\n(415) 555-0501,Asha,America/Los_Angeles,Skyline\n+44 20 7946 0959,Ben,,\n';
      const created = await h.api(
        'POST',
        '/api/campaigns?name=CSV%20list&concurrency=3&window=08:00-21:00&max_attempts=2',
        csv,
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.name, 'CSV list');
      assert.equal(created.body.concurrency, 3);
      assert.deepEqual(created.body.window, { start: '08:00', end: '21:00' });
      assert.equal(created.body.max_attempts, 2);
      const rows = await targets(created.body.id);
      assert.deepEqual(
        rows.map((r) => [r.to, r.context]),
        [
          ['+14155550501', { name: 'Asha', project: 'Skyline' }],
          ['+442079460959', { name: 'Ben' }],
        ],
      );
      await h.api('POST', `/api/campaigns/${created.body.id}/cancel`);

      const bad = await h.api('POST', '/api/campaigns', 'phone,name\n+14155550502,A\nnot a number,B\n');
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.field, 'row 3: to');
      const noPhone = await h.api('POST', '/api/campaigns', 'name\nA\n');
      assert.equal(noPhone.status, 400);
      const badQuery = await h.api('POST', '/api/campaigns?concurrency=0', 'phone\n+14155550502\n');
      assert.equal(badQuery.status, 400);
      assert.equal(badQuery.body.error.field, 'concurrency');
      const badJson = await h.api('POST', '/api/campaigns', { targets: [] });
      assert.equal(badJson.status, 400);
      assert.equal(badJson.body.error.field, 'targets');
      const badZone = await h.api('POST', '/api/campaigns', {
        targets: [{ to: '+14155550502', timezone: 'Mars/Olympus' }],
      });
      assert.equal(badZone.status, 400);
      assert.equal(badZone.body.error.field, 'targets.0.timezone');
    });
  });
}
