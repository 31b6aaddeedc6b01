/**
 * The built-in calendar with recurrence expanded on read, on an in-memory PGlite: an organisation with 300 single
 * meetings and 60 recurring series (weekly and daily, some endless). Measures, in milliseconds (p50/p90/p99):
 * listing a week (every occurrence), a day, creating a meeting (with its clash check over every occurrence),
 * creating a weekly series (clash check over its first six months), and writing the iCalendar feed.
 *
 *   node_modules/.bin/node bench/calendar.ts      prints the JSON result
 */
import { silentLogger } from '../src/core/logger.ts';
import { fixedClock } from '../src/core/time.ts';
import { BuiltinCalendar } from '../src/integrations/calendar/builtin-calendar.ts';
import { meetingsFeed } from '../src/integrations/calendar/ical-feed.ts';
import { IN_MEMORY, openDatabase } from '../src/store/database.ts';
import { MeetingRepository } from '../src/store/meetings.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { OrganisationRepository } from '../src/store/organisations.ts';
import type { BenchContext } from './run.ts';

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2));
  return { n: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

async function timed(n: number, op: (i: number) => Promise<unknown>, signal: AbortSignal) {
  const samples: number[] = [];
  for (let i = 0; i < n && !signal.aborted; i++) {
    const t0 = performance.now();
    await op(i);
    samples.push(performance.now() - t0);
  }
  return percentiles(samples);
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export async function benchCalendar(context: BenchContext, options: { runs?: number } = {}) {
  const runs = options.runs ?? 50;
  const database = await openDatabase({ dataDir: IN_MEMORY });
  try {
    await migrateToLatest(database.db);
    const org = await new OrganisationRepository(database.db).create({
      name: 'bench',
      slug: 'bench',
      timeZone: 'Europe/London',
    });
    const t0 = Date.parse('2025-10-01T08:00:00Z');
    const calendar = new BuiltinCalendar({
      db: database.db,
      logger: silentLogger,
      clock: fixedClock(new Date(t0)),
      blocks: false,
    });
    const cal = calendar.calendarFor(org.id);
    context.log('seeding 300 meetings and 60 series');
    for (let i = 0; i < 300; i++) {
      const start = new Date(t0 + (i % 60) * DAY + (8 + (i % 9)) * HOUR);
      await cal.create({
        title: `meeting ${i}`,
        start,
        end: new Date(start.getTime() + HOUR / 2),
        attendees: [`p${i}@example.com`],
        recurrence: null,
      });
    }
    for (let i = 0; i < 60; i++) {
      const start = new Date(t0 + (i % 7) * DAY + (9 + (i % 8)) * HOUR);
      const rule =
        i % 3 === 0 ? 'FREQ=DAILY;COUNT=200' : i % 3 === 1 ? 'FREQ=WEEKLY;BYDAY=MO,WE,FR' : 'FREQ=WEEKLY';
      await cal.create({
        title: `series ${i}`,
        start,
        end: new Date(start.getTime() + HOUR / 4),
        attendees: [],
        recurrence: rule,
        reminderMinutes: [10],
      });
    }
    const weekFrom = new Date(t0 + 14 * DAY);
    let occurrences = 0;
    const listWeek = await timed(
      runs,
      async () => {
        occurrences = (
          await cal.list({ from: weekFrom, to: new Date(weekFrom.getTime() + 7 * DAY), limit: 500 })
        ).length;
      },
      context.signal,
    );
    const listDay = await timed(runs, () => cal.onDay('2025-10-20'), context.signal);
    const createOne = await timed(
      runs,
      (i) =>
        cal.create({
          title: `new ${i}`,
          start: new Date(t0 + 20 * DAY + 10 * HOUR),
          end: new Date(t0 + 20 * DAY + 11 * HOUR),
          attendees: [],
          recurrence: null,
        }),
      context.signal,
    );
    const createSeries = await timed(
      Math.min(runs, 20),
      (i) =>
        cal.create({
          title: `new series ${i}`,
          start: new Date(t0 + 2 * DAY + 15 * HOUR),
          end: new Date(t0 + 2 * DAY + 16 * HOUR),
          attendees: [],
          recurrence: 'FREQ=WEEKLY;BYDAY=TU',
        }),
      context.signal,
    );
    const rows = await new MeetingRepository(database.db).forFeed(org.id, new Date(t0 - 90 * DAY));
    let bytes = 0;
    const feed = await timed(
      Math.min(runs, 20),
      async () => {
        bytes = meetingsFeed(rows, { name: 'bench', timeZone: 'Europe/London', now: new Date(t0) }).length;
      },
      context.signal,
    );
    return {
      setup: '300 meetings + 60 series (20 daily, 40 weekly) on in-memory PGlite',
      occurrences_in_week: occurrences,
      list_week_ms: listWeek,
      list_day_ms: listDay,
      create_meeting_ms: createOne,
      create_weekly_series_ms: createSeries,
      feed_ms: feed,
      feed_events: rows.length,
      feed_bytes: bytes,
    };
  } finally {
    await database.close();
  }
}

if (import.meta.main) {
  const result = await benchCalendar({
    log: (m) => process.stderr.write(`calendar: ${m}\n`),
    signal: new AbortController().signal,
  });
  console.log(JSON.stringify(result, null, 2));
}
