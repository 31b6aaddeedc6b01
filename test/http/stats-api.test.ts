/**
 * `GET /api/stats` over HTTP (app.inject) on a real database: the query is validated (400 in the API's error
 * shape, naming the field), the organisation comes from the API key, and one organisation never sees another's
 * figures. The figures themselves are checked against hand-worked answers in test/store/turn-metrics.test.ts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '../../src/core/logger.ts';
import { fixedClock } from '../../src/core/time.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { createOrgResolver } from '../../src/http/org.ts';
import { registerStatsRoutes } from '../../src/http/routes/stats.ts';
import type { Database } from '../../src/store/database.ts';
import { ApiKeyRepository, OrganisationRepository } from '../../src/store/organisations.ts';
import { StatsRepository } from '../../src/store/stats.ts';
import { TurnMetricsRepository } from '../../src/store/turn-metrics.ts';
import { createTestOrg, type DatabaseTarget, databaseTargets } from '../helpers/db.ts';

for (const target of databaseTargets()) describe(`stats API (${target.name})`, () => suite(target));

const NOW = new Date('2026-11-21T12:00:00Z');

function suite(target: DatabaseTarget) {
  let database: Database;
  let app: FastifyInstance;
  let openOrg: string;
  let keyedOrg: string;
  let apiKey: string;

  before(async () => {
    database = await target.open();
    openOrg = (await createTestOrg(database.db, 'Asia/Kolkata')).id;
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

    // The keyed organisation: three leads and two spoken turns today; the open one: one lead, one slow turn.
    for (const [org, n] of [
      [keyedOrg, 3],
      [openOrg, 1],
    ] as const) {
      for (let i = 0; i < n; i++) {
        await database.db
          .insertInto('leads')
          .values({
            id: randomUUID(),
            org_id: org,
            name: 'Lead',
            phone: `+91984501${String(i).padStart(4, '0')}`,
            city: 'Pune',
            source: 'Website',
            status: 'NEW',
            created_at: new Date(NOW.getTime() - 3_600_000),
            updated_at: NOW,
          })
          .execute();
      }
    }
    const turns = new TurnMetricsRepository(database.db);
    const turn = (org: string, ms: number) =>
      turns.record(
        { orgId: org, sessionId: randomUUID(), channel: 'browser' },
        {
          turn: 1,
          source: 'speech',
          speechEndToFirstAudioMs: ms,
          endpointSilenceMs: 600,
          sttFinalMs: 30,
          brainMs: 50,
          toolMs: 0,
          ttsFirstChunkMs: 80,
          filler: false,
        },
        new Date(NOW.getTime() - 1_800_000),
      );
    await turn(keyedOrg, 400);
    await turn(keyedOrg, 600);
    await turn(openOrg, 5000);
  });
  after(async () => {
    await app.close();
    await database.close();
  });

  const get = (url: string, key?: string) =>
    app.inject({ method: 'GET', url, ...(key ? { headers: { authorization: `Bearer ${key}` } } : {}) });

  it("answers the key's organisation only, over the last 7 local days by default", async () => {
    const keyed = await get('/api/stats', apiKey);
    assert.equal(keyed.statusCode, 200, keyed.body);
    const body = keyed.json();
    assert.equal(body.to, NOW.toISOString());
    assert.equal(body.from, '2026-11-14T12:00:00.000Z');
    assert.equal(body.bucket, 'day');
    assert.equal(body.time_zone, 'UTC');
    // 14 Nov (partial) to 21 Nov: eight local days, the last one holding today's rows.
    assert.equal(body.buckets.length, 8);
    assert.equal(body.buckets[7], '2026-11-21T00:00:00.000Z');
    assert.equal(body.leads.total, 3);
    assert.deepEqual(body.leads.created, [0, 0, 0, 0, 0, 0, 0, 3]);
    assert.equal(body.latency.measured, 2);
    assert.equal(body.latency.p50_ms, 500);

    const open = (await get('/api/stats')).json();
    assert.equal(open.time_zone, 'Asia/Kolkata');
    assert.equal(open.leads.total, 1);
    assert.equal(open.latency.p50_ms, 5000);
    assert.deepEqual(open.leads.by_source, [{ source: 'Website', count: 1 }]);
  });

  it('takes a range by the hour', async () => {
    const res = await get('/api/stats?from=2026-11-21T09:00:00Z&to=2026-11-21T12:00:00Z&bucket=hour', apiKey);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(body.buckets, [
      '2026-11-21T09:00:00.000Z',
      '2026-11-21T10:00:00.000Z',
      '2026-11-21T11:00:00.000Z',
    ]);
    assert.deepEqual(body.leads.created, [0, 0, 3]);
    assert.deepEqual(body.latency.per_bucket.p95_ms, [null, null, 590]);
    // An offset other than Z is the same instant.
    const offset = await get(
      `/api/stats?from=${encodeURIComponent('2026-11-21T14:30:00+05:30')}&to=2026-11-21T12:00:00Z&bucket=hour`,
      apiKey,
    );
    assert.equal(offset.json().from, '2026-11-21T09:00:00.000Z');
  });

  it('refuses a bad query with a 400 naming the field, and an unknown key with a 401', async () => {
    const cases: [string, string][] = [
      ['/api/stats?bucket=week', 'bucket'],
      ['/api/stats?from=yesterday', 'from'],
      ['/api/stats?from=2026-11-21T10:00:00', 'from'], // no offset: ambiguous
      ['/api/stats?from=2026-11-21T10:00:00Z&to=2026-11-21T09:00:00Z', 'from'],
      ['/api/stats?from=2026-11-22T10:00:00Z', 'from'], // after now, the default `to`
      ['/api/stats?from=2025-01-01T00:00:00Z&to=2026-11-21T00:00:00Z&bucket=hour', 'to'],
      ['/api/stats?org_id=someone-else', 'org_id'],
    ];
    for (const [url, field] of cases) {
      const res = await get(url, apiKey);
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.equal(res.json().error.type, 'VALIDATION_ERROR', url);
      assert.equal(res.json().error.field, field, url);
    }
    const unknown = await get('/api/stats', 'not-a-key');
    assert.equal(unknown.statusCode, 401);
    assert.equal(unknown.json().error.type, 'UNAUTHORIZED');
  });
}
