/**
 * People's own time zones: a person of an organisation (named as attendees are: an e-mail address, a phone or a
 * name) may live in another zone than the organisation; their calendar and feed then speak their zone.
 */
import type { Kysely } from 'kysely';
import { looksLikePhone } from '../core/meetings.ts';
import { normalisePhone } from '../core/phone.ts';
import type { Schema, Timestamp } from './schema.ts';

export interface CalendarUserTable {
  org_id: string;
  user_ref: string;
  time_zone: string;
  updated_at: Timestamp;
}

type CalendarUserSchema = Schema & { calendar_users: CalendarUserTable };

/** How a person is named, as attendees are stored: e-mail addresses lower-cased, phone numbers in E.164. */
export const userRef = (user: string): string => {
  const text = user.trim();
  if (text.includes('@')) return text.toLowerCase();
  if (looksLikePhone(text)) return normalisePhone(text)?.e164 ?? text;
  return text;
};

export class CalendarUserRepository {
  readonly #db: Kysely<CalendarUserSchema>;

  constructor(db: Kysely<Schema>) {
    this.#db = db.withTables<{ calendar_users: CalendarUserTable }>();
  }

  async timeZone(orgId: string, user: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('calendar_users')
      .select('time_zone')
      .where('org_id', '=', orgId)
      .where('user_ref', '=', userRef(user))
      .executeTakeFirst();
    return row?.time_zone;
  }

  async setTimeZone(orgId: string, user: string, timeZone: string, at: Date): Promise<void> {
    await this.#db
      .insertInto('calendar_users')
      .values({ org_id: orgId, user_ref: userRef(user), time_zone: timeZone, updated_at: at })
      .onConflict((oc) =>
        oc.columns(['org_id', 'user_ref']).doUpdateSet({ time_zone: timeZone, updated_at: at }),
      )
      .execute();
  }
}
