/**
 * Outbound calling: the organisation's agents (how a call they place greets, what it does on an answering machine,
 * where a transfer goes), campaigns (a list of numbers dialled with a concurrency limit inside a calling window,
 * retried on busy/no-answer), and `call_requests`, every call still to be placed or being placed — one per campaign
 * row and one per scheduled call. Several instances share the requests: a dispatcher claims due rows with
 * `FOR UPDATE SKIP LOCKED`, so a request is dialled by exactly one of them.
 */
import { type Kysely, sql } from 'kysely';

// Value lists are written out, not imported: a migration is a snapshot and must not change when the domain does.
const check = (column: string, values: readonly string[]) =>
  sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('agents')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('greeting', 'text')
    .addColumn('voicemail', 'text', (c) => c.notNull().defaultTo('none'))
    .addColumn('voicemail_message', 'text')
    .addColumn('transfer_number', 'text')
    .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('agents_org_name_key', ['org_id', 'name'])
    .addCheckConstraint('agents_voicemail_check', check('voicemail', ['none', 'hangup', 'message']))
    .execute();
  // One default agent per organisation.
  await db.schema
    .createIndex('agents_one_default_idx')
    .on('agents')
    .column('org_id')
    .unique()
    .where(sql.ref('is_default'), '=', true)
    .execute();

  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('concurrency', 'integer', (c) => c.notNull())
    /** Local time of the callee, minutes after midnight; start > end wraps past midnight. */
    .addColumn('window_start_min', 'integer', (c) => c.notNull())
    .addColumn('window_end_min', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('retry_backoff_s', 'integer', (c) => c.notNull())
    .addColumn('retry_on', 'jsonb', (c) => c.notNull())
    .addColumn('default_time_zone', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz')
    .addCheckConstraint(
      'campaigns_status_check',
      check('status', ['running', 'paused', 'cancelled', 'completed']),
    )
    .execute();
  await db.schema
    .createIndex('campaigns_org_created_idx')
    .on('campaigns')
    .columns(['org_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('call_requests')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('campaign_id', 'uuid', (c) => c.references('campaigns.id').onDelete('cascade'))
    /** The row of the campaign's list (1-based), for people reading the progress. */
    .addColumn('row_number', 'integer')
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('context', 'jsonb', (c) => c.notNull())
    /** The callee's zone (given, or from the number's country). */
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_at', 'timestamptz')
    .addColumn('last_call_id', 'uuid', (c) => c.references('calls.id').onDelete('set null'))
    /** How the last attempt ended: completed, busy, no-answer, failed, machine, provider_error … */
    .addColumn('outcome', 'text')
    .addColumn('last_error', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint(
      'call_requests_state_check',
      check('state', ['pending', 'dialing', 'done', 'failed', 'cancelled']),
    )
    .execute();
  // The dispatcher's scan: pending rows by due time (a partial index stays small as campaigns finish).
  await db.schema
    .createIndex('call_requests_due_idx')
    .on('call_requests')
    .columns(['due_at', 'id'])
    .where(sql.ref('state'), '=', 'pending')
    .execute();
  await db.schema
    .createIndex('call_requests_campaign_idx')
    .on('call_requests')
    .columns(['campaign_id', 'state'])
    .execute();
  await db.schema
    .createIndex('call_requests_dialing_idx')
    .on('call_requests')
    .column('last_call_id')
    .where(sql.ref('state'), '=', 'dialing')
    .execute();
  await db.schema
    .createIndex('call_requests_org_created_idx')
    .on('call_requests')
    .columns(['org_id', 'created_at', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('call_requests').ifExists().execute();
  await db.schema.dropTable('campaigns').ifExists().execute();
  await db.schema.dropTable('agents').ifExists().execute();
}
