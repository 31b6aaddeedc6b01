/**
 * Meetings of the built-in calendar, org-scoped. The tables are added to the typed schema here (Kysely's
 * withTables), next to the queries that use them.
 */
import { type ColumnType, type Kysely, type Selectable, sql } from 'kysely';
import type { MeetingStatus } from '../core/meetings.ts';
import { escapeLike } from './leads.ts';
import type { Schema, Timestamp } from './schema.ts';

export interface MeetingTable {
  id: string;
  org_id: string;
  title: string;
  start_at: Timestamp;
  end_at: Timestamp;
  time_zone: string;
  /** jsonb array of names / e-mail addresses: read as a value, written as JSON text. */
  attendees: ColumnType<string[], string, string>;
  recurrence: string | null;
  status: MeetingStatus;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** jsonb array of minutes before the start (migration 0007). */
  reminder_minutes: ColumnType<number[], string | undefined, string>;
  /** jsonb array of ISO instants: original starts of occurrences cancelled out of a series. */
  cancelled_occurrences: ColumnType<string[], string | undefined, string>;
  /** End of the last occurrence; null for a series without an end. */
  series_end_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  google_event_id: ColumnType<string | null, string | null | undefined, string | null>;
  google_dirty: ColumnType<boolean, boolean | undefined, boolean>;
}

export type MeetingRow = Selectable<MeetingTable>;
export interface NewMeetingRow {
  id: string;
  org_id: string;
  title: string;
  start_at: Date;
  end_at: Date;
  time_zone: string;
  attendees: string[];
  recurrence: string | null;
  created_at: Date;
  reminder_minutes?: number[];
  series_end_at: Date | null;
  google_event_id?: string | null;
  /** Whether Google (when connected) still has to be told; default true. */
  google_dirty?: boolean;
  status?: MeetingStatus;
  updated_at?: Date;
}

/** What a write may change in a meeting. */
export interface MeetingChanges {
  title?: string;
  start_at?: Date;
  end_at?: Date;
  time_zone?: string;
  attendees?: string[];
  recurrence?: string | null;
  series_end_at?: Date | null;
  reminder_minutes?: number[];
  cancelled_occurrences?: string[];
  status?: MeetingStatus;
  google_event_id?: string | null;
  google_dirty?: boolean;
}

export interface MeetingFilter {
  /** Meetings ending after this instant… */
  from: Date;
  /** …and starting before this one (overlap with [from, to)). */
  to: Date;
  /** Case-insensitive substring of the title. */
  title?: string | undefined;
  /** Leave this meeting out (a meeting does not conflict with itself). */
  exceptId?: string | undefined;
  limit?: number | undefined;
}

export class MeetingRepository {
  readonly #db: Kysely<Schema & { meetings: MeetingTable }>;

  /** `db` may be a transaction. */
  constructor(db: Kysely<Schema>) {
    this.#db = db.withTables<{ meetings: MeetingTable }>();
  }

  async insert(row: NewMeetingRow): Promise<MeetingRow> {
    return this.#db
      .insertInto('meetings')
      .values({
        ...row,
        attendees: JSON.stringify(row.attendees),
        reminder_minutes: JSON.stringify(row.reminder_minutes ?? []),
        status: row.status ?? 'CONFIRMED',
        updated_at: row.updated_at ?? row.created_at,
        google_dirty: row.google_dirty ?? true,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async findById(orgId: string, id: string): Promise<MeetingRow | undefined> {
    return this.#db
      .selectFrom('meetings')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Confirmed meetings overlapping [from, to), soonest first. */
  async listOverlapping(orgId: string, filter: MeetingFilter): Promise<MeetingRow[]> {
    let query = this.#db
      .selectFrom('meetings')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('status', '=', 'CONFIRMED')
      .where('end_at', '>', filter.from)
      .where('start_at', '<', filter.to);
    if (filter.title) query = query.where('title', 'ilike', `%${escapeLike(filter.title)}%`);
    if (filter.exceptId) query = query.where('id', '<>', filter.exceptId);
    return query
      .orderBy('start_at', 'asc')
      .orderBy('id', 'asc')
      .limit(filter.limit ?? 200)
      .execute();
  }

  /**
   * Confirmed meetings and series that may overlap [from, to): single meetings that do, and series that start
   * before `to` and have not ended by `from` (their occurrences are computed by the caller).
   */
  async candidates(
    orgId: string,
    filter: { from: Date; to: Date; title?: string | undefined; exceptId?: string | undefined },
  ): Promise<MeetingRow[]> {
    let query = this.#db
      .selectFrom('meetings')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('status', '=', 'CONFIRMED')
      .where('start_at', '<', filter.to)
      .where((eb) =>
        eb.or([
          eb.and([eb('recurrence', 'is', null), eb('end_at', '>', filter.from)]),
          eb.and([
            eb('recurrence', 'is not', null),
            eb.or([eb('series_end_at', 'is', null), eb('series_end_at', '>', filter.from)]),
          ]),
        ]),
      );
    if (filter.title) query = query.where('title', 'ilike', `%${escapeLike(filter.title)}%`);
    if (filter.exceptId) query = query.where('id', '<>', filter.exceptId);
    return query.orderBy('start_at', 'asc').orderBy('id', 'asc').limit(5000).execute();
  }

  /** Changes a meeting; `updated_at` is `at`. JSON columns are written as text. */
  async update(
    orgId: string,
    id: string,
    changes: MeetingChanges,
    at: Date,
  ): Promise<MeetingRow | undefined> {
    const { attendees, reminder_minutes, cancelled_occurrences, ...plain } = changes;
    return this.#db
      .updateTable('meetings')
      .set({
        ...plain,
        ...(attendees ? { attendees: JSON.stringify(attendees) } : {}),
        ...(reminder_minutes ? { reminder_minutes: JSON.stringify(reminder_minutes) } : {}),
        ...(cancelled_occurrences ? { cancelled_occurrences: JSON.stringify(cancelled_occurrences) } : {}),
        updated_at: at,
      })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async findByGoogleEventId(orgId: string, eventId: string): Promise<MeetingRow | undefined> {
    return this.#db
      .selectFrom('meetings')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('google_event_id', '=', eventId)
      .executeTakeFirst();
  }

  /** Meetings (cancelled ones too) whose change Google has not been told of yet. */
  async googleDirty(orgId: string, limit = 100): Promise<MeetingRow[]> {
    return this.#db
      .selectFrom('meetings')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('google_dirty', '=', true)
      .orderBy('updated_at')
      .limit(limit)
      .execute();
  }

  /**
   * Marks a meeting as told to Google (with the event id Google gave it), unless it changed again since `seen`:
   * then it stays to be pushed.
   */
  async markPushed(orgId: string, id: string, eventId: string | null, seen: Date): Promise<void> {
    await this.#db
      .updateTable('meetings')
      .set((eb) => ({
        ...(eventId ? { google_event_id: eventId } : {}),
        google_dirty: eb.case().when('updated_at', '>', seen).then(true).else(false).end(),
      }))
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }

  /** Confirmed series and meetings with reminders, which may have an occurrence starting in [from, to). */
  async withReminders(from: Date, to: Date, limit = 5000): Promise<MeetingRow[]> {
    return this.#db
      .selectFrom('meetings')
      .selectAll()
      .where('status', '=', 'CONFIRMED')
      .where(sql<boolean>`jsonb_array_length(reminder_minutes) > 0`)
      .where('start_at', '<', to)
      .where((eb) => eb.or([eb('series_end_at', 'is', null), eb('series_end_at', '>', from)]))
      .orderBy('start_at')
      .limit(limit)
      .execute();
  }

  /** Confirmed meetings and series not over by `from`; with `attendee`, only the ones that person attends. */
  async forFeed(orgId: string, from: Date, attendee?: string | null): Promise<MeetingRow[]> {
    let query = this.#db
      .selectFrom('meetings')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('status', '=', 'CONFIRMED')
      .where((eb) => eb.or([eb('series_end_at', 'is', null), eb('series_end_at', '>', from)]));
    if (attendee) query = query.where(sql<boolean>`attendees @> ${JSON.stringify([attendee])}::jsonb`);
    return query.orderBy('start_at').limit(5000).execute();
  }

  /** Confirmed meetings starting exactly at `at`. */
  async startingAt(orgId: string, at: Date): Promise<MeetingRow[]> {
    return this.#db
      .selectFrom('meetings')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('status', '=', 'CONFIRMED')
      .where('start_at', '=', at)
      .orderBy('id')
      .execute();
  }

  async move(orgId: string, id: string, start: Date, end: Date, at: Date): Promise<MeetingRow | undefined> {
    return this.#db
      .updateTable('meetings')
      .set({ start_at: start, end_at: end, updated_at: at })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async setStatus(
    orgId: string,
    id: string,
    status: MeetingStatus,
    at: Date,
  ): Promise<MeetingRow | undefined> {
    return this.#db
      .updateTable('meetings')
      .set({ status, updated_at: at })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async count(orgId: string, status: MeetingStatus = 'CONFIRMED'): Promise<number> {
    const row = await this.#db
      .selectFrom('meetings')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('org_id', '=', orgId)
      .where('status', '=', status)
      .executeTakeFirstOrThrow();
    return row.n;
  }
}
