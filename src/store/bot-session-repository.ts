/**
 * Bot sessions in PostgreSQL, so every instance behind a load balancer sees the same conversation. Writes use
 * optimistic concurrency: `save` succeeds only if the row still has the version that was read.
 */
import type { ColumnType, Kysely } from 'kysely';
import type { Schema } from './schema.ts';

export type BotSessionsTable = {
  org_id: string;
  session_id: string;
  state: ColumnType<unknown, string, string>;
  turn: number;
  version: number;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date>;
};

type Tables = {
  bot_sessions: BotSessionsTable;
};

export interface BotSessionRecord {
  state: unknown;
  /** Turns taken so far. */
  turn: number;
  version: number;
  updatedAt: Date;
}

export interface BotSessionWrite {
  state: unknown;
  turn: number;
}

export class BotSessionRepository {
  readonly #db: Kysely<Schema & Tables>;

  constructor(db: Kysely<Schema>) {
    // The table is this module's own (migration 0002): it is added to the schema here, not in schema.ts.
    this.#db = db.withTables<Tables>();
  }

  async load(orgId: string, sessionId: string): Promise<BotSessionRecord | null> {
    const row = await this.#db
      .selectFrom('bot_sessions')
      .select(['state', 'turn', 'version', 'updated_at'])
      .where('org_id', '=', orgId)
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
    if (!row) return null;
    return { state: row.state, turn: row.turn, version: row.version, updatedAt: row.updated_at };
  }

  /**
   * Writes the session if nobody else did since it was read: `expectedVersion` null creates it (false if it exists
   * already), a number updates it (false if the stored version differs). Returns whether the write happened.
   */
  async save(
    orgId: string,
    sessionId: string,
    write: BotSessionWrite,
    expectedVersion: number | null,
  ): Promise<boolean> {
    const state = JSON.stringify(write.state ?? null);
    if (expectedVersion === null) {
      const inserted = await this.#db
        .insertInto('bot_sessions')
        .values({ org_id: orgId, session_id: sessionId, state, turn: write.turn, version: 1 })
        .onConflict((oc) => oc.columns(['org_id', 'session_id']).doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
    }
    const updated = await this.#db
      .updateTable('bot_sessions')
      .set({ state, turn: write.turn, version: expectedVersion + 1, updated_at: new Date() })
      .where('org_id', '=', orgId)
      .where('session_id', '=', sessionId)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  /** Deletes sessions idle since before `cutoff`; returns how many. */
  async deleteIdleSince(cutoff: Date): Promise<number> {
    const result = await this.#db
      .deleteFrom('bot_sessions')
      .where('updated_at', '<', cutoff)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
