/**
 * Rate limits shared by every instance: one counter row per organisation, scope (`model-calls`…) and fixed time
 * window, bumped by a single atomic upsert (src/store/rate-limits.ts), so two instances never both take the last unit.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rate_limit_windows')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('window_start', 'timestamptz', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limit_windows_pk', ['org_id', 'scope', 'window_start'])
    .execute();
  // Old windows are deleted by age.
  await db.schema
    .createIndex('rate_limit_windows_start_idx')
    .on('rate_limit_windows')
    .column('window_start')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rate_limit_windows').ifExists().execute();
}
