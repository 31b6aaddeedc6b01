/**
 * The web page end to end: the whole server (`buildRooman`) on a free port, driven by headless Chromium the way a
 * person uses it: type a request, read the reply, see the structured result and the new lead in the leads panel.
 *
 * Needs Chromium (`apt-get install -y chromium`; CHROMIUM_PATH overrides /usr/bin/chromium). A missing browser is a
 * failure, not a skip: CI installs it, and a browser test that silently does not run proves nothing.
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
import { launchChromium } from './chromium.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOT = join(ROOT, 'artifacts/web-page.png');
const LEAD_REQUEST = 'Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram';

let dataDir: string | undefined;
let profileDir: string | undefined;
let rooman: Awaited<ReturnType<typeof buildRooman>> | undefined;
let context: BrowserContext | undefined;
let page: Page;
let baseUrl: string;
let pageProblems: string[] = [];

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rooman-web-data-'));
  profileDir = await mkdtemp(join(tmpdir(), 'rooman-web-profile-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    ROOMAN_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ROOMAN_LOG_FORMAT: 'json',
  });
  rooman = await buildRooman(config, { logger: silentLogger });
  await rooman.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(rooman.app.server.address() as AddressInfo).port}`;

  ({ context, page, problems: pageProblems } = await launchChromium(profileDir));
});

after(async () => {
  await context?.close();
  await rooman?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
});

test('a typed request gets a reply, its structured result, and the new lead in the leads panel', async () => {
  await page.goto(`${baseUrl}/`);
  assert.equal(await page.title(), 'Rooman');
  await page.locator('#leads-status').filter({ hasText: 'No leads yet.' }).waitFor();

  const answered = page.waitForResponse((r) => r.url().endsWith('/bot/handle'));
  await page.getByLabel('Message').fill(LEAD_REQUEST);
  await page.getByLabel('Message').press('Enter');
  const response = await answered;
  assert.equal(response.status(), 200);
  const turn = (await response.json()) as {
    session_id: string;
    intent: string;
    entities: { city?: string };
    reply: string;
    result?: { lead_id?: string; status?: string };
    crm_call?: { path: string };
  };
  assert.equal(turn.intent, 'LEAD_CREATE');
  const leadId = turn.result?.lead_id;
  assert.ok(leadId, `the bot created no lead: ${JSON.stringify(turn)}`);

  // The conversation: the request as the user's bubble, the reply as the agent's.
  const userBubble = page.locator('#transcript li.bubble.user').last();
  assert.equal((await userBubble.locator('p').textContent())?.trim(), LEAD_REQUEST);
  const reply = page.locator('#transcript li.bubble.agent:not(.intro):not(.pending)').last();
  await reply.waitFor();
  assert.equal((await reply.locator('p').textContent())?.trim(), turn.reply.trim());
  assert.ok(turn.reply.length > 0);

  // The structured result beside it.
  assert.equal(await page.locator('#result-intent').textContent(), 'LEAD_CREATE');
  assert.match((await page.locator('#result-call').textContent()) ?? '', /POST \/crm\/leads/);
  const resultJson = await page.locator('[data-section="result"] code').textContent();
  assert.deepEqual(JSON.parse(resultJson ?? 'null'), turn.result);
  assert.match((await page.locator('[data-section="entities"] code').textContent()) ?? '', /Rohan Sharma/);

  // The leads panel, refreshed after the turn.
  const row = page.locator(`#leads-body tr[data-lead-id="${leadId}"]`);
  await row.waitFor();
  const cells = await row.locator('th, td').allTextContents();
  assert.equal(cells[0], 'Rohan Sharma');
  // The city as the person said it (the seed's own example keeps Gurgaon).
  assert.equal(turn.entities.city, 'Gurgaon');
  assert.equal(cells[2], turn.entities.city);
  assert.equal(cells[3], 'Instagram');
  assert.equal(cells[4], 'NEW');

  await mkdir(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.deepEqual(pageProblems, []);
});

test('the next turn continues the same session', async () => {
  const firstSession = await page.evaluate(() => sessionStorage.getItem('rooman.session_id'));
  assert.ok(firstSession, 'the page kept no session id');
  const sent = page.waitForRequest((r) => r.url().endsWith('/bot/handle'));
  const answered = page.waitForResponse((r) => r.url().endsWith('/bot/handle'));
  await page.getByLabel('Message').fill('hello');
  await page.getByRole('button', { name: 'Send' }).click();
  assert.equal((await sent).postDataJSON().session_id, firstSession);
  const turn = (await (await answered).json()) as { session_id: string; reply: string };
  assert.equal(turn.session_id, firstSession);
  await page.locator('#transcript li.bubble.agent:not(.intro):not(.pending)').nth(1).waitFor();
  assert.equal(await page.locator('#transcript li.bubble.user').count(), 2);
  assert.deepEqual(pageProblems, []);
});
