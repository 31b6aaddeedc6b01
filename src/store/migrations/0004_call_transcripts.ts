/**
 * Voice calls and their transcripts. A call is one `call_sessions` row; every utterance, reply and tool call is a
 * `transcript_entries` row written while the call goes on, so a crash loses at most the turn in flight. Entries are
 * keyed by (session, seq): the session numbers them itself, so appends need no round trip for an id.
 */
import { type Kysely, sql } from 'kysely';

// Value lists are written out, not imported: a migration is a snapshot and must not change when the domain does.
const check = (column: string, values: readonly string[]) =>
  sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('call_sessions')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('call_sessions_org_started_idx')
    .on('call_sessions')
    .columns(['org_id', 'started_at', 'id'])
    .execute();

  await db.schema
    .createTable('transcript_entries')
    .addColumn('session_id', 'uuid', (c) => c.notNull().references('call_sessions.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('turn', 'integer', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('interrupted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('played_text', 'text')
    .addColumn('tool_name', 'text')
    .addColumn('tool_args', 'jsonb')
    .addColumn('tool_result', 'jsonb')
    .addPrimaryKeyConstraint('transcript_entries_pk', ['session_id', 'seq'])
    .addCheckConstraint('transcript_entries_role_check', check('role', ['user', 'agent', 'tool', 'system']))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('transcript_entries').ifExists().execute();
  await db.schema.dropTable('call_sessions').ifExists().execute();
}
