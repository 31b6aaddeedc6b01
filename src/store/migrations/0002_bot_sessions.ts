/**
 * Bot conversations: one row per (organisation, session) holding the dialogue state as JSON. `version` makes
 * concurrent turns on the same session safe across instances: a write succeeds only against the version it read.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('bot_sessions')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('state', 'jsonb', (c) => c.notNull())
    .addColumn('turn', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('bot_sessions_pkey', ['org_id', 'session_id'])
    .execute();
  // Idle sessions are purged by age.
  await db.schema.createIndex('bot_sessions_updated_at').on('bot_sessions').column('updated_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('bot_sessions').execute();
}
