/**
 * `model_usage` (migration 0011) on PGlite and PostgreSQL: rows per turn and model, counts past 2^31 kept whole,
 * and `GET /api/stats` summing an organisation's tokens per bucket and per model, never another organisation's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '../../src/core/logger.ts';
import { fixedClock } from '../../src/core/time.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { createOrgResolver } from '../../src/http/org.ts';
import { registerStatsRoutes } from '../../src/http/routes/stats.ts';
import type { Database } from '../../src/store/database.ts';
import { ModelUsageRepository, modelUsageRecorder } from '../../src/store/model-usage.ts';
import { ApiKeyRepository, OrganisationRepository } from '../../src/store/organisations.ts';
import { type DashboardStats, StatsRepository } from '../../src/store/stats.ts';
import { createTestOrg, type DatabaseTarget, databaseTargets } from '../helpers/db.ts';

for (const target of databaseTargets()) describe(`model usage store (${target.name})`, () => suite(target));

const NOW = new Date('2026-11-21T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

function suite(target: DatabaseTarget) {
  let database: Database;
  let app: FastifyInstance;
  let openOrg: string;
  let keyedOrg: string;
  let apiKey: string;

  before(async () => {
    database = await target.open();
    openOrg = (await createTestOrg(database.db, 'UTC')).id;
    keyedOrg = (await createTestOrg(database.db, 'UTC')).id;
    apiKey = await new ApiKeyRepository(database.db).create(keyedOrg, 'dashboard');
    const orgs = new OrganisationRepository(database.db);
    app = createHttpApp({ logger: silentLogger, bodyLimit: 1_048_576 });
    registerStatsRoutes(app, {
      stats: new StatsRepository(database.db),
      resolveOrg: createOrgResolver({ db: database.db, anonymousOrgId: openOrg }),
      timeZoneOf: async (orgId) => (await orgs.findById(orgId))?.timeZone ?? 'UTC',
      clock: fixedClock(NOW),
    });
    await app.ready();

    const usage = new ModelUsageRepository(database.db);
    const gemini = { provider: 'gemini', model: 'gemini-2.5-flash' };
    const openai = { provider: 'openai', model: 'gpt-4o-mini' };
    // The keyed organisation: two Gemini turns three hours ago, one OpenAI turn and one Gemini turn one hour ago.
    const call = { orgId: keyedOrg, sessionId: 'call-1', channel: 'twilio' };
    await usage.record(call, 1, [{ ...gemini, inputTokens: 1000, outputTokens: 50 }], hoursAgo(2.5));
    await usage.record(
      call,
      2,
      [{ ...gemini, inputTokens: 1200, outputTokens: 70, calls: 2 }],
      hoursAgo(2.5),
    );
    await usage.record(
      { orgId: keyedOrg, sessionId: 'chat-1', channel: 'text' },
      1,
      [
        { ...openai, inputTokens: 300, outputTokens: 20, cachedTokens: 100, totalTokens: 320 },
        { ...gemini, inputTokens: 400, outputTokens: 30 },
      ],
      hoursAgo(0.5),
    );
    // Outside the range (two days ago) and another organisation's: never counted.
    await usage.record(call, 3, [{ ...gemini, inputTokens: 9, outputTokens: 9 }], hoursAgo(48));
    await usage.record(
      { orgId: openOrg, sessionId: 'call-2', channel: 'browser' },
      1,
      [{ ...gemini, inputTokens: 5_000_000_000, outputTokens: 7 }],
      hoursAgo(1.5),
    );
  });
  after(async () => {
    await app.close();
    await database.close();
  });

  const get = async (url: string, key?: string): Promise<DashboardStats> => {
    const res = await app.inject({ url, headers: key ? { authorization: `Bearer ${key}` } : {} });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as DashboardStats;
  };

  it('stores a turn per model, and reads a conversation back in order', async () => {
    const rows = await new ModelUsageRepository(database.db).forSession(keyedOrg, 'chat-1');
    assert.deepEqual(
      rows.map(({ at: _at, ...r }) => r),
      [
        {
          turn: 1,
          channel: 'text',
          provider: 'openai',
          model: 'gpt-4o-mini',
          calls: 1,
          inputTokens: 300,
          outputTokens: 20,
          cachedTokens: 100,
          totalTokens: 320,
        },
        {
          turn: 1,
          channel: 'text',
          provider: 'gemini',
          model: 'gemini-2.5-flash',
          calls: 1,
          inputTokens: 400,
          outputTokens: 30,
        },
      ],
    );
    assert.deepEqual(await new ModelUsageRepository(database.db).forSession(openOrg, 'chat-1'), []);
  });

  it('a count past 2^31 is kept whole', async () => {
    const [row] = await new ModelUsageRepository(database.db).forSession(openOrg, 'call-2');
    assert.equal(row?.inputTokens, 5_000_000_000);
  });

  it("GET /api/stats sums the organisation's tokens per hour and per model, and only its own", async () => {
    const from = hoursAgo(4).toISOString();
    const to = NOW.toISOString();
    const stats = await get(`/api/stats?bucket=hour&from=${from}&to=${to}`, apiKey);
    assert.equal(stats.buckets.length, 4);
    assert.deepEqual(stats.usage, {
      calls: 5,
      input_tokens: 2900,
      output_tokens: 170,
      by_model: [
        { provider: 'gemini', model: 'gemini-2.5-flash', calls: 4, input_tokens: 2600, output_tokens: 150 },
        { provider: 'openai', model: 'gpt-4o-mini', calls: 1, input_tokens: 300, output_tokens: 20 },
      ],
      per_bucket: { input_tokens: [0, 2200, 0, 700], output_tokens: [0, 120, 0, 50] },
    });

    const other = await get(`/api/stats?bucket=hour&from=${from}&to=${to}`);
    assert.deepEqual(other.usage, {
      calls: 1,
      input_tokens: 5_000_000_000,
      output_tokens: 7,
      by_model: [
        {
          provider: 'gemini',
          model: 'gemini-2.5-flash',
          calls: 1,
          input_tokens: 5_000_000_000,
          output_tokens: 7,
        },
      ],
      per_bucket: { input_tokens: [0, 0, 5_000_000_000, 0], output_tokens: [0, 0, 7, 0] },
    });
  });

  it('an organisation without model calls (the built-in brain) has zero usage', async () => {
    const quiet = (await createTestOrg(database.db, 'UTC')).id;
    const key = await new ApiKeyRepository(database.db).create(quiet, 'dashboard');
    const stats = await get('/api/stats?bucket=day', key);
    assert.deepEqual(stats.usage, {
      calls: 0,
      input_tokens: 0,
      output_tokens: 0,
      by_model: [],
      per_bucket: { input_tokens: stats.buckets.map(() => 0), output_tokens: stats.buckets.map(() => 0) },
    });
  });

  it('the recorder reports a failed write and never rejects', async () => {
    const failures: unknown[] = [];
    const sink = modelUsageRecorder(database.db, {
      now: () => NOW,
      onError: (error) => failures.push(error),
    });
    // Not an organisation: the foreign key refuses the row.
    await sink(
      '00000000-0000-4000-8000-000000000000',
      'x',
      'text',
    )(1, [{ provider: 'gemini', model: 'm', inputTokens: 1, outputTokens: 1 }]);
    assert.equal(failures.length, 1);
  });
}
