/**
 * Migration 0006 on a database that already has messages: rows from before (delivered to the outbox at once) keep
 * their status and become due at their creation time with provider `outbox`; the new statuses are accepted and an
 * unknown one is still refused.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Migrator, sql } from 'kysely';
import { type Database, IN_MEMORY, openDatabase } from '../../../src/store/database.ts';
import { MigrationFolder, migrateToLatest } from '../../../src/store/migrate.ts';
import { OrganisationRepository } from '../../../src/store/organisations.ts';
import { OutboxRepository } from '../../../src/store/outbox.ts';

describe('migration 0006 (message delivery) over existing messages', () => {
  let database: Database;

  before(async () => {
    database = await openDatabase({ dataDir: IN_MEMORY });
  });
  after(() => database.close());

  it('keeps old rows, backfills due_at and provider, and checks the new statuses', async () => {
    const migrator = new Migrator({ db: database.db, provider: new MigrationFolder() });
    const before0006 = await migrator.migrateTo('0004_call_transcripts');
    assert.equal(before0006.error, undefined);
    const org = await new OrganisationRepository(database.db).create({
      name: 'old',
      slug: 'old',
      timeZone: 'UTC',
    });
    const sent = randomUUID();
    const queued = randomUUID();
    await sql`insert into outbox_messages (id, org_id, channel, recipient, subject, body, status, created_at, sent_at)
      values (${sent}, ${org.id}, 'sms', '+919876543210', null, 'old sent', 'SENT', '2025-09-01T10:00:00Z', '2025-09-01T10:00:01Z'),
             (${queued}, ${org.id}, 'email', 'a@example.com', 's', 'old queued', 'QUEUED', '2025-09-02T10:00:00Z', null)`.execute(
      database.db,
    );
    await migrateToLatest(database.db);
    const outbox = new OutboxRepository(database.db);
    const a = await outbox.findById(org.id, sent);
    assert.equal(a?.status, 'SENT');
    assert.equal(a?.provider, 'outbox');
    assert.equal(a?.due_at.toISOString(), '2025-09-01T10:00:00.000Z');
    assert.equal(a?.attempts, 0);
    const b = await outbox.findById(org.id, queued);
    assert.equal(b?.status, 'QUEUED');
    assert.equal(b?.provider, null);
    assert.equal(b?.due_at.toISOString(), '2025-09-02T10:00:00.000Z');
    // The old queued message is picked up by a dispatcher like any other.
    const [claimed] = await outbox.claimDue(new Date('2025-09-03T00:00:00Z'), {
      token: randomUUID(),
      leaseMs: 1000,
      limit: 10,
    });
    assert.equal(claimed?.id, queued);
    await assert.rejects(
      sql`update outbox_messages set status = 'LOST' where id = ${sent}`.execute(database.db),
      /outbox_status_check/,
    );
    assert.equal((await outbox.cancel(org.id, sent, new Date())) ?? null, null);
  });
});
