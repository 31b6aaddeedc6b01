/**
 * The built-in calendar (meetings) and the outbox of messages the assistant sends. Both org-scoped; meetings are
 * found by time, so they are indexed by (org, start).
 */
import { type Kysely, sql } from 'kysely';

// Value lists are written out, not imported: a migration is a snapshot and must not change when the domain does.
const check = (column: string, values: readonly string[]) =>
  sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('meetings')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('start_at', 'timestamptz', (c) => c.notNull())
    .addColumn('end_at', 'timestamptz', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('attendees', 'jsonb', (c) => c.notNull())
    .addColumn('recurrence', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('meetings_status_check', check('status', ['CONFIRMED', 'CANCELLED']))
    .addCheckConstraint('meetings_end_after_start', sql`end_at > start_at`)
    .execute();
  await db.schema
    .createIndex('meetings_org_start_idx')
    .on('meetings')
    .columns(['org_id', 'start_at'])
    .execute();

  await db.schema
    .createTable('outbox_messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz')
    .addCheckConstraint(
      'outbox_channel_check',
      check('channel', ['email', 'whatsapp', 'telegram', 'sms', 'slack']),
    )
    .addCheckConstraint('outbox_status_check', check('status', ['QUEUED', 'SENT', 'FAILED']))
    .execute();
  await db.schema
    .createIndex('outbox_org_created_idx')
    .on('outbox_messages')
    .columns(['org_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('outbox_messages').ifExists().execute();
  await db.schema.dropTable('meetings').ifExists().execute();
}
