/**
 * iCalendar feeds: a secret subscribe URL per organisation, or per person of it. The token is the only secret and
 * is stored as SHA-256, like API keys; a feed is revoked by id, after which its URL answers 404.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Schema, Timestamp } from './schema.ts';

export interface CalendarFeedTable {
  id: string;
  org_id: string;
  user_ref: string | null;
  token_hash: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
}

export type CalendarFeedRow = Selectable<CalendarFeedTable>;
type FeedSchema = Schema & { calendar_feeds: CalendarFeedTable };

export const hashFeedToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Tokens carry 256 random bits, URL-safe. */
const FEED_TOKEN = /^rcal_[A-Za-z0-9_-]{43}$/;

export class CalendarFeedRepository {
  readonly #db: Kysely<FeedSchema>;

  constructor(db: Kysely<Schema>) {
    this.#db = db.withTables<{ calendar_feeds: CalendarFeedTable }>();
  }

  /** A new feed; the returned token is the only copy of it. */
  async create(
    orgId: string,
    userRef: string | null,
    at: Date,
  ): Promise<{ feed: CalendarFeedRow; token: string }> {
    const token = `rcal_${randomBytes(32).toString('base64url')}`;
    const feed = await this.#db
      .insertInto('calendar_feeds')
      .values({
        id: randomUUID(),
        org_id: orgId,
        user_ref: userRef,
        token_hash: hashFeedToken(token),
        created_at: at,
        revoked_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { feed, token };
  }

  /** The live feed a token opens, if any. */
  async findByToken(token: string): Promise<CalendarFeedRow | undefined> {
    if (!FEED_TOKEN.test(token)) return undefined;
    return this.#db
      .selectFrom('calendar_feeds')
      .selectAll()
      .where('token_hash', '=', hashFeedToken(token))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
  }

  async list(orgId: string): Promise<CalendarFeedRow[]> {
    return this.#db
      .selectFrom('calendar_feeds')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('created_at')
      .execute();
  }

  /** Revokes a feed of the organisation; undefined when it has none with that id. */
  async revoke(orgId: string, id: string, at: Date): Promise<CalendarFeedRow | undefined> {
    return this.#db
      .updateTable('calendar_feeds')
      .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)) }))
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }
}
