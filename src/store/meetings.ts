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
        status: 'CONFIRMED',
        updated_at: row.created_at,
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
