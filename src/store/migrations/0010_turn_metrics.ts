/**
 * Per-turn latency of every call (the session's `turn.metrics` event), kept for the dashboard's percentiles. One
 * row per answered turn. `session_id` names the call but does not reference `call_sessions`: a call without a
 * transcript sink still has metrics, and the metric write does not wait for the transcript's first row.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('turn_metrics')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('session_id', 'uuid', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('turn', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    // Milliseconds, rounded; null when the turn had no such step (a typed turn has no speech end).
    .addColumn('speech_end_to_first_audio_ms', 'integer')
    .addColumn('endpoint_silence_ms', 'integer')
    .addColumn('stt_final_ms', 'integer')
    .addColumn('brain_ms', 'integer', (c) => c.notNull())
    .addColumn('tool_ms', 'integer', (c) => c.notNull())
    .addColumn('tts_first_chunk_ms', 'integer')
    .addColumn('filler', 'boolean', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('turn_metrics_source_check', sql`source in ('speech', 'text')`)
    .execute();
  // The dashboard reads an organisation's turns by time.
  await db.schema
    .createIndex('turn_metrics_org_created_idx')
    .on('turn_metrics')
    .columns(['org_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('turn_metrics_session_idx')
    .on('turn_metrics')
    .columns(['session_id', 'turn'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('turn_metrics').ifExists().execute();
}
