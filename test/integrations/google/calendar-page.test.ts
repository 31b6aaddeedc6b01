/**
 * The calendar page end to end in headless Chromium, against the whole server with Google pointed at the fake:
 * the main page links to it; Connect Google goes through the consent and back; the status shows the account; a
 * revoked grant shows as broken with the reason and a Reconnect link; a subscribe link is made from the page.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../../src/core/config.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { buildRooman, type Rooman } from '../../../src/server.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { FakeGoogleApi } from '../../fakes/google-api-server.ts';
import { pgliteTemplate } from '../../helpers/db.ts';
import { launchChromium } from '../../web/chromium.ts';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

let dataDir: string | undefined;
let profileDir: string | undefined;
let fake: FakeGoogleApi | undefined;
let rooman: Rooman | undefined;
let context: BrowserContext | undefined;
let page: Page;
let problems: string[] = [];
let base: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rooman-calendar-page-'));
  profileDir = await mkdtemp(join(tmpdir(), 'rooman-calendar-profile-'));
  await (await openDatabase({ dataDir, pgliteTemplate: await pgliteTemplate() })).close();
  fake = await new FakeGoogleApi({ clientId: 'cid', clientSecret: 'csecret' }).start();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  rooman = await buildRooman(
    loadConfig({
      ROOMAN_DATA_DIR: dataDir,
      ROOMAN_CSV_LOGS: 'off',
      ROOMAN_STT: 'none',
      ROOMAN_TTS: 'none',
      LOG_LEVEL: 'silent',
      ROOMAN_PUBLIC_URL: base,
      ROOMAN_SECRET_KEY: 'a page test secret key of enough length',
      GOOGLE_CLIENT_ID: 'cid',
      GOOGLE_CLIENT_SECRET: 'csecret',
      GOOGLE_OAUTH_BASE_URL: fake.baseUrl,
      GOOGLE_API_BASE_URL: fake.baseUrl,
    }),
    { logger: silentLogger },
  );
  await rooman.app.listen({ port, host: '127.0.0.1' });
  ({ context, page, problems } = await launchChromium(profileDir));
});

after(async () => {
  await context?.close();
  await rooman?.close();
  await fake?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
});

test('connect Google from the page, see it connected, then broken with how to reconnect', async () => {
  await page.goto(`${base}/`);
  await page.locator('#calendar-link').click();
  await page.waitForURL(`${base}/google.html`);
  assert.equal(await page.title(), 'Calendar · Rooman');
  await page.locator('#google-status', { hasText: 'not connected' }).waitFor();

  await page.getByRole('link', { name: 'Connect Google' }).click();
  await page.waitForURL(`${base}/google.html?connected=1`);
  await page.locator('#notice', { hasText: 'Google is connected.' }).waitFor();
  await page.locator('#google-status', { hasText: /^connected$/ }).waitFor();
  assert.equal(await page.locator('#google-account').textContent(), '(owner@example.com)');
  await page.getByRole('button', { name: 'Sync now' }).click();
  await page.locator('#notice', { hasText: /^Synced: 0 sent to Google, 0 taken from it\.$/ }).waitFor();
  assert.deepEqual(problems, []);

  // The user revokes Rooman in their Google account.
  fake!.revokeAll();
  await page.getByRole('button', { name: 'Sync now' }).click();
  await page.locator('#notice', { hasText: `reconnect Google at ${base}/google.html` }).waitFor();
  await page.locator('#google-status', { hasText: 'broken: reconnect' }).waitFor();
  assert.match((await page.locator('#google-problem').textContent()) ?? '', /^Why: .*invalid_grant/);
  assert.equal(await page.locator('#google-connect').textContent(), 'Reconnect Google');
  assert.equal(await page.getByRole('button', { name: 'Sync now' }).isHidden(), true);

  await page.getByRole('link', { name: 'Reconnect Google' }).click();
  await page.waitForURL(`${base}/google.html?connected=1`);
  await page.locator('#google-status', { hasText: /^connected$/ }).waitFor();
});

test('makes a subscribe link that serves the calendar, and revokes it', async () => {
  await page.goto(`${base}/calendar`);
  await page.getByRole('button', { name: 'Make a subscribe link' }).click();
  const url = (await page.locator('#feed-url').filter({ hasText: '.ics' }).textContent())!;
  assert.match(url, new RegExp(`^${base}/calendar/rcal_[A-Za-z0-9_-]{43}\\.ics$`));
  const ics = await fetch(url);
  assert.equal(ics.status, 200);
  assert.match(await ics.text(), /^BEGIN:VCALENDAR/);
  await page.getByRole('button', { name: 'Revoke' }).click();
  await page.locator('#notice', { hasText: 'Link revoked.' }).waitFor();
  assert.equal((await fetch(url)).status, 404);
});
