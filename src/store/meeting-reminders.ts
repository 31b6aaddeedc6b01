/**
 * Reminders due for meeting occurrences: one row per (meeting, occurrence, minutes before, recipient), so planning
 * the same reminder twice (two instances, two rounds) inserts it once. Sending claims rows with FOR UPDATE SKIP
 * LOCKED and a lease: instances running together take different rows, and a row whose sender died is taken again
 * once its lease ends.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Schema, Timestamp } from './schema.ts';

export const REMINDER_STATUSES = ['PENDING', 'SENT', 'FAILED', 'SKIPPED'] as const;
export type ReminderStatus = (typeof REMINDER_STATUSES)[number];

export interface MeetingReminderTable {
  id: string;
  org_id: string;
  meeting_id: string;
  occurrence_start: Timestamp;
  minutes_before: number;
  channel: string;
  recipient: string;
  remind_at: Timestamp;
  status: ReminderStatus;
  attempts: number;
  claimed_until: Timestamp | null;
  sent_at: Timestamp | null;
  last_error: string | null;
  created_at: Timestamp;
}

export type MeetingReminderRow = Selectable<MeetingReminderTable>;
export type NewReminder = Omit<
  MeetingReminderRow,
  'status' | 'attempts' | 'claimed_until' | 'sent_at' | 'last_error'
>;

type ReminderSchema = Schema & { meeting_reminders: MeetingReminderTable };

export class MeetingReminderRepository {
  readonly #db: Kysely<ReminderSchema>;

  constructor(db: Kysely<Schema>) {
    this.#db = db.withTables<{ meeting_reminders: MeetingReminderTable }>();
  }

  /** Plans reminders; ones already planned are left as they are. Returns how many are new. */
  async plan(rows: NewReminder[]): Promise<number> {
    if (rows.length === 0) return 0;
    const inserted = await this.#db
      .insertInto('meeting_reminders')
      .values(rows.map((r) => ({ ...r, status: 'PENDING' as const, attempts: 0 })))
      .onConflict((oc) =>
        oc.columns(['meeting_id', 'occurrence_start', 'minutes_before', 'recipient']).doNothing(),
      )
      .returning('id')
      .execute();
    return inserted.length;
  }

  /**
   * Takes up to `limit` due reminders for `leaseMs`: rows another instance holds (locked now, or leased and not
   * expired) are skipped. Each claim counts as an attempt.
   */
  async claimDue(now: Date, leaseMs: number, limit: number): Promise<MeetingReminderRow[]> {
    const until = new Date(now.getTime() + leaseMs);
    const { rows } = await sql<MeetingReminderRow>`
      update meeting_reminders set claimed_until = ${until}, attempts = attempts + 1
      where id in (
        select id from meeting_reminders
        where status = 'PENDING' and remind_at <= ${now}
          and (claimed_until is null or claimed_until <= ${now})
        order by remind_at, id
        limit ${limit}
        for update skip locked
      )
      returning *`.execute(this.#db);
    return rows.map((r) => ({
      ...r,
      // The raw query returns timestamps as the driver parses them; both give Dates.
      occurrence_start: new Date(r.occurrence_start),
      remind_at: new Date(r.remind_at),
    }));
  }

  async finish(id: string, status: ReminderStatus, at: Date, error: string | null = null): Promise<void> {
    await this.#db
      .updateTable('meeting_reminders')
      .set({
        status,
        claimed_until: null,
        last_error: error,
        ...(status === 'SENT' ? { sent_at: at } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  /** A failed try: the row stays pending and is taken again at `retryAt`. */
  async retryAt(id: string, retryAt: Date, error: string): Promise<void> {
    await this.#db
      .updateTable('meeting_reminders')
      .set({ claimed_until: retryAt, last_error: error })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Forgets reminders of occurrences that started before `cutoff`, whatever their status: planning only looks at
   * occurrences still to come, so a forgotten row is never planned (and sent) again.
   */
  async purgeOccurrencesBefore(cutoff: Date): Promise<number> {
    const result = await this.#db
      .deleteFrom('meeting_reminders')
      .where('occurrence_start', '<', cutoff)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async forMeeting(meetingId: string): Promise<MeetingReminderRow[]> {
    return this.#db
      .selectFrom('meeting_reminders')
      .selectAll()
      .where('meeting_id', '=', meetingId)
      .orderBy('remind_at')
      .orderBy('recipient')
      .execute();
  }
}
