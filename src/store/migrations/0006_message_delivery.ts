/**
 * Delivery of outbox messages by real channels: a message may wait for a time (`send_at`), is claimed by one
 * dispatcher at a time (status SENDING, a claim token and a lease, so a crashed instance's claim expires and another
 * takes it over), is retried with backoff (`due_at`, `attempts`, `last_error`), and remembers which provider took it
 * and the provider's id for it.
 */
import { type Kysely, sql } from 'kysely';

// Value lists are written out, not imported: a migration is a snapshot and must not change when the domain does.
const check = (column: string, values: readonly string[]) =>
  sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('outbox_messages')
    .addColumn('send_at', 'timestamptz')
    .addColumn('due_at', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('claim_token', 'uuid')
    .addColumn('claimed_until', 'timestamptz')
    .addColumn('provider', 'text')
    .addColumn('provider_message_id', 'text')
    .addColumn('updated_at', 'timestamptz')
    .execute();
  // Rows from before this migration were all delivered to the outbox at once.
  await sql`update outbox_messages set due_at = created_at, updated_at = coalesce(sent_at, created_at),
    provider = case when status = 'SENT' then 'outbox' else null end`.execute(db);
  await db.schema
    .alterTable('outbox_messages')
    .alterColumn('due_at', (c) => c.setNotNull())
    .execute();
  await db.schema
    .alterTable('outbox_messages')
    .alterColumn('updated_at', (c) => c.setNotNull())
    .execute();
  await db.schema.alterTable('outbox_messages').dropConstraint('outbox_status_check').execute();
  await db.schema
    .alterTable('outbox_messages')
    .addCheckConstraint(
      'outbox_status_check',
      check('status', ['QUEUED', 'SENDING', 'SENT', 'FAILED', 'CANCELLED']),
    )
    .execute();
  // What dispatchers look for: queued rows by due time, and claims whose lease may have run out.
  await db.schema
    .createIndex('outbox_due_idx')
    .on('outbox_messages')
    .columns(['due_at'])
    .where(sql.ref('status'), '=', 'QUEUED')
    .execute();
  await db.schema
    .createIndex('outbox_claimed_idx')
    .on('outbox_messages')
    .columns(['claimed_until'])
    .where(sql.ref('status'), '=', 'SENDING')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('outbox_claimed_idx').ifExists().execute();
  await db.schema.dropIndex('outbox_due_idx').ifExists().execute();
  await sql`update outbox_messages set status = 'FAILED' where status in ('SENDING', 'CANCELLED')`.execute(
    db,
  );
  await db.schema.alterTable('outbox_messages').dropConstraint('outbox_status_check').execute();
  await db.schema
    .alterTable('outbox_messages')
    .addCheckConstraint('outbox_status_check', check('status', ['QUEUED', 'SENT', 'FAILED']))
    .execute();
  for (const column of [
    'updated_at',
    'provider_message_id',
    'provider',
    'claimed_until',
    'claim_token',
    'last_error',
    'attempts',
    'due_at',
    'send_at',
  ]) {
    await db.schema.alterTable('outbox_messages').dropColumn(column).execute();
  }
}
