import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoomanError } from '../../../src/core/errors.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import type { MeetingCalendar } from '../../../src/core/meetings.ts';
import { fixedClock } from '../../../src/core/time.ts';
import { BuiltinCalendar, startOfDay } from '../../../src/integrations/calendar/builtin-calendar.ts';
import type { Database } from '../../../src/store/database.ts';
import { MeetingRepository } from '../../../src/store/meetings.ts';
import { createTestOrg, databaseTargets } from '../../helpers/db.ts';

const at = (iso: string) => new Date(iso);
const draft = (title: string, start: string, minutes = 30) => ({
  title,
  start: at(start),
  end: new Date(at(start).getTime() + minutes * 60_000),
  attendees: [] as string[],
  recurrence: null,
});

for (const target of databaseTargets()) {
  describe(`built-in calendar (${target.name})`, () => {
    let database: Database;
    let calendars: BuiltinCalendar;
    let cal: MeetingCalendar;
    let other: MeetingCalendar;
    let orgId: string;

    before(async () => {
      database = await target.open();
      calendars = new BuiltinCalendar({
        db: database.db,
        logger: silentLogger,
        clock: fixedClock('2025-09-19T09:00:00+05:30'),
      });
      orgId = (await createTestOrg(database.db)).id;
      cal = calendars.calendarFor(orgId);
      other = calendars.calendarFor((await createTestOrg(database.db, 'Europe/London')).id);
    });
    after(() => database.close());

    it('creates meetings in the organisation zone and reports overlaps', async () => {
      const first = await cal.create({
        ...draft('design review', '2025-09-20T15:00:00+05:30', 60),
        attendees: ['Priya', 'a@b.co'],
      });
      assert.equal(first.meeting.start, '2025-09-20T15:00:00+05:30');
      assert.equal(first.meeting.end, '2025-09-20T16:00:00+05:30');
      assert.equal(first.meeting.time_zone, 'Asia/Kolkata');
      assert.deepEqual(first.meeting.attendees, ['Priya', 'a@b.co']);
      assert.deepEqual(first.conflicts, []);
      const second = await cal.create(draft('team sync', '2025-09-20T15:30:00+05:30'));
      assert.deepEqual(
        second.conflicts.map((m) => m.title),
        ['design review'],
      );
      // Back to back is not an overlap.
      const third = await cal.create(draft('one to one', '2025-09-20T16:00:00+05:30'));
      assert.deepEqual(third.conflicts, []);
    });

    it('lists by day, by range and title, and finds by start time; other organisations see none', async () => {
      const day = await cal.onDay('2025-09-20');
      assert.deepEqual(
        day.map((m) => m.title),
        ['design review', 'team sync', 'one to one'],
      );
      assert.deepEqual(await cal.onDay('2025-09-21'), []);
      const range = await cal.list({
        from: at('2025-09-20T15:45:00+05:30'),
        to: at('2025-09-20T16:10:00+05:30'),
      });
      assert.equal(range.length, 3, 'every meeting running in the range');
      const later = await cal.list({
        from: at('2025-09-20T16:00:00+05:30'),
        to: at('2025-09-20T16:10:00+05:30'),
      });
      assert.deepEqual(
        later.map((m) => m.title),
        ['one to one'],
      );
      const byTitle = await cal.list({
        from: at('2025-09-19T00:00:00Z'),
        to: at('2025-10-01T00:00:00Z'),
        title: 'SYNC',
      });
      assert.deepEqual(
        byTitle.map((m) => m.title),
        ['team sync'],
      );
      const starting = await cal.startingAt(at('2025-09-20T09:30:00Z'));
      assert.deepEqual(
        starting.map((m) => m.title),
        ['design review'],
      );
      assert.deepEqual(await other.onDay('2025-09-20'), []);
    });

    it('moves a meeting keeping its length, and cancels it (twice is the same)', async () => {
      const [review] = await cal.onDay('2025-09-20');
      const moved = await cal.move(review!.meeting_id, { start: at('2025-09-22T10:00:00+05:30') });
      assert.equal(moved.meeting.start, '2025-09-22T10:00:00+05:30');
      assert.equal(moved.meeting.end, '2025-09-22T11:00:00+05:30');
      const cancelled = await cal.cancel(review!.meeting_id);
      assert.equal(cancelled.status, 'CANCELLED');
      assert.equal((await cal.cancel(review!.meeting_id)).status, 'CANCELLED');
      assert.deepEqual(await cal.onDay('2025-09-22'), []);
      await assert.rejects(
        cal.move(review!.meeting_id, { start: at('2025-09-23T10:00:00+05:30') }),
        (e: unknown) => e instanceof RoomanError && e.type === 'NOT_FOUND',
      );
      await assert.rejects(
        other.cancel(review!.meeting_id),
        (e: unknown) => e instanceof RoomanError && e.type === 'NOT_FOUND',
      );
    });

    it('an idempotency key makes a retried create give the first meeting', async () => {
      const repo = new MeetingRepository(database.db);
      const before = await repo.count(orgId);
      const a = await cal.create(draft('retro', '2025-09-25T11:00:00+05:30'), { idempotencyKey: 'turn-7' });
      const b = await cal.create(draft('retro', '2025-09-25T11:00:00+05:30'), { idempotencyKey: 'turn-7' });
      assert.equal(b.meeting.meeting_id, a.meeting.meeting_id);
      assert.equal(await repo.count(orgId), before + 1);
      await assert.rejects(
        cal.create(draft('other', '2025-09-26T11:00:00+05:30'), { idempotencyKey: 'turn-7' }),
        (e: unknown) => e instanceof RoomanError && e.type === 'CONFLICT',
      );
    });
  });
}

describe('startOfDay', () => {
  it('is local midnight, across a DST change', () => {
    assert.equal(startOfDay('2025-09-20', 'Asia/Kolkata').toISOString(), '2025-09-19T18:30:00.000Z');
    assert.equal(startOfDay('2025-03-30', 'Europe/London').toISOString(), '2025-03-30T00:00:00.000Z');
    assert.equal(startOfDay('2025-03-31', 'Europe/London').toISOString(), '2025-03-30T23:00:00.000Z');
  });
});
