/**
 * Phone calls over Twilio. A `calls` row is one call leg, inbound or outbound, keyed by our id and by Twilio's
 * CallSid (an outbound call has no sid until the REST request returns). Every status callback is kept in
 * `call_events` (Twilio sends them as separate requests that may arrive out of order), while `calls.status` holds
 * the furthest status reached. The live registry is the rows an instance is bridging: `instance_id` plus a
 * `heartbeat_at` it refreshes; a row whose heartbeat went stale belongs to an instance that died.
 * `phone_numbers` says which organisation and agent answer a dialled number.
 */
import { type Kysely, sql } from 'kysely';

// Value lists are written out, not imported: a migration is a snapshot and must not change when the domain does.
const check = (column: string, values: readonly string[]) =>
  sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;

const STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'failed',
  'no-answer',
  'canceled',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('calls')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('call_sid', 'text', (c) => c.unique())
    .addColumn('stream_sid', 'text')
    .addColumn('from_number', 'text', (c) => c.notNull())
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('context', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('answered_by', 'text')
    .addColumn('duration_seconds', 'integer')
    .addColumn('session_id', 'uuid', (c) => c.references('call_sessions.id').onDelete('set null'))
    .addColumn('instance_id', 'text')
    .addColumn('heartbeat_at', 'timestamptz')
    .addColumn('error', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('answered_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addCheckConstraint('calls_direction_check', check('direction', ['inbound', 'outbound']))
    .addCheckConstraint('calls_status_check', check('status', STATUSES))
    .execute();
  await db.schema
    .createIndex('calls_org_created_idx')
    .on('calls')
    .columns(['org_id', 'created_at', 'id'])
    .execute();
  // The live registry reads only calls still being bridged: a small partial index.
  await db.schema
    .createIndex('calls_live_idx')
    .on('calls')
    .columns(['org_id', 'heartbeat_at'])
    .where(sql.ref('ended_at'), 'is', null)
    .execute();

  await db.schema
    .createTable('call_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('call_id', 'uuid', (c) => c.notNull().references('calls.id').onDelete('cascade'))
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    /** Twilio's SequenceNumber of the callback, when it came from one. */
    .addColumn('sequence_number', 'integer')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('detail', 'jsonb')
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('call_events_status_check', check('status', STATUSES))
    .execute();
  await db.schema.createIndex('call_events_call_idx').on('call_events').columns(['call_id', 'id']).execute();

  await db.schema
    .createTable('phone_numbers')
    // A number rings in one place: it belongs to one organisation.
    .addColumn('number', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('phone_numbers_org_idx')
    .on('phone_numbers')
    .columns(['org_id', 'number'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('phone_numbers').ifExists().execute();
  await db.schema.dropTable('call_events').ifExists().execute();
  await db.schema.dropTable('calls').ifExists().execute();
}
