/**
 * The messages page end to end: the whole server (`buildRooman`) with Telegram configured against the fake Bot API,
 * driven by headless Chromium: the list shows each message's status, provider, attempts and schedule; a scheduled
 * message is cancelled from the page; the form shows a refused recipient by its field and sends a good one.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../src/core/config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { buildRooman } from '../../src/server.ts';
import { openDatabase } from '../../src/store/database.ts';
import { FakeTelegramApi } from '../fakes/telegram-bot-api.ts';
import { pgliteTemplate } from '../helpers/db.ts';
import { launchChromium } from './chromium.ts';

const TOKEN = '555:web-test';
/** Chats the fake Bot API does not know (yet). */
const unknownChats: string[] = ['@new_group'];

let dataDir: string | undefined;
let profileDir: string | undefined;
let rooman: Awaited<ReturnType<typeof buildRooman>> | undefined;
let telegram: FakeTelegramApi | undefined;
let context: BrowserContext | undefined;
let page: Page;
let baseUrl: string;
let problems: string[] = [];

const post = async (payload: object) => {
  const res = await fetch(`${baseUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as { id: string; status: string };
};

before(async () => {
  telegram = await new FakeTelegramApi(TOKEN, { unknownChats }).start();
  dataDir = await mkdtemp(join(tmpdir(), 'rooman-outbox-data-'));
  // A database from the migrated template: the server then skips the seconds-long initdb.
  await (await openDatabase({ dataDir, pgliteTemplate: await pgliteTemplate() })).close();
  profileDir = await mkdtemp(join(tmpdir(), 'rooman-outbox-profile-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    ROOMAN_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ROOMAN_LOG_FORMAT: 'json',
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_API_BASE_URL: telegram.url,
  });
  rooman = await buildRooman(config, { logger: silentLogger });
  await rooman.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(rooman.app.server.address() as AddressInfo).port}`;
  ({ context, page, problems } = await launchChromium(profileDir));
});

after(async () => {
  await context?.close();
  await rooman?.close();
  await telegram?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
});

test('the main page links to the messages page, which lists every message with its delivery status', async () => {
  const sent = await post({ channel: 'telegram', to: '@rooman_team', body: 'Visit booked for Friday' });
  assert.equal(sent.status, 'SENT');
  const outboxOnly = await post({ channel: 'whatsapp', to: '9876543210', body: 'To the outbox' });
  const later = new Date(Date.now() + 24 * 3600_000).toISOString();
  const scheduled = await post({
    channel: 'telegram',
    to: '123456789',
    body: 'Tomorrow, please',
    send_at: later,
  });
  assert.equal(scheduled.status, 'QUEUED');

  await page.goto(`${baseUrl}/`);
  await page.locator('#outbox-link').click();
  await page.waitForURL(`${baseUrl}/outbox.html`);
  assert.equal(await page.title(), 'Messages · Rooman');
  await page.locator('#channels').filter({ hasText: 'Telegram by telegram' }).waitFor();
  assert.match(
    (await page.locator('#channels').textContent()) ?? '',
    /^Channels: E-mail to the outbox \(no account configured\) · WhatsApp to the outbox \(no account configured\) · Telegram by telegram · SMS to the outbox/,
  );
  await page.locator('#messages-summary').filter({ hasText: '3 messages, 1 on the way.' }).waitFor();

  const rowOf = (id: string) => page.locator(`#messages tr[data-id="${id}"]`);
  assert.equal(await rowOf(sent.id).locator('.tag').textContent(), 'SENT');
  assert.equal(await rowOf(sent.id).locator('.provider').textContent(), 'via telegram');
  assert.equal(await rowOf(sent.id).locator('td.attempts').textContent(), '1');
  assert.equal(await rowOf(outboxOnly.id).locator('.provider').textContent(), 'via outbox');
  assert.equal(await rowOf(scheduled.id).locator('.tag').textContent(), 'QUEUED');
  assert.match(
    (await rowOf(scheduled.id).locator('td.when').textContent()) ?? '',
    /^due \d+ \w{3} \d{4}, \d\d:\d\d$/,
  );

  await rowOf(scheduled.id).getByRole('button', { name: 'Cancel the message to 123456789' }).click();
  await rowOf(scheduled.id).locator('.tag', { hasText: 'CANCELLED' }).waitFor();
  assert.equal(await rowOf(scheduled.id).locator('button.cancel').count(), 0);
  assert.deepEqual(problems, []);
});

test('the form shows a refused recipient by its field, then sends a good message', async () => {
  await page.goto(`${baseUrl}/outbox`);
  await page.locator('#compose-channel').selectOption('sms');
  await page.locator('#compose-to').fill('12345');
  await page.locator('#compose-body').fill('Hello');
  await page.locator('#compose-send').click();
  await page.locator('#compose-errors li').first().waitFor();
  assert.equal(
    await page.locator('#compose-errors li').first().textContent(),
    'to: is not a phone number for sms',
  );
  assert.equal(await page.locator('#compose-to').getAttribute('aria-invalid'), 'true');

  await page.locator('#compose-channel').selectOption('telegram');
  await page.locator('#compose-to').fill('@rooman_team');
  await page.locator('#compose-body').fill('Sent from the page');
  await page.locator('#compose-send').click();
  await page.locator('#compose-status').filter({ hasText: 'Sent.' }).waitFor();
  await page.locator('#messages td.message', { hasText: 'Sent from the page' }).waitFor();
  assert.equal(telegram!.sent.filter((m) => m.text === 'Sent from the page').length, 1);
  assert.equal(await page.locator('#compose-to').getAttribute('aria-invalid'), null);
  // The refused POST is logged by Chromium itself as a failed resource; anything else is a problem of the page.
  assert.deepEqual(
    problems.filter((p) => !/status of 400 \(Bad Request\)/.test(p)),
    [],
  );
});

test('a refused message shows its reason; Retry sends it once the cause is fixed', async () => {
  const failed = await post({ channel: 'telegram', to: '@new_group', body: 'Welcome to the group' });
  assert.equal(failed.status, 'FAILED');
  await page.goto(`${baseUrl}/outbox`);
  const row = page.locator(`#messages tr[data-id="${failed.id}"]`);
  await row.waitFor();
  assert.equal(await row.locator('.tag').textContent(), 'FAILED');
  assert.match((await row.locator('td.last-error').textContent()) ?? '', /chat not found/);
  unknownChats.length = 0; // the bot was added to the group
  await row.getByRole('button', { name: 'Retry the message to @new_group' }).click();
  await row.locator('.tag', { hasText: 'SENT' }).waitFor({ timeout: 15_000 });
  assert.equal(telegram!.sent.filter((m) => m.text === 'Welcome to the group').length, 1);
  assert.equal(await row.locator('td.last-error').textContent(), '');
});
