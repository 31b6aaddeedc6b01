import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoomanError } from '../../../src/core/errors.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import type { MeetingCalendar } from '../../../src/core/meetings.ts';
import { fixedClock } from '../../../src/core/time.ts';
import { BuiltinCalendar } from '../../../src/integrations/calendar/builtin-calendar.ts';
import { occurrencesBetween, seriesEnd } from '../../../src/integrations/calendar/recurrence.ts';
import type { Database } from '../../../src/store/database.ts';
import { createTestOrg, databaseTargets } from '../../helpers/db.ts';

const at = (iso: string) => new Date(iso);
const draft = (title: string, start: string, minutes = 30, recurrence: string | null = null) => ({
  title,
  start: at(start),
  end: new Date(at(start).getTime() + minutes * 60_000),
  attendees: [] as string[],
  recurrence,
});
const isError = (type: string, field?: string) => (e: unknown) =>
  e instanceof RoomanError && e.type === type && (field === undefined || e.field === field);

describe('recurrence expansion', () => {
  it('keeps the wall-clock time across a daylight-saving change', () => {
    const series = {
      start: at('2025-10-20T10:00:00+01:00'),
      end: at('2025-10-20T10:30:00+01:00'),
      rule: 'FREQ=WEEKLY;BYDAY=MO',
      timeZone: 'Europe/London',
    };
    const found = occurrencesBetween(series, at('2025-10-19T00:00:00Z'), at('2025-11-04T00:00:00Z'));
    assert.deepEqual(
      found.map((o) => o.start.toISOString()),
      ['2025-10-20T09:00:00.000Z', '2025-10-27T10:00:00.000Z', '2025-11-03T10:00:00.000Z'],
    );
  });

  it('finds the end of a series with COUNT or UNTIL, none without', () => {
    const base = { start: at('2025-09-22T10:00:00Z'), end: at('2025-09-22T11:00:00Z'), timeZone: 'UTC' };
    assert.equal(
      seriesEnd({ ...base, rule: 'FREQ=DAILY;COUNT=3' })?.toISOString(),
      '2025-09-24T11:00:00.000Z',
    );
    assert.equal(
      seriesEnd({ ...base, rule: 'FREQ=WEEKLY;UNTIL=20251006T235959Z' })?.toISOString(),
      '2025-10-06T11:00:00.000Z',
    );
    assert.equal(seriesEnd({ ...base, rule: 'FREQ=WEEKLY' }), null);
  });
});

for (const target of databaseTargets()) {
  describe(`recurring meetings, attendees and zones (${target.name})`, () => {
    let database: Database;
    let calendars: BuiltinCalendar;
    let cal: MeetingCalendar;
    let orgId: string;

    before(async () => {
      database = await target.open();
      calendars = new BuiltinCalendar({
        db: database.db,
        logger: silentLogger,
        clock: fixedClock('2025-09-19T09:00:00+05:30'),
        blocks: false,
      });
      orgId = (await createTestOrg(database.db)).id;
      cal = calendars.calendarFor(orgId);
    });
    after(() => database.close());

    it('lists every occurrence of a series and checks them for clashes', async () => {
      const standup = await cal.create(
        draft('standup', '2025-09-22T10:00:00+05:30', 15, 'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6'),
      );
      assert.equal(standup.meeting.recurrence, 'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6');
      const occurrences = await cal.list({
        from: at('2025-09-01T00:00:00Z'),
        to: at('2025-12-31T00:00:00Z'),
      });
      assert.deepEqual(
        occurrences.map((m) => m.start),
        [
          '2025-09-22T10:00:00+05:30',
          '2025-09-24T10:00:00+05:30',
          '2025-09-29T10:00:00+05:30',
          '2025-10-01T10:00:00+05:30',
          '2025-10-06T10:00:00+05:30',
          '2025-10-08T10:00:00+05:30',
        ],
      );
      assert.ok(occurrences.every((m) => m.meeting_id === standup.meeting.meeting_id));
      assert.deepEqual(
        (await cal.onDay('2025-10-01')).map((m) => m.title),
        ['standup'],
      );
      // A single meeting on an occurrence (not on the first one) clashes with that occurrence.
      const clash = await cal.create(draft('client call', '2025-10-01T10:10:00+05:30'));
      assert.deepEqual(
        clash.conflicts.map((m) => [m.title, m.start]),
        [['standup', '2025-10-01T10:00:00+05:30']],
      );
      // A new series clashes with the single meeting on one of its later occurrences.
      const review = await cal.create(
        draft('weekly review', '2025-09-17T10:00:00+05:30', 60, 'FREQ=WEEKLY;BYDAY=WE'),
      );
      assert.deepEqual(
        review.conflicts.map((m) => [m.title, m.start]),
        [
          ['standup', '2025-09-24T10:00:00+05:30'],
          ['standup', '2025-10-01T10:00:00+05:30'],
          ['client call', '2025-10-01T10:10:00+05:30'],
          ['standup', '2025-10-08T10:00:00+05:30'],
        ],
      );
      await cal.cancel(review.meeting.meeting_id);
      await cal.cancel(clash.meeting.meeting_id);
    });

    it('cancels one occurrence or the whole series', async () => {
      const [first] = await cal.onDay('2025-09-29');
      const id = first!.meeting_id;
      const one = await cal.cancel(id, { occurrenceStart: at('2025-09-29T10:00:00+05:30') });
      assert.equal(one.status, 'CANCELLED');
      assert.equal(one.start, '2025-09-29T10:00:00+05:30');
      // Twice is the same answer.
      assert.equal(
        (await cal.cancel(id, { occurrenceStart: at('2025-09-29T10:00:00+05:30') })).status,
        'CANCELLED',
      );
      assert.deepEqual(await cal.onDay('2025-09-29'), []);
      assert.equal((await cal.onDay('2025-10-01')).length, 1, 'the other occurrences stay');
      await assert.rejects(
        cal.cancel(id, { occurrenceStart: at('2025-09-30T10:00:00+05:30') }),
        isError('NOT_FOUND', 'occurrence_start'),
      );
      // One occurrence moves out of the series and becomes a meeting of its own.
      const moved = await cal.move(id, {
        start: at('2025-10-01T16:00:00+05:30'),
        occurrenceStart: at('2025-10-01T10:00:00+05:30'),
      });
      assert.notEqual(moved.meeting.meeting_id, id);
      assert.equal(moved.meeting.end, '2025-10-01T16:15:00+05:30');
      assert.deepEqual(
        (await cal.onDay('2025-10-01')).map((m) => m.start),
        ['2025-10-01T16:00:00+05:30'],
      );
      const series = await cal.cancel(id);
      assert.equal(series.status, 'CANCELLED');
      assert.deepEqual(
        (await cal.list({ from: at('2025-09-01T00:00:00Z'), to: at('2025-12-31T00:00:00Z') })).map(
          (m) => m.start,
        ),
        ['2025-10-01T16:00:00+05:30'],
      );
    });

    it('refuses a rule it cannot expand and attendees that are not addresses', async () => {
      await assert.rejects(
        cal.create(draft('x', '2025-10-02T10:00:00+05:30', 30, 'FREQ=WEEKLY;BYDAY=XX')),
        isError('VALIDATION_ERROR', 'recurrence'),
      );
      await assert.rejects(
        cal.create(draft('x', '2025-10-02T10:00:00+05:30', 30, 'FREQ=WEEKLY;COUNT=0')),
        isError('VALIDATION_ERROR', 'recurrence'),
      );
      await assert.rejects(
        cal.create({ ...draft('x', '2025-10-02T10:00:00+05:30'), attendees: ['Priya', '55555 55555'] }),
        isError('VALIDATION_ERROR', 'attendees.1'),
      );
      const ok = await cal.create({
        ...draft('intro', '2025-10-02T10:00:00+05:30'),
        attendees: ['Priya', 'Ravi@Example.COM', '98765 43210', 'ravi@example.com'],
        reminderMinutes: [10, 60, 10],
      });
      assert.deepEqual(ok.meeting.attendees, ['Priya', 'ravi@example.com', '+919876543210']);
      assert.deepEqual(ok.meeting.reminder_minutes, [60, 10]);
    });

    it('speaks and books in a person’s own time zone', async () => {
      await calendars.setUserTimeZone(orgId, 'Ravi@example.com', 'Europe/London');
      await assert.rejects(
        calendars.setUserTimeZone(orgId, 'ravi@example.com', 'Mars/Base'),
        isError('VALIDATION_ERROR', 'time_zone'),
      );
      const ravi = calendars.calendarFor(orgId, { user: 'ravi@example.com' });
      assert.equal(await ravi.timeZone(), 'Europe/London');
      const [intro] = await ravi.onDay('2025-10-02');
      assert.equal(intro!.start, '2025-10-02T05:30:00+01:00');
      const made = await ravi.create(
        draft('london lunch', '2025-10-03T12:00:00+01:00', 60, 'FREQ=DAILY;COUNT=2'),
      );
      assert.equal(made.meeting.time_zone, 'Europe/London');
      // The organisation sees the same instants in its own zone.
      assert.deepEqual(
        (await cal.onDay('2025-10-04')).map((m) => m.start),
        ['2025-10-04T16:30:00+05:30'],
      );
    });
  });
}
