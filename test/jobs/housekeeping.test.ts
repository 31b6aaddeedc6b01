import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/core/logger.ts';
import { fixedClock } from '../../src/core/time.ts';
import { BuiltinCrm } from '../../src/crm/builtin-crm.ts';
import { runHousekeeping } from '../../src/jobs/housekeeping.ts';
import { BotSessionRepository } from '../../src/store/bot-session-repository.ts';
import type { Database } from '../../src/store/database.ts';
import { RateLimitRepository } from '../../src/store/rate-limits.ts';
import { createTestOrg, databaseTargets } from '../helpers/db.ts';

for (const target of databaseTargets())
  describe(`housekeeping (${target.name})`, () => {
    let database: Database;
    before(async () => {
      database = await target.open();
    });
    after(async () => {
      await database.close();
    });

    it('forgets expired idempotency keys and week-old idle sessions, and keeps the rest', async () => {
      const org = await createTestOrg(database.db);
      const t0 = new Date('2026-01-01T00:00:00Z');
      const crmAt = (at: Date) =>
        new BuiltinCrm({
          db: database.db,
          kind: database.kind,
          logger: silentLogger,
          dataDir: '/nonexistent',
          csvLogs: false,
          clock: fixedClock(at),
        });
      const early = crmAt(t0);
      await early.createLead(
        org.id,
        { name: 'Asha', phone: '9876500001', city: 'Pune' },
        { idempotencyKey: 'k-old' },
      );
      const sessions = new BotSessionRepository(database.db);
      await sessions.save(org.id, 'idle-session', { state: {}, turn: 1 }, null);

      // Two days later the key is past its 24 h window; the session was written "now" by the database clock, so it is
      // idle only if the cutoff is in the future: a week after the real now.
      const later = crmAt(new Date(t0.getTime() + 2 * 24 * 3600_000));
      const targets = {
        purgeExpiredIdempotencyKeys: () => later.purgeExpiredIdempotencyKeys(),
        deleteIdleSessionsSince: (cutoff: Date) => sessions.deleteIdleSince(cutoff),
      };
      const kept = await runHousekeeping({ targets, logger: silentLogger, clock: fixedClock(new Date()) });
      assert.equal(kept.sessions, 0);
      assert.ok(kept.keys >= 1);
      assert.ok(await sessions.load(org.id, 'idle-session'));

      const eightDaysOn = fixedClock(new Date(Date.now() + 8 * 24 * 3600_000));
      const removed = await runHousekeeping({ targets, logger: silentLogger, clock: eightDaysOn });
      assert.ok(removed.sessions >= 1);
      assert.equal(await sessions.load(org.id, 'idle-session'), null);
      await early.close();
      await later.close();
    });

    it('logs a failing target and still runs the other', async () => {
      const result = await runHousekeeping({
        targets: {
          purgeExpiredIdempotencyKeys: () => Promise.reject(new Error('database gone')),
          deleteIdleSessionsSince: async () => 3,
        },
        logger: silentLogger,
      });
      assert.deepEqual(result, { keys: 0, sessions: 3, rateWindows: 0 });
    });

    it('forgets rate-limit windows older than a day and keeps the current one', async () => {
      const org = await createTestOrg(database.db);
      const limits = new RateLimitRepository(database.db);
      const now = new Date('2026-03-01T12:00:00Z');
      const rule = { limit: 5, windowMs: 60_000 };
      await limits.take(org.id, 'model-calls', rule, new Date(now.getTime() - 2 * 24 * 3600_000));
      await limits.take(org.id, 'model-calls', rule, now);
      const result = await runHousekeeping({
        targets: {
          purgeExpiredIdempotencyKeys: async () => 0,
          deleteIdleSessionsSince: async () => 0,
          purgeRateLimitWindowsBefore: (cutoff) => limits.purgeBefore(cutoff),
        },
        logger: silentLogger,
        clock: fixedClock(now),
      });
      assert.equal(result.rateWindows, 1);
      // The current window survived: its count goes on from 1.
      assert.equal((await limits.take(org.id, 'model-calls', rule, now)).count, 2);
    });
  });
