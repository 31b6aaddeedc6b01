/**
 * The calendar grows up: recurring series are expanded when read (a series row plus the occurrences cancelled out
 * of it), reminders are rows claimed by one instance at a time, iCalendar feeds are reached through secret tokens
 * (stored hashed), people have their own time zones, and an organisation may connect its Google Calendar (tokens
 * encrypted, the sync claimed by one instance at a time).
 */
import { type Kysely, sql } from 'kysely';

// Value lists are written out, not imported: a migration is a snapshot and must not change when the domain does.
const check = (column: string, values: readonly string[]) =>
  sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('meetings')
    .addColumn('reminder_minutes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // Original starts (ISO instants) of occurrences cancelled out of a series.
    .addColumn('cancelled_occurrences', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // When the last occurrence ends: end_at for a single meeting, null for a series without an end.
    .addColumn('series_end_at', 'timestamptz')
    .addColumn('google_event_id', 'text')
    // A local change Google has not been told of yet.
    .addColumn('google_dirty', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await sql`update meetings set series_end_at = end_at where recurrence is null`.execute(db);
  await db.schema
    .createIndex('meetings_org_google_event_idx')
    .on('meetings')
    .columns(['org_id', 'google_event_id'])
    .unique()
    .where(sql.ref('google_event_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('calendar_users')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    // An e-mail address or a name, as attendees are written.
    .addColumn('user_ref', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('calendar_users_pk', ['org_id', 'user_ref'])
    .execute();

  await db.schema
    .createTable('calendar_feeds')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('user_ref', 'text')
    // SHA-256 of the token: a leaked table does not leak subscribe URLs.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('meeting_reminders')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('meeting_id', 'uuid', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
    .addColumn('occurrence_start', 'timestamptz', (c) => c.notNull())
    .addColumn('minutes_before', 'integer', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('remind_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('claimed_until', 'timestamptz')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint(
      'meeting_reminders_status_check',
      check('status', ['PENDING', 'SENT', 'FAILED', 'SKIPPED']),
    )
    .addUniqueConstraint('meeting_reminders_once', [
      'meeting_id',
      'occurrence_start',
      'minutes_before',
      'recipient',
    ])
    .execute();
  await db.schema
    .createIndex('meeting_reminders_due_idx')
    .on('meeting_reminders')
    .columns(['status', 'remind_at'])
    .execute();

  await db.schema
    .createTable('google_connections')
    .addColumn('org_id', 'uuid', (c) => c.primaryKey().references('organisations.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('account_email', 'text')
    .addColumn('scopes', 'jsonb', (c) => c.notNull())
    // AES-256-GCM sealed, never plain.
    .addColumn('refresh_token', 'text', (c) => c.notNull())
    .addColumn('access_token', 'text')
    .addColumn('access_expires_at', 'timestamptz')
    .addColumn('broken_reason', 'text')
    .addColumn('calendar_id', 'text', (c) => c.notNull())
    .addColumn('sync_token', 'text')
    .addColumn('next_sync_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_synced_at', 'timestamptz')
    .addColumn('last_sync_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('google_connections_status_check', check('status', ['CONNECTED', 'BROKEN']))
    .execute();

  await db.schema
    .createTable('oauth_states')
    // SHA-256 of the state parameter.
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('scopes', 'jsonb', (c) => c.notNull())
    // PKCE verifier, sealed.
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oauth_states').ifExists().execute();
  await db.schema.dropTable('google_connections').ifExists().execute();
  await db.schema.dropTable('meeting_reminders').ifExists().execute();
  await db.schema.dropTable('calendar_feeds').ifExists().execute();
  await db.schema.dropTable('calendar_users').ifExists().execute();
  await db.schema.dropIndex('meetings_org_google_event_idx').ifExists().execute();
  await db.schema
    .alterTable('meetings')
    .dropColumn('reminder_minutes')
    .dropColumn('cancelled_occurrences')
    .dropColumn('series_end_at')
    .dropColumn('google_event_id')
    .dropColumn('google_dirty')
    .execute();
}
