/**
 * The built-in calendar: meetings in the organisation's own database, behind the MeetingCalendar port. Overlaps
 * are found and returned with every write (the meeting is still written: people do double-book, and the
 * assistant says so). Each committed write is shown in the log as a block, like the CRM's.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { WriteOptions } from '../../core/crm.ts';
import { RoomanError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { Meeting, MeetingCalendar, MeetingDraft, MeetingWrite } from '../../core/meetings.ts';
import { type Clock, startOfZonedDay, systemClock, toZonedIso } from '../../core/time.ts';
import { hashRequest, IdempotencyKeyRepository } from '../../store/idempotency.ts';
import { MeetingRepository, type MeetingRow } from '../../store/meetings.ts';
import { type Organisation, organisationLookup } from '../../store/organisations.ts';
import type { Schema } from '../../store/schema.ts';
import { meetingBlock } from './meeting-blocks.ts';

export interface BuiltinCalendarOptions {
  db: Kysely<Schema>;
  logger: Logger;
  clock?: Clock;
  /** Log a block per committed write (config `csvLogs`, which also governs the CRM's blocks). */
  blocks?: boolean;
}

const meetingNotFound = () => new RoomanError('NOT_FOUND', 'Meeting not found', { field: 'meeting_id' });

export function toMeeting(row: MeetingRow): Meeting {
  const tz = row.time_zone;
  return {
    meeting_id: row.id,
    title: row.title,
    start: toZonedIso(row.start_at, tz),
    end: toZonedIso(row.end_at, tz),
    time_zone: tz,
    attendees: row.attendees,
    recurrence: row.recurrence,
    status: row.status,
    created_at: toZonedIso(row.created_at, tz, true),
    updated_at: toZonedIso(row.updated_at, tz, true),
  };
}

/** The instant a local day starts in `tz` (kept here for callers of the calendar). */
export const startOfDay = startOfZonedDay;

/** The day after `ymd`. */
export const nextDay = (ymd: string): string =>
  new Date(Date.parse(`${ymd}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

export class BuiltinCalendar {
  readonly #db: Kysely<Schema>;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #blocks: boolean;
  readonly #org: (orgId: string) => Promise<Organisation>;

  constructor(options: BuiltinCalendarOptions) {
    this.#db = options.db;
    this.#org = organisationLookup(options.db);
    this.#logger = options.logger.child({ component: 'calendar' });
    this.#clock = options.clock ?? systemClock;
    this.#blocks = options.blocks ?? true;
  }

  /** The MeetingCalendar port for one organisation. */
  calendarFor(orgId: string): MeetingCalendar {
    return {
      create: (draft, options) => this.create(orgId, draft, options),
      list: async ({ from, to, title, limit }) => {
        const org = await this.#org(orgId);
        const rows = await new MeetingRepository(this.#db).listOverlapping(org.id, {
          from,
          to,
          title,
          limit,
        });
        return rows.map(toMeeting);
      },
      onDay: async (date) => {
        const org = await this.#org(orgId);
        const from = startOfDay(date, org.timeZone);
        const to = startOfDay(nextDay(date), org.timeZone);
        // Meetings that start on the day: one running over from the night before belongs to that night.
        const rows = await new MeetingRepository(this.#db).listOverlapping(org.id, { from, to });
        return rows.filter((r) => r.start_at.getTime() >= from.getTime()).map(toMeeting);
      },
      startingAt: async (at) => {
        const org = await this.#org(orgId);
        return (await new MeetingRepository(this.#db).startingAt(org.id, at)).map(toMeeting);
      },
      get: async (meetingId) => {
        const org = await this.#org(orgId);
        const row = await new MeetingRepository(this.#db).findById(org.id, meetingId);
        return row ? toMeeting(row) : null;
      },
      move: (meetingId, to) => this.move(orgId, meetingId, to),
      cancel: (meetingId) => this.cancel(orgId, meetingId),
      timeZone: async () => (await this.#org(orgId)).timeZone,
    };
  }

  async create(orgId: string, draft: MeetingDraft, options: WriteOptions = {}): Promise<MeetingWrite> {
    options.signal?.throwIfAborted();
    const org = await this.#org(orgId);
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
        time_zone: org.timeZone,
        attendees: draft.attendees,
        recurrence: draft.recurrence,
        created_at: now,
      });
      const conflicts = await repo.listOverlapping(org.id, {
        from: draft.start,
        to: draft.end,
        exceptId: id,
      });
      return { meeting: toMeeting(row), conflicts: conflicts.map(toMeeting) };
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
        const conflicts = await new MeetingRepository(this.#db).listOverlapping(org.id, {
          from: row.start_at,
          to: row.end_at,
          exceptId: row.id,
        });
        return { meeting: toMeeting(row), conflicts: conflicts.map(toMeeting) };
      }
    }
    this.#log('calendar.meeting_scheduled', '📅 MEETING SCHEDULED', written);
    return written;
  }

  async move(orgId: string, meetingId: string, to: { start: Date; end?: Date }): Promise<MeetingWrite> {
    const org = await this.#org(orgId);
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
      const row = (await repo.move(org.id, meetingId, to.start, end, now))!;
      const conflicts = await repo.listOverlapping(org.id, { from: to.start, to: end, exceptId: meetingId });
      return { meeting: toMeeting(row), conflicts: conflicts.map(toMeeting) };
    });
    this.#log('calendar.meeting_moved', '🔁 MEETING RESCHEDULED', written);
    return written;
  }

  async cancel(orgId: string, meetingId: string): Promise<Meeting> {
    const org = await this.#org(orgId);
    const repo = new MeetingRepository(this.#db);
    const current = await repo.findById(org.id, meetingId);
    if (!current) throw meetingNotFound();
    // Cancelling twice is not an error: a retried turn must get the same answer.
    const row =
      current.status === 'CANCELLED'
        ? current
        : (await repo.setStatus(org.id, meetingId, 'CANCELLED', this.#clock.now()))!;
    const meeting = toMeeting(row);
    this.#log('calendar.meeting_cancelled', '❌ MEETING CANCELLED', { meeting, conflicts: [] });
    return meeting;
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
