/** GET /healthz: 200 while the database answers, 503 "degraded" with the reason when it does not. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../src/core/logger.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { registerHealthRoutes } from '../../src/http/routes/health.ts';

function appWith(checkDatabase: () => Promise<void>, extra: { timeoutMs?: number; now?: () => number } = {}) {
  const app = createHttpApp({ logger: silentLogger, bodyLimit: 1024 * 1024 });
  registerHealthRoutes(app, { checkDatabase, version: '1.2.3', ...extra });
  return app;
}

test('answers ok with the version and uptime while the database answers', async (t) => {
  let clock = 1_000_000;
  const app = appWith(async () => {}, { now: () => clock });
  t.after(() => app.close());
  clock += 42_700;
  const response = await app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.deepEqual(response.json(), { status: 'ok', database: 'ok', version: '1.2.3', uptime_s: 42 });
});

test('answers 503 degraded naming the database error', async (t) => {
  const app = appWith(async () => {
    throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
  });
  t.after(() => app.close());
  const response = await app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(response.statusCode, 503);
  const body = response.json();
  assert.equal(body.status, 'degraded');
  assert.equal(body.database, 'error: connect ECONNREFUSED 127.0.0.1:5432');
  assert.equal(body.version, '1.2.3');
});

test('a database that never answers counts as an error after the timeout', async (t) => {
  const app = appWith(() => new Promise<void>(() => {}), { timeoutMs: 50 });
  t.after(() => app.close());
  const started = performance.now();
  const response = await app.inject({ method: 'GET', url: '/healthz' });
  assert.ok(performance.now() - started < 2000);
  assert.equal(response.statusCode, 503);
  assert.equal(response.json().database, 'error: no answer within 50 ms');
});

test('the database is asked afresh on every probe, so a recovery shows at once', async (t) => {
  let healthy = false;
  const app = appWith(async () => {
    if (!healthy) throw new Error('down');
  });
  t.after(() => app.close());
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 503);
  healthy = true;
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
});
