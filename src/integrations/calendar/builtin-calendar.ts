/**
 * The built-in calendar: meetings in the organisation's own database, behind the MeetingCalendar port. Overlaps
 * are found and returned with every write (the meeting is still written: people do double-book, and the
 * assistant says so). Each committed write is shown in the log as a block, like the CRM's.
 *
 * A recurring meeting is one row (a series); its occurrences are computed when read, so listings, conflicts,
 * reminders and feeds all see them. One occurrence can be cancelled or moved out of its series.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { WriteOptions } from '../../core/crm.ts';
import { RoomanError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import {
  looksLikePhone,
  type Meeting,
  type MeetingCalendar,
  type MeetingDraft,
  type MeetingWrite,
} from '../../core/meetings.ts';
import { normalisePhone } from '../../core/phone.ts';
import { type Clock, isValidTimeZone, startOfZonedDay, systemClock, toZonedIso } from '../../core/time.ts';
import { CalendarUserRepository } from '../../store/calendar-users.ts';
import { hashRequest, IdempotencyKeyRepository } from '../../store/idempotency.ts';
import { MeetingRepository, type MeetingRow } from '../../store/meetings.ts';
import { type Organisation, organisationLookup } from '../../store/organisations.ts';
import type { Schema } from '../../store/schema.ts';
import { meetingBlock } from './meeting-blocks.ts';
import {
  seriesEnd as computeSeriesEnd,
  firstOccurrences,
  isOccurrence,
  type Occurrence,
  occurrencesBetween,
  parseRule,
  type Series,
} from './recurrence.ts';

export interface BuiltinCalendarOptions {
  db: Kysely<Schema>;
  logger: Logger;
  clock?: Clock;
  /** Log a block per committed write (config `csvLogs`, which also governs the CRM's blocks). */
  blocks?: boolean;
  /** Told after every committed write (the Google sync pushes soon after). */
  onWrite?: (orgId: string) => void;
}

const meetingNotFound = () => new RoomanError('NOT_FOUND', 'Meeting not found', { field: 'meeting_id' });

export function toMeeting(row: MeetingRow, viewZone?: string, occurrence?: Occurrence): Meeting {
  const tz = viewZone ?? row.time_zone;
  const start = occurrence?.start ?? row.start_at;
  const end = occurrence?.end ?? row.end_at;
  return {
    meeting_id: row.id,
    title: row.title,
    start: toZonedIso(start, tz),
    end: toZonedIso(end, tz),
    time_zone: tz,
    attendees: row.attendees,
    recurrence: row.recurrence,
    status: row.status,
    created_at: toZonedIso(row.created_at, tz, true),
    updated_at: toZonedIso(row.updated_at, tz, true),
    ...(row.reminder_minutes?.length ? { reminder_minutes: row.reminder_minutes } : {}),
    ...(row.recurrence ? { series_start: toZonedIso(row.start_at, tz) } : {}),
  };
}

/** The series a recurring row describes. */
export const seriesOf = (row: MeetingRow): Series => ({
  start: row.start_at,
  end: row.end_at,
  rule: row.recurrence!,
  timeZone: row.time_zone,
  cancelled: new Set((row.cancelled_occurrences ?? []).map((iso) => Date.parse(iso))),
});

/** A row's occurrences overlapping [from, to): the meeting itself, or the series' occurrences. */
export function occurrencesOf(row: MeetingRow, from: Date, to: Date): Occurrence[] {
  if (!row.recurrence) {
    return row.end_at > from && row.start_at < to ? [{ start: row.start_at, end: row.end_at }] : [];
  }
  return occurrencesBetween(seriesOf(row), from, to);
}

/** Attendees as stored: e-mail addresses lower-cased, phone numbers in E.164, names as written; no repeats. */
export function normaliseAttendees(attendees: readonly string[]): string[] {
  const out: string[] = [];
  attendees.forEach((raw, i) => {
    const text = raw.trim();
    let value = text;
    if (text.includes('@')) {
      if (!z.email().safeParse(text).success) throw badAttendee(i, 'is not a valid e-mail address');
      value = text.toLowerCase();
    } else if (looksLikePhone(text)) {
      const phone = normalisePhone(text);
      if (!phone) throw badAttendee(i, 'is not a valid phone number');
      value = phone.e164;
    } else if (text === '') {
      throw badAttendee(i, 'must not be empty');
    }
    if (!out.includes(value)) out.push(value);
  });
  return out;
}

const badAttendee = (i: number, message: string) =>
  new RoomanError('VALIDATION_ERROR', `attendees.${i}: ${message}`, {
    field: `attendees.${i}`,
    issues: [{ field: `attendees.${i}`, message }],
  });

/** How far ahead a new series is checked for clashes, and in how many of its occurrences. */
const CONFLICT_HORIZON_MS = 183 * 86_400_000;
const CONFLICT_OCCURRENCES = 100;
const MAX_CONFLICTS = 20;

/** The instant a local day starts in `tz` (kept here for callers of the calendar). */
export const startOfDay = startOfZonedDay;

/** The day after `ymd`. */
export const nextDay = (ymd: string): string =>
  new Date(Date.parse(`${ymd}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

export interface CalendarView {
  /** A person of the organisation: their own time zone (when set) is the one meetings are shown and made in. */
  user?: string;
}

export class BuiltinCalendar {
  readonly #db: Kysely<Schema>;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #blocks: boolean;
  readonly #org: (orgId: string) => Promise<Organisation>;
  readonly #onWrite: ((orgId: string) => void) | undefined;

  constructor(options: BuiltinCalendarOptions) {
    this.#db = options.db;
    this.#org = organisationLookup(options.db);
    this.#logger = options.logger.child({ component: 'calendar' });
    this.#clock = options.clock ?? systemClock;
    this.#blocks = options.blocks ?? true;
    this.#onWrite = options.onWrite;
  }

  /** The MeetingCalendar port for one organisation, or for one person of it (their time zone). */
  calendarFor(orgId: string, view: CalendarView = {}): MeetingCalendar {
    return {
      create: (draft, options) => this.create(orgId, draft, options, view),
      list: async (range) => this.list(orgId, range, view),
      onDay: async (date) => {
        const tz = await this.timeZoneFor(orgId, view);
        const from = startOfDay(date, tz);
        const to = startOfDay(nextDay(date), tz);
        // Meetings that start on the day: one running over from the night before belongs to that night.
        const meetings = await this.#expanded(orgId, { from, to }, tz);
        return meetings.filter((m) => Date.parse(m.start) >= from.getTime());
      },
      startingAt: async (at) => {
        const tz = await this.timeZoneFor(orgId, view);
        const meetings = await this.#expanded(orgId, { from: at, to: new Date(at.getTime() + 1) }, tz);
        return meetings.filter((m) => Date.parse(m.start) === at.getTime());
      },
      get: async (meetingId) => {
        const org = await this.#org(orgId);
        const row = await new MeetingRepository(this.#db).findById(org.id, meetingId);
        return row ? toMeeting(row, await this.timeZoneFor(orgId, view)) : null;
      },
      move: (meetingId, to) => this.move(orgId, meetingId, to, view),
      cancel: (meetingId, options) => this.cancel(orgId, meetingId, options?.occurrenceStart, view),
      timeZone: () => this.timeZoneFor(orgId, view),
    };
  }

  /** The zone a view speaks: the person's own when set, else the organisation's. */
  async timeZoneFor(orgId: string, view: CalendarView = {}): Promise<string> {
    const org = await this.#org(orgId);
    if (view.user) {
      const own = await new CalendarUserRepository(this.#db).timeZone(org.id, view.user);
      if (own) return own;
    }
    return org.timeZone;
  }

  /** Sets a person's own time zone. */
  async setUserTimeZone(orgId: string, user: string, timeZone: string): Promise<void> {
    if (!isValidTimeZone(timeZone)) {
      throw new RoomanError(
        'VALIDATION_ERROR',
        'time_zone: must be an IANA time zone such as Europe/London',
        {
          field: 'time_zone',
        },
      );
    }
    const org = await this.#org(orgId);
    await new CalendarUserRepository(this.#db).setTimeZone(org.id, user, timeZone, this.#clock.now());
  }

  /** Confirmed meetings and occurrences overlapping [from, to), soonest first. */
  async list(
    orgId: string,
    range: { from: Date; to: Date; title?: string | undefined; limit?: number | undefined },
    view: CalendarView = {},
  ): Promise<Meeting[]> {
    const tz = await this.timeZoneFor(orgId, view);
    return (await this.#expanded(orgId, range, tz)).slice(0, range.limit ?? 200);
  }

  /** Every series and meeting row of the organisation that may show in [from, to) (for feeds and sync). */
  async rowsBetween(orgId: string, from: Date, to: Date): Promise<MeetingRow[]> {
    const org = await this.#org(orgId);
    return new MeetingRepository(this.#db).candidates(org.id, { from, to });
  }

  async #expanded(
    orgId: string,
    range: { from: Date; to: Date; title?: string | undefined; exceptId?: string },
    tz: string,
  ): Promise<Meeting[]> {
    const org = await this.#org(orgId);
    const rows = await new MeetingRepository(this.#db).candidates(org.id, range);
    return expandRows(rows, range.from, range.to).map(({ row, occurrence }) =>
      toMeeting(row, tz, occurrence),
    );
  }

  /** Other meetings' occurrences that overlap the occurrences of `subject` (a series: its first six months, up to 100 occurrences). */
  async #conflicts(db: Kysely<Schema>, orgId: string, subject: MeetingRow, tz: string): Promise<Meeting[]> {
    if (subject.status === 'CANCELLED') return [];
    const mine = subject.recurrence
      ? firstOccurrences(seriesOf(subject), CONFLICT_OCCURRENCES).filter(
          (o) => o.start.getTime() < subject.start_at.getTime() + CONFLICT_HORIZON_MS,
        )
      : [{ start: subject.start_at, end: subject.end_at }];
    if (mine.length === 0) return [];
    const from = mine[0]!.start;
    const to = mine.at(-1)!.end;
    const rows = await new MeetingRepository(db).candidates(orgId, { from, to, exceptId: subject.id });
    const found: { row: MeetingRow; occurrence: Occurrence }[] = [];
    // The subject's occurrences all have one length, so their ends are sorted like their starts: the first one
    // ending after an occurrence starts is the only one that can overlap it first.
    const ends = mine.map((m) => m.end.getTime());
    for (const { row, occurrence } of expandRows(rows, from, to)) {
      const start = occurrence.start.getTime();
      let lo = 0;
      let hi = ends.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (ends[mid]! > start) hi = mid;
        else lo = mid + 1;
      }
      if (lo < mine.length && mine[lo]!.start.getTime() < occurrence.end.getTime())
        found.push({ row, occurrence });
      if (found.length >= MAX_CONFLICTS) break;
    }
    return found.map(({ row, occurrence }) => toMeeting(row, tz, occurrence));
  }

  /** Checks and normalises a draft: a rule that expands, attendees that are addresses, reminders without repeats. */
  #checked(draft: MeetingDraft, tz: string) {
    if (draft.end.getTime() <= draft.start.getTime()) {
      throw new RoomanError('VALIDATION_ERROR', 'end: must be after start', { field: 'end' });
    }
    const attendees = normaliseAttendees(draft.attendees);
    const reminders = [...new Set(draft.reminderMinutes ?? [])].sort((a, b) => b - a);
    let seriesEnd: Date | null = draft.end;
    if (draft.recurrence) {
      parseRule(draft.recurrence);
      seriesEnd = computeSeriesEnd({
        start: draft.start,
        end: draft.end,
        rule: draft.recurrence,
        timeZone: tz,
      });
    }
    return { attendees, reminders, seriesEnd };
  }

  async create(
    orgId: string,
    draft: MeetingDraft,
    options: WriteOptions = {},
    view: CalendarView = {},
  ): Promise<MeetingWrite> {
    options.signal?.throwIfAborted();
    const org = await this.#org(orgId);
    const tz = await this.timeZoneFor(orgId, view);
    const checked = this.#checked(draft, tz);
    const now = this.#clock.now();
    const id = randomUUID();
    const write = async (db: Kysely<Schema>) => {
      const repo = new MeetingRepository(db);
      const row = await repo.insert({
        id,
        org_id: org.id,
        title: draft.title,
        start_at: draft.start,
        end_at: draft.end,
        time_zone: tz,
        attendees: checked.attendees,
        recurrence: draft.recurrence,
        reminder_minutes: checked.reminders,
        series_end_at: checked.seriesEnd,
        created_at: now,
      });
      return { meeting: toMeeting(row, tz), conflicts: await this.#conflicts(db, org.id, row, tz) };
    };
    let written: MeetingWrite;
    if (options.idempotencyKey === undefined) {
      written = await write(this.#db);
    } else {
      const key = options.idempotencyKey;
      const request = { ...draft, start: draft.start.toISOString(), end: draft.end.toISOString() };
      const replay = await this.#db.transaction().execute(async (trx) => {
        const keys = new IdempotencyKeyRepository(trx);
        const claimed = await keys.claim({
          orgId: org.id,
          scope: 'calendar.create',
          key,
          requestHash: hashRequest(request),
          responseStatus: 201,
          responseBody: { meeting_id: id },
          now,
        });
        if (claimed) return { written: await write(trx) };
        return { stored: await keys.find(org.id, 'calendar.create', key) };
      });
      if ('written' in replay && replay.written) {
        written = replay.written;
      } else {
        const stored = 'stored' in replay ? replay.stored : undefined;
        if (!stored || stored.requestHash !== hashRequest(request)) {
          throw new RoomanError('CONFLICT', 'This idempotency key was already used for a different meeting');
        }
        const meetingId = (stored.body as { meeting_id: string }).meeting_id;
        const row = await new MeetingRepository(this.#db).findById(org.id, meetingId);
        if (!row) throw meetingNotFound();
        return { meeting: toMeeting(row, tz), conflicts: await this.#conflicts(this.#db, org.id, row, tz) };
      }
    }
    this.#changed(org.id);
    this.#log('calendar.meeting_scheduled', '📅 MEETING SCHEDULED', written);
    return written;
  }

  async move(
    orgId: string,
    meetingId: string,
    to: { start: Date; end?: Date; occurrenceStart?: Date },
    view: CalendarView = {},
  ): Promise<MeetingWrite> {
    const org = await this.#org(orgId);
    const tz = await this.timeZoneFor(orgId, view);
    const now = this.#clock.now();
    const written = await this.#db.transaction().execute(async (trx) => {
      const repo = new MeetingRepository(trx);
      const current = await repo.findById(org.id, meetingId);
      if (!current || current.status === 'CANCELLED') throw meetingNotFound();
      const length = current.end_at.getTime() - current.start_at.getTime();
      const end = to.end ?? new Date(to.start.getTime() + length);
      if (end.getTime() <= to.start.getTime()) {
        throw new RoomanError('VALIDATION_ERROR', 'end: must be after start', { field: 'end' });
      }
      if (to.occurrenceStart && current.recurrence) {
        // One occurrence moves: it leaves the series and becomes a meeting of its own.
        const occurrence = this.#occurrence(current, to.occurrenceStart);
        await repo.update(
          org.id,
          meetingId,
          {
            cancelled_occurrences: [...current.cancelled_occurrences, occurrence.toISOString()],
            google_dirty: true,
          },
          now,
        );
        const row = await repo.insert({
          id: randomUUID(),
          org_id: org.id,
          title: current.title,
          start_at: to.start,
          end_at: end,
          time_zone: current.time_zone,
          attendees: current.attendees,
          recurrence: null,
          reminder_minutes: current.reminder_minutes,
          series_end_at: end,
          created_at: now,
        });
        return { meeting: toMeeting(row, tz), conflicts: await this.#conflicts(trx, org.id, row, tz) };
      }
      const seriesEnd = current.recurrence
        ? computeSeriesEnd({ start: to.start, end, rule: current.recurrence, timeZone: current.time_zone })
        : end;
      const row = (await repo.update(
        org.id,
        meetingId,
        // Cancelled occurrences belonged to the old times.
        {
          start_at: to.start,
          end_at: end,
          series_end_at: seriesEnd,
          cancelled_occurrences: [],
          google_dirty: true,
        },
        now,
      ))!;
      return { meeting: toMeeting(row, tz), conflicts: await this.#conflicts(trx, org.id, row, tz) };
    });
    this.#changed(org.id);
    this.#log('calendar.meeting_moved', '🔁 MEETING RESCHEDULED', written);
    return written;
  }

  /** Changes what a meeting is (title, attendees, reminders, recurrence); times change with `move`. */
  async update(
    orgId: string,
    meetingId: string,
    changes: { title?: string; attendees?: string[]; reminderMinutes?: number[]; recurrence?: string | null },
    view: CalendarView = {},
  ): Promise<MeetingWrite> {
    const org = await this.#org(orgId);
    const tz = await this.timeZoneFor(orgId, view);
    const written = await this.#db.transaction().execute(async (trx) => {
      const repo = new MeetingRepository(trx);
      const current = await repo.findById(org.id, meetingId);
      if (!current || current.status === 'CANCELLED') throw meetingNotFound();
      const recurrence = changes.recurrence === undefined ? current.recurrence : changes.recurrence;
      const checked = this.#checked(
        {
          title: changes.title ?? current.title,
          start: current.start_at,
          end: current.end_at,
          attendees: changes.attendees ?? current.attendees,
          recurrence,
          reminderMinutes: changes.reminderMinutes ?? current.reminder_minutes,
        },
        current.time_zone,
      );
      const row = (await repo.update(
        org.id,
        meetingId,
        {
          ...(changes.title !== undefined ? { title: changes.title } : {}),
          attendees: checked.attendees,
          reminder_minutes: checked.reminders,
          recurrence,
          series_end_at: checked.seriesEnd,
          ...(recurrence !== current.recurrence ? { cancelled_occurrences: [] } : {}),
          google_dirty: true,
        },
        this.#clock.now(),
      ))!;
      return { meeting: toMeeting(row, tz), conflicts: await this.#conflicts(trx, org.id, row, tz) };
    });
    this.#changed(org.id);
    this.#log('calendar.meeting_updated', '✏️ MEETING UPDATED', written);
    return written;
  }

  /** The occurrence of a series starting at `at`, or a NOT_FOUND naming the field. */
  #occurrence(row: MeetingRow, at: Date): Date {
    if (!isOccurrence(seriesOf(row), at)) {
      throw new RoomanError('NOT_FOUND', 'The meeting has no occurrence starting then', {
        field: 'occurrence_start',
      });
    }
    return at;
  }

  async cancel(
    orgId: string,
    meetingId: string,
    occurrenceStart?: Date,
    view: CalendarView = {},
  ): Promise<Meeting> {
    const org = await this.#org(orgId);
    const tz = await this.timeZoneFor(orgId, view);
    const repo = new MeetingRepository(this.#db);
    const current = await repo.findById(org.id, meetingId);
    if (!current) throw meetingNotFound();
    const now = this.#clock.now();
    let meeting: Meeting;
    if (occurrenceStart && current.recurrence && current.status !== 'CANCELLED') {
      const at = this.#occurrence(current, occurrenceStart);
      const cancelled = new Set(current.cancelled_occurrences.map((iso) => Date.parse(iso)));
      // Cancelling twice is not an error: a retried turn must get the same answer.
      const row = cancelled.has(at.getTime())
        ? current
        : (await repo.update(
            org.id,
            meetingId,
            {
              cancelled_occurrences: [...current.cancelled_occurrences, at.toISOString()],
              google_dirty: true,
            },
            now,
          ))!;
      const length = row.end_at.getTime() - row.start_at.getTime();
      meeting = {
        ...toMeeting(row, tz, { start: at, end: new Date(at.getTime() + length) }),
        status: 'CANCELLED',
      };
    } else {
      const row =
        current.status === 'CANCELLED'
          ? current
          : (await repo.update(org.id, meetingId, { status: 'CANCELLED', google_dirty: true }, now))!;
      meeting = toMeeting(row, tz);
    }
    this.#changed(org.id);
    this.#log('calendar.meeting_cancelled', '❌ MEETING CANCELLED', { meeting, conflicts: [] });
    return meeting;
  }

  #changed(orgId: string): void {
    try {
      this.#onWrite?.(orgId);
    } catch (error) {
      this.#logger.warn({ err: error }, 'calendar: change listener failed');
    }
  }

  #log(event: string, title: string, written: MeetingWrite): void {
    if (!this.#blocks) return;
    const { meeting } = written;
    this.#logger.info(
      { event, meeting_id: meeting.meeting_id, conflicts: written.conflicts.length },
      meetingBlock(title, meeting, written.conflicts),
    );
  }
}

/** Every occurrence of `rows` overlapping [from, to), soonest first (ties by id). */
export function expandRows(
  rows: readonly MeetingRow[],
  from: Date,
  to: Date,
): { row: MeetingRow; occurrence: Occurrence }[] {
  const all = rows.flatMap((row) => occurrencesOf(row, from, to).map((occurrence) => ({ row, occurrence })));
  return all.sort(
    (a, b) => a.occurrence.start.getTime() - b.occurrence.start.getTime() || a.row.id.localeCompare(b.row.id),
  );
}
