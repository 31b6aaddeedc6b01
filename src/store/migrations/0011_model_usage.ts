/**
 * Tokens of every model call (the `model.usage` of a call's turns and of typed turns), kept for the dashboard's
 * usage chart and per-model totals. One row per turn and model: a turn of several provider calls of one model is
 * one row with `calls` > 1. `session_id` is text: a typed conversation's id is not a UUID, and like
 * `turn_metrics` the row does not wait for (or reference) a transcript.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('model_usage')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('turn', 'integer', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('calls', 'integer', (c) => c.notNull().defaultTo(1))
    // bigint: a long Live call re-reads its whole context every response, which adds up past 2^31 in an org's sum.
    .addColumn('input_tokens', 'bigint', (c) => c.notNull())
    .addColumn('output_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cached_tokens', 'bigint')
    .addColumn('total_tokens', 'bigint')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  // The dashboard reads an organisation's usage by time.
  await db.schema
    .createIndex('model_usage_org_created_idx')
    .on('model_usage')
    .columns(['org_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('model_usage_session_idx')
    .on('model_usage')
    .columns(['session_id', 'turn'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('model_usage').ifExists().execute();
}
