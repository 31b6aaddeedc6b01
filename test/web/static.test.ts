/** The web page's files, served from memory with the right types and revalidating cache headers. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../src/core/logger.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { DEFAULT_WEB_ROOT, registerWebRoutes } from '../../src/http/routes/web.ts';

function appServing(root?: string) {
  const app = createHttpApp({ logger: silentLogger, bodyLimit: 1024 * 1024 });
  const assets = registerWebRoutes(app, root === undefined ? {} : { root });
  return { app, assets };
}

test('GET / is the page, as HTML, with a content security policy', async (t) => {
  const { app } = appServing();
  t.after(() => app.close());
  const response = await app.inject({ method: 'GET', url: '/' });
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(response.body, await readFile(join(DEFAULT_WEB_ROOT, 'index.html'), 'utf8'));
  assert.match(response.body, /<title>Rooman<\/title>/);
  assert.match(String(response.headers['content-security-policy']), /default-src 'self'/);
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
});

test('every script and stylesheet the page links to is served with its type', async (t) => {
  const { app } = appServing();
  t.after(() => app.close());
  const html = (await app.inject({ method: 'GET', url: '/' })).body;
  const linked = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
  assert.ok(linked.includes('/js/main.js') && linked.includes('/css/style.css'), linked.join(' '));
  for (const url of linked) {
    const response = await app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 200, url);
  }
  const js = await app.inject({ method: 'GET', url: '/js/main.js' });
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  const css = await app.inject({ method: 'GET', url: '/css/style.css' });
  assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
  // Modules import each other: each relative import must resolve to a served file.
  for (const url of linked.filter((u) => u.endsWith('.js'))) {
    const source = (await app.inject({ method: 'GET', url })).body;
    for (const [, spec] of source.matchAll(/from '(\.\/[^']+)'/g)) {
      const target = new URL(spec!, `http://x${url}`).pathname;
      assert.equal((await app.inject({ method: 'GET', url: target })).statusCode, 200, `${url} → ${target}`);
    }
  }
});

test('files are revalidated by ETag: an unchanged file costs a 304 with no body', async (t) => {
  const { app } = appServing();
  t.after(() => app.close());
  const first = await app.inject({ method: 'GET', url: '/js/main.js' });
  assert.equal(first.headers['cache-control'], 'no-cache');
  const etag = String(first.headers.etag);
  assert.match(etag, /^"[\w-]+"$/);
  const again = await app.inject({ method: 'GET', url: '/js/main.js', headers: { 'if-none-match': etag } });
  assert.equal(again.statusCode, 304);
  assert.equal(again.body, '');
  const weak = await app.inject({
    method: 'GET',
    url: '/js/main.js',
    headers: { 'if-none-match': `"other", W/${etag}` },
  });
  assert.equal(weak.statusCode, 304);
  const stale = await app.inject({
    method: 'GET',
    url: '/js/main.js',
    headers: { 'if-none-match': '"old"' },
  });
  assert.equal(stale.statusCode, 200);
  assert.ok(stale.body.length > 0);
});

test('files are read once at start; unknown paths and hidden files are not served', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'rooman-web-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'js'));
  await writeFile(join(root, 'index.html'), '<!doctype html><title>v1</title>');
  await writeFile(join(root, 'js/app.js'), 'export const v = 1;');
  await writeFile(join(root, 'data.bin'), Buffer.from([0, 1, 2]));
  await writeFile(join(root, '.env'), 'SECRET=1');
  const { app, assets } = appServing(root);
  t.after(() => app.close());
  assert.deepEqual(
    assets.map((a) => a.path),
    ['/data.bin', '/index.html', '/js/app.js'],
  );
  await writeFile(join(root, 'index.html'), '<!doctype html><title>v2</title>');
  assert.match((await app.inject({ method: 'GET', url: '/' })).body, /v1/);
  const binary = await app.inject({ method: 'GET', url: '/data.bin' });
  assert.equal(binary.headers['content-type'], 'application/octet-stream');
  assert.deepEqual([...binary.rawPayload], [0, 1, 2]);
  const hidden = await app.inject({ method: 'GET', url: '/.env' });
  assert.equal(hidden.statusCode, 404);
  assert.equal(hidden.json().error.type, 'NOT_FOUND');
  assert.equal((await app.inject({ method: 'GET', url: '/js/../.env' })).statusCode, 404);
  assert.equal((await app.inject({ method: 'HEAD', url: '/js/app.js' })).statusCode, 200);
});
