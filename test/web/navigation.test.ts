/**
 * The pages as one product, end to end: the whole server (`buildRooman`) and headless Chromium go through every
 * page by the shared header's links (Call & chat · Dashboard · Calls · Messages · Calendar), each marked as the
 * current page. The API key is typed once in the header: a wrong one typed on the dashboard is sent by the calls
 * page too, which says the key was refused; the right one typed there is sent by every other page, which then shows
 * its data. Screenshots: artifacts/web-nav-<page>.png, and web-nav-key-refused.png.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../src/core/config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { buildRooman } from '../../src/server.ts';
import { openDatabase } from '../../src/store/database.ts';
import { ApiKeyRepository } from '../../src/store/organisations.ts';
import { pgliteTemplate } from '../helpers/db.ts';
import { launchChromium } from './chromium.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const screenshot = (name: string) => join(ROOT, `artifacts/web-nav-${name}.png`);
const WRONG_KEY = 'rmn_not-a-key-of-this-server';

let dataDir: string | undefined;
let profileDir: string | undefined;
let rooman: Awaited<ReturnType<typeof buildRooman>> | undefined;
let context: BrowserContext | undefined;
let page: Page;
let baseUrl: string;
let problems: string[] = [];
let key: string;
/** The Authorization header of every API request the pages made, in order. */
const sent: { path: string; authorization: string | undefined }[] = [];

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rooman-nav-data-'));
  // A database from the migrated template: the server then skips the seconds-long initdb.
  await (await openDatabase({ dataDir, pgliteTemplate: await pgliteTemplate() })).close();
  profileDir = await mkdtemp(join(tmpdir(), 'rooman-nav-profile-'));
  rooman = await buildRooman(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      ROOMAN_DATA_DIR: dataDir,
      ROOMAN_STT: 'none',
      ROOMAN_TTS: 'none',
      LOG_LEVEL: 'silent',
      ROOMAN_LOG_FORMAT: 'json',
    }),
    { logger: silentLogger },
  );
  await rooman.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(rooman.app.server.address() as AddressInfo).port}`;
  key = await new ApiKeyRepository(rooman.database.db).create(rooman.defaultOrg.id, 'navigation test');
  ({ context, page, problems } = await launchChromium(profileDir, {
    viewport: { width: 1280, height: 900 },
  }));
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (/^\/(api|crm|bot)\//.test(pathname))
      sent.push({ path: pathname, authorization: request.headers().authorization });
  });
  await mkdir(join(ROOT, 'artifacts'), { recursive: true });
});

after(async () => {
  await context?.close();
  await rooman?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
});

const nav = () => page.getByRole('navigation', { name: 'Pages' });

/** Follows the header's link named `label` to `path`, and checks the header marks that page (and only it). */
async function go(label: string, path: string, title: string): Promise<void> {
  await nav().getByRole('link', { name: label, exact: true }).click();
  await page.waitForURL(`${baseUrl}${path}`);
  assert.equal(await page.title(), title);
  const current = nav().locator('a[aria-current="page"]');
  assert.deepEqual(await current.allTextContents(), [label]);
  assert.deepEqual(await nav().getByRole('link').allTextContents(), [
    'Call & chat',
    'Dashboard',
    'Calls',
    'Messages',
    'Calendar',
  ]);
  // One key field, labelled, in the same place on every page.
  assert.equal(await page.getByLabel('API key').count(), 1);
}

async function setKey(value: string): Promise<void> {
  await page.getByLabel('API key').fill(value);
  await page.getByLabel('API key').press('Enter');
}

test('every page is reached from the shared header, with the current page marked', async () => {
  // Something for the pages to show: a lead and a message, made through the API in open mode.
  const lead = await fetch(`${baseUrl}/crm/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Asha Verma', phone: '9876501234', city: 'Pune', source: 'Website' }),
  });
  assert.equal(lead.status, 201, await lead.clone().text());
  const message = await fetch(`${baseUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'whatsapp', to: '9876543210', body: 'Visit booked for Friday' }),
  });
  assert.equal(message.status, 201, await message.clone().text());

  await page.goto(`${baseUrl}/`);
  assert.deepEqual(await nav().locator('a[aria-current="page"]').allTextContents(), ['Call & chat']);
  await page.locator('#leads-body tr', { hasText: 'Asha Verma' }).waitFor();
  await go('Dashboard', '/dashboard', 'Dashboard · Rooman');
  await page.locator('#card-leads', { hasText: '1' }).waitFor();
  const campaigns = page.waitForResponse((r) => r.url().includes('/api/campaigns'));
  await go('Calls', '/calls', 'Rooman · Phone calls');
  assert.equal((await campaigns).status(), 200);
  await go('Messages', '/outbox.html', 'Messages · Rooman');
  await page.locator('#messages-summary', { hasText: '1 message.' }).waitFor();
  await go('Calendar', '/google.html', 'Calendar · Rooman');
  await page.locator('#google-status', { hasText: 'not configured' }).waitFor();
  await go('Call & chat', '/', 'Rooman');
  // Open mode so far: no page sent a key.
  assert.ok(sent.length > 0);
  assert.deepEqual(
    sent.filter((r) => r.authorization !== undefined),
    [],
  );
  assert.deepEqual(problems, []);
});

test('a key typed once in the header is used by the other pages: refused with a message, then accepted', async () => {
  await go('Dashboard', '/dashboard', 'Dashboard · Rooman');
  await page.locator('body[data-loaded]').waitFor();
  await setKey(WRONG_KEY);
  await page.locator('#notice', { hasText: 'Unknown API key. Enter the API key above.' }).waitFor();
  assert.equal(await page.getByLabel('API key').getAttribute('aria-invalid'), 'true');

  // Another page: the same key, from this browser's storage, is sent and refused there too.
  let from = sent.length;
  await go('Calls', '/calls', 'Rooman · Phone calls');
  assert.equal(await page.getByLabel('API key').inputValue(), WRONG_KEY);
  const notice = page.locator('#notice');
  await notice.filter({ hasText: 'Unknown API key. Enter the API key above.' }).waitFor();
  assert.equal(await notice.getAttribute('role'), 'status');
  assert.equal(await notice.getAttribute('aria-live'), 'polite');
  assert.ok(sent.slice(from).some((r) => r.path === '/api/campaigns'));
  assert.ok(sent.slice(from).every((r) => r.authorization === `Bearer ${WRONG_KEY}`));
  await page.screenshot({ path: screenshot('key-refused') });

  // The right key, typed here: the message goes, the page loads its data again.
  const accepted = page.waitForResponse((r) => r.url().includes('/api/campaigns') && r.status() === 200);
  await setKey(key);
  assert.equal((await accepted).request().headers().authorization, `Bearer ${key}`);
  await notice.waitFor({ state: 'hidden' });
  from = sent.length;
  assert.equal(await page.getByLabel('API key').getAttribute('aria-invalid'), null);
  await page.screenshot({ path: screenshot('calls'), fullPage: true });

  // Every other page sends it without being told again, and shows its data.
  await go('Messages', '/outbox.html', 'Messages · Rooman');
  assert.equal(await page.getByLabel('API key').inputValue(), key);
  await page.locator('#messages-summary', { hasText: '1 message.' }).waitFor();
  await page.locator('#messages td.message', { hasText: 'Visit booked for Friday' }).waitFor();
  await page.screenshot({ path: screenshot('messages'), fullPage: true });

  await go('Calendar', '/google.html', 'Calendar · Rooman');
  await page.locator('#google-status', { hasText: 'not configured' }).waitFor();
  await page.screenshot({ path: screenshot('calendar'), fullPage: true });

  await go('Dashboard', '/dashboard', 'Dashboard · Rooman');
  await page.locator('body[data-loaded]').waitFor();
  assert.equal(await page.locator('#card-leads').textContent(), '1');
  assert.equal(await page.locator('#card-messages').textContent(), '1');
  assert.equal(await page.locator('#notice').isHidden(), true);
  await page.screenshot({ path: screenshot('dashboard'), fullPage: true });

  await go('Call & chat', '/', 'Rooman');
  await page.locator('#leads-body tr', { hasText: 'Asha Verma' }).waitFor();
  const answered = page.waitForResponse((r) => r.url().endsWith('/bot/handle'));
  await page.getByLabel('Message').fill('hello');
  await page.getByLabel('Message').press('Enter');
  assert.equal((await answered).status(), 200);
  await page.screenshot({ path: screenshot('chat'), fullPage: true });

  const afterKey = sent.slice(from);
  for (const path of ['/api/messages', '/api/google/status', '/api/stats', '/crm/leads', '/bot/handle'])
    assert.ok(
      afterKey.some((r) => r.path === path),
      `no request to ${path}: ${afterKey.map((r) => r.path)}`,
    );
  assert.deepEqual(
    afterKey.filter((r) => r.authorization !== `Bearer ${key}`),
    [],
  );
  // Chromium itself logs each refused request as a failed resource; nothing else may go wrong.
  assert.deepEqual(
    problems.filter((p) => !/status of 401 \(Unauthorized\)/.test(p)),
    [],
  );
});
