/**
 * The model-call budget shared by every instance (migration 0005): a fixed window counted by one atomic upsert.
 * Concurrent takers (as several instances would be, each with its own connection on PostgreSQL) never get more
 * than the limit between them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../../src/store/database.ts';
import { RateLimitRepository } from '../../../src/store/rate-limits.ts';
import { createTestOrg, type DatabaseTarget, databaseTargets } from '../../helpers/db.ts';

for (const target of databaseTargets())
  describe(`model-call rate limit (${target.name})`, () => suite(target));

function suite(target: DatabaseTarget) {
  let database: Database;
  let limits: RateLimitRepository;
  before(async () => {
    database = await target.open();
    limits = new RateLimitRepository(database.db);
  });
  after(async () => {
    await database.close();
  });

  const rule = { limit: 5, windowMs: 60_000 };
  const at = new Date('2026-11-21T10:00:30Z');

  it('lets exactly the limit through among 20 concurrent takers, per organisation', async () => {
    const [a, b] = [await createTestOrg(database.db), await createTestOrg(database.db)];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => limits.take(i % 2 ? a.id : b.id, 'model-calls', rule, at)),
    );
    const allowedFor = (org: string) =>
      results.filter((r, i) => r.allowed && (i % 2 ? a.id : b.id) === org).length;
    assert.equal(allowedFor(a.id), 5);
    assert.equal(allowedFor(b.id), 5);
    assert.deepEqual(
      results.map((r) => r.count).sort((x, y) => x - y),
      [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10],
    );
    assert.equal(results[0]!.resetAt.toISOString(), '2026-11-21T10:01:00.000Z');
  });

  it('a new window starts afresh; scopes are counted apart; old windows can be purged', async () => {
    const org = await createTestOrg(database.db);
    for (let i = 0; i < 5; i++) await limits.take(org.id, 'model-calls', rule, at);
    assert.equal((await limits.take(org.id, 'model-calls', rule, at)).allowed, false);
    assert.equal((await limits.take(org.id, 'other', rule, at)).allowed, true);
    const next = new Date(at.getTime() + 60_000);
    assert.deepEqual((await limits.take(org.id, 'model-calls', rule, next)).count, 1);
    assert.ok((await limits.purgeBefore(next)) >= 2);
    assert.equal((await limits.take(org.id, 'model-calls', rule, at)).count, 1);
  });
}
