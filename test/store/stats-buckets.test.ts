/**
 * Dashboard buckets in the organisation's zone: hours across the autumn DST change (New York's 01:00–02:00 comes
 * twice: two buckets, as the chart's axis counts them; PostgreSQL's zoned date_trunc keeps the two apart), hours in a
 * half-hour zone (Kolkata's start at :30 UTC), and local days. The database's buckets and bucketStarts' axis must
 * agree, or counts land in the wrong column.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../src/store/database.ts';
import { ModelUsageRepository } from '../../src/store/model-usage.ts';
import { StatsRepository } from '../../src/store/stats.ts';
import { createTestOrg, databaseTargets } from '../helpers/db.ts';

const usageAt = async (usage: ModelUsageRepository, orgId: string, iso: string, tokens: number) =>
  usage.record(
    { orgId, sessionId: `s-${iso}`, channel: 'text' },
    1,
    [{ provider: 'gemini', model: 'gemini-2.5-flash', inputTokens: tokens, outputTokens: 0 }],
    new Date(iso),
  );

for (const target of databaseTargets())
  describe(`stats buckets (${target.name})`, () => {
    let database: Database;
    before(async () => {
      database = await target.open();
    });
    after(async () => {
      await database.close();
    });

    it('keeps the hour a DST change repeats as two buckets', async () => {
      const org = (await createTestOrg(database.db, 'America/New_York')).id;
      const usage = new ModelUsageRepository(database.db);
      // 2026-11-01: 01:30 EDT (05:30Z), then 01:30 EST (06:30Z), then 02:10 EST (07:10Z).
      await usageAt(usage, org, '2026-11-01T05:30:00Z', 1);
      await usageAt(usage, org, '2026-11-01T06:30:00Z', 10);
      await usageAt(usage, org, '2026-11-01T07:10:00Z', 100);
      const stats = await new StatsRepository(database.db).dashboard({
        orgId: org,
        from: new Date('2026-11-01T04:00:00Z'),
        to: new Date('2026-11-01T08:00:00Z'),
        bucket: 'hour',
        timeZone: 'America/New_York',
        now: new Date('2026-11-01T08:00:00Z'),
      });
      assert.deepEqual(stats.buckets, [
        '2026-11-01T04:00:00.000Z',
        '2026-11-01T05:00:00.000Z',
        '2026-11-01T06:00:00.000Z',
        '2026-11-01T07:00:00.000Z',
      ]);
      assert.deepEqual(stats.usage.per_bucket.input_tokens, [0, 1, 10, 100]);
    });

    it('starts hours at :30 UTC in a half-hour zone, and days at local midnight', async () => {
      const org = (await createTestOrg(database.db, 'Asia/Kolkata')).id;
      const usage = new ModelUsageRepository(database.db);
      await usageAt(usage, org, '2026-03-10T04:10:00Z', 1); // 09:40 IST → the 09:00 IST hour (03:30Z)
      await usageAt(usage, org, '2026-03-10T04:40:00Z', 10); // 10:10 IST → the 10:00 IST hour (04:30Z)
      await usageAt(usage, org, '2026-03-10T18:40:00Z', 100); // 00:10 IST on the 11th
      const repo = new StatsRepository(database.db);
      const hours = await repo.dashboard({
        orgId: org,
        from: new Date('2026-03-10T03:30:00Z'),
        to: new Date('2026-03-10T05:30:00Z'),
        bucket: 'hour',
        timeZone: 'Asia/Kolkata',
        now: new Date('2026-03-12T00:00:00Z'),
      });
      assert.deepEqual(hours.buckets, ['2026-03-10T03:30:00.000Z', '2026-03-10T04:30:00.000Z']);
      assert.deepEqual(hours.usage.per_bucket.input_tokens, [1, 10]);
      const days = await repo.dashboard({
        orgId: org,
        from: new Date('2026-03-09T18:30:00Z'),
        to: new Date('2026-03-11T18:30:00Z'),
        bucket: 'day',
        timeZone: 'Asia/Kolkata',
        now: new Date('2026-03-12T00:00:00Z'),
      });
      assert.deepEqual(days.buckets, ['2026-03-09T18:30:00.000Z', '2026-03-10T18:30:00.000Z']);
      assert.deepEqual(days.usage.per_bucket.input_tokens, [11, 100]);
    });
  });
