import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ICAL from 'ical.js';
import { loadConfig } from '../../../src/core/config.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { buildRooman, type Rooman } from '../../../src/server.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { FakeGoogleApi } from '../../fakes/google-api-server.ts';
import { pgliteTemplate } from '../../helpers/db.ts';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** The assembled server (buildRooman) with Google pointed at the fake: the page, the connect flow, sync, feeds. */
describe('calendar and Google in the assembled server', () => {
  let dataDir: string;
  let fake: FakeGoogleApi;
  let rooman: Rooman;
  let base: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rooman-google-'));
    await (await openDatabase({ dataDir, pgliteTemplate: await pgliteTemplate() })).close();
    fake = await new FakeGoogleApi({ clientId: 'cid', clientSecret: 'csecret' }).start();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      ROOMAN_DATA_DIR: dataDir,
      ROOMAN_CSV_LOGS: 'off',
      ROOMAN_STT: 'none',
      ROOMAN_TTS: 'none',
      ROOMAN_PUBLIC_URL: base,
      GOOGLE_CLIENT_ID: 'cid',
      GOOGLE_CLIENT_SECRET: 'csecret',
      GOOGLE_OAUTH_BASE_URL: fake.baseUrl,
      GOOGLE_API_BASE_URL: fake.baseUrl,
    });
    rooman = await buildRooman(config, { logger: silentLogger });
    await rooman.app.listen({ port, host: '127.0.0.1' });
  });
  after(async () => {
    await rooman?.close();
    await fake.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  it('shows the connect link, connects through Google and back, syncs a meeting, and serves its feed', async () => {
    const page = await fetch(`${base}/calendar`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /href="\/oauth\/google\/start">Connect Google</);
    assert.equal((await api('GET', '/api/google/status')).body.status, 'NOT_CONNECTED');

    // The browser: our start → Google consent → our callback → the page.
    const start = await fetch(`${base}/oauth/google/start`, { redirect: 'manual' });
    const consent = await fetch(String(start.headers.get('location')), { redirect: 'manual' });
    const callback = await fetch(String(consent.headers.get('location')), { redirect: 'manual' });
    assert.equal(callback.headers.get('location'), '/google.html?connected=1');
    const status = (await api('GET', '/api/google/status')).body;
    assert.equal(status.status, 'CONNECTED');
    assert.equal(status.connect_url, `${base}/google.html`);
    // No ROOMAN_SECRET_KEY: the key was generated into the data dir, owner-only.
    assert.equal((await stat(join(dataDir, 'secret.key'))).mode & 0o777, 0o600);

    const made = await api('POST', '/api/meetings', {
      title: 'quarterly planning',
      start: '2099-01-05T10:00:00+05:30',
      duration_minutes: 90,
      recurrence: 'FREQ=MONTHLY;COUNT=3',
      reminder_minutes: [30],
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const synced = await api('POST', '/api/google/sync');
    assert.equal(synced.body.pushed, 1);
    assert.deepEqual(
      fake.events().map((e) => [e.summary, e.recurrence?.[0]]),
      [['quarterly planning', 'RRULE:FREQ=MONTHLY;COUNT=3']],
    );

    const feed = await api('POST', '/api/calendar/feeds', {});
    const ics = await fetch(feed.body.url as string);
    assert.equal(ics.status, 200);
    const vevent = new ICAL.Component(ICAL.parse(await ics.text())).getFirstSubcomponent('vevent')!;
    assert.equal(vevent.getFirstPropertyValue('summary'), 'quarterly planning');
    assert.equal(String(vevent.getFirstPropertyValue('rrule')), 'FREQ=MONTHLY;COUNT=3');
  });
});
