/**
 * Google connections, one per organisation: the OAuth grant (tokens sealed by SecretBox, never stored plain), its
 * state (CONNECTED, or BROKEN with the reason once Google refuses the refresh token), and the calendar sync's
 * bookkeeping (the incremental sync token, when the next sync is due). The sync is claimed like a job row: FOR
 * UPDATE SKIP LOCKED moves `next_sync_at` ahead by a lease, so one instance syncs an organisation at a time.
 * OAuth `state` values are kept here too (hashed, one use, short-lived), so any instance can finish a flow that
 * another one started.
 */
import { type ColumnType, type Kysely, type Selectable, sql } from 'kysely';
import type { Schema, Timestamp } from './schema.ts';

export type GoogleConnectionStatus = 'CONNECTED' | 'BROKEN';

export interface GoogleConnectionTable {
  org_id: string;
  status: GoogleConnectionStatus;
  account_email: string | null;
  /** jsonb: read as a value, written as JSON text. */
  scopes: ColumnType<string[], string, string>;
  refresh_token: string;
  access_token: string | null;
  access_expires_at: Timestamp | null;
  broken_reason: string | null;
  calendar_id: string;
  sync_token: string | null;
  next_sync_at: Timestamp;
  last_synced_at: Timestamp | null;
  last_sync_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OAuthStateTable {
  state_hash: string;
  org_id: string;
  provider: string;
  scopes: ColumnType<string[], string, string>;
  code_verifier: string;
  expires_at: Timestamp;
}

export type GoogleConnectionRow = Selectable<GoogleConnectionTable>;
export type OAuthStateRow = Selectable<OAuthStateTable>;
type GoogleSchema = Schema & { google_connections: GoogleConnectionTable; oauth_states: OAuthStateTable };

export class GoogleConnectionRepository {
  readonly #db: Kysely<GoogleSchema>;

  constructor(db: Kysely<Schema>) {
    this.#db = db.withTables<{ google_connections: GoogleConnectionTable; oauth_states: OAuthStateTable }>();
  }

  async find(orgId: string): Promise<GoogleConnectionRow | undefined> {
    return this.#db
      .selectFrom('google_connections')
      .selectAll()
      .where('org_id', '=', orgId)
      .executeTakeFirst();
  }

  /** A new grant for the organisation (a reconnect replaces the old one and starts the sync afresh). */
  async connect(row: {
    orgId: string;
    accountEmail: string | null;
    scopes: string[];
    refreshToken: string;
    accessToken: string | null;
    accessExpiresAt: Date | null;
    at: Date;
  }): Promise<void> {
    const values = {
      status: 'CONNECTED' as const,
      account_email: row.accountEmail,
      scopes: JSON.stringify(row.scopes),
      refresh_token: row.refreshToken,
      access_token: row.accessToken,
      access_expires_at: row.accessExpiresAt,
      broken_reason: null,
      sync_token: null,
      next_sync_at: row.at,
      last_sync_error: null,
      updated_at: row.at,
    };
    await this.#db
      .insertInto('google_connections')
      .values({ org_id: row.orgId, calendar_id: 'primary', created_at: row.at, ...values })
      .onConflict((oc) => oc.column('org_id').doUpdateSet(values))
      .execute();
  }

  async saveAccessToken(orgId: string, sealed: string, expiresAt: Date | null, at: Date): Promise<void> {
    await this.#db
      .updateTable('google_connections')
      .set({ access_token: sealed, access_expires_at: expiresAt, updated_at: at })
      .where('org_id', '=', orgId)
      .execute();
  }

  async markBroken(orgId: string, reason: string, at: Date): Promise<void> {
    await this.#db
      .updateTable('google_connections')
      .set({ status: 'BROKEN', broken_reason: reason, access_token: null, updated_at: at })
      .where('org_id', '=', orgId)
      .execute();
  }

  async remove(orgId: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('google_connections')
      .where('org_id', '=', orgId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Takes up to `limit` connections whose sync is due, for `leaseMs`; rows held by another instance are skipped. */
  async claimDueSync(now: Date, leaseMs: number, limit: number): Promise<GoogleConnectionRow[]> {
    const until = new Date(now.getTime() + leaseMs);
    const { rows } = await sql<{ org_id: string }>`
      update google_connections set next_sync_at = ${until}
      where org_id in (
        select org_id from google_connections
        where status = 'CONNECTED' and next_sync_at <= ${now}
        order by next_sync_at
        limit ${limit}
        for update skip locked
      )
      returning org_id`.execute(this.#db);
    if (rows.length === 0) return [];
    return this.#db
      .selectFrom('google_connections')
      .selectAll()
      .where(
        'org_id',
        'in',
        rows.map((r) => r.org_id),
      )
      .execute();
  }

  /** Asks for a sync soon (after a local change), without pushing a due sync later. */
  async requestSync(orgId: string, at: Date): Promise<void> {
    await this.#db
      .updateTable('google_connections')
      .set((eb) => ({ next_sync_at: sql<Date>`least(${eb.ref('next_sync_at')}, ${at})` }))
      .where('org_id', '=', orgId)
      .where('status', '=', 'CONNECTED')
      .execute();
  }

  async saveSync(
    orgId: string,
    result: { syncToken?: string | null; error: string | null; at: Date; nextAt: Date },
  ): Promise<void> {
    await this.#db
      .updateTable('google_connections')
      .set({
        ...(result.syncToken !== undefined ? { sync_token: result.syncToken } : {}),
        last_sync_error: result.error,
        ...(result.error === null ? { last_synced_at: result.at } : {}),
        next_sync_at: result.nextAt,
      })
      .where('org_id', '=', orgId)
      .execute();
  }

  async saveState(row: OAuthStateRow): Promise<void> {
    await this.#db
      .insertInto('oauth_states')
      .values({ ...row, scopes: JSON.stringify(row.scopes) })
      .execute();
  }

  /** Takes a state (one use): the row if it exists and has not expired. Expired ones are swept on the way. */
  async takeState(stateHash: string, now: Date): Promise<OAuthStateRow | undefined> {
    await this.#db.deleteFrom('oauth_states').where('expires_at', '<', now).execute();
    return this.#db
      .deleteFrom('oauth_states')
      .where('state_hash', '=', stateHash)
      .returningAll()
      .executeTakeFirst();
  }
}
