/**
 * The embeddable widget on someone else's website: a second local server (another origin) serves a page that pastes
 * the one-line <script src=".../widget.js" data-rooman-key="…">, with CSS of its own that must not reach the
 * widget. In headless Chromium the floating button opens the call UI, the call connects to the Rooman server the
 * script came from, under the key's organisation, and a typed request is answered in the widget.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { writeWav } from '../../src/audio/wav.ts';
import { loadConfig } from '../../src/core/config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { buildRooman } from '../../src/server.ts';
import {
  ApiKeyRepository,
  type Organisation,
  OrganisationRepository,
} from '../../src/store/organisations.ts';
import { TranscriptRepository } from '../../src/store/transcripts.ts';
import { SHARED_MODELS } from '../speech/fixtures.ts';
import { fakeMicrophone, launchChromium } from './chromium.ts';

let workDir: string;
let rooman: Awaited<ReturnType<typeof buildRooman>> | undefined;
let site: Server | undefined;
let context: BrowserContext | undefined;
let page: Page;
let roomanUrl: string;
let siteUrl: string;
let org: Organisation;
let pageProblems: string[] = [];

/** A shop's page: its own loud CSS, and the one line it pasted. */
const hostPage = (scriptSrc: string, key: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sunrise Homes</title>
<style>
  body { font-family: serif; }
  button, li, section, input { background: rgb(255, 0, 0) !important; color: rgb(0, 255, 0) !important; font-size: 40px !important; }
</style></head>
<body><h1>Sunrise Homes</h1><p>Two and three bedroom flats in Pune.</p>
<script src="${scriptSrc}" data-rooman-key="${key}" async></script>
</body></html>`;

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'rooman-widget-'));
  const wav = join(workDir, 'quiet.wav');
  await writeFile(wav, writeWav({ sampleRate: 16_000, channels: 1, samples: new Int16Array(16_000 * 30) }));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    ROOMAN_DATA_DIR: join(workDir, 'data'),
    ROOMAN_MODELS_DIR: SHARED_MODELS,
    LOG_LEVEL: 'silent',
    ROOMAN_LOG_FORMAT: 'json',
  });
  rooman = await buildRooman(config, { logger: silentLogger });
  await rooman.app.listen({ port: 0, host: '127.0.0.1' });
  roomanUrl = `http://127.0.0.1:${(rooman.app.server.address() as AddressInfo).port}`;
  org = await new OrganisationRepository(rooman.database.db).create({
    name: 'Sunrise Homes',
    slug: 'sunrise-homes',
    timeZone: 'Asia/Kolkata',
  });
  const key = await new ApiKeyRepository(rooman.database.db).create(org.id, 'website widget');

  // The other origin: `localhost` and another port.
  const html = hostPage(`${roomanUrl}/widget.js`, key);
  site = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => site!.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://localhost:${(site.address() as AddressInfo).port}/`;

  ({
    context,
    page,
    problems: pageProblems,
  } = await launchChromium(join(workDir, 'profile'), {
    args: fakeMicrophone(wav),
    viewport: { width: 1100, height: 800 },
  }));
});

after(async () => {
  await context?.close();
  await rooman?.close();
  await new Promise((resolve) => site?.close(resolve));
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

test('/widget.js and its modules are served for cross-origin embedding', async () => {
  for (const path of [
    '/widget.js',
    '/js/call-widget.js',
    '/js/call-client.js',
    '/js/audio-capture-worklet.js',
  ]) {
    const response = await fetch(`${roomanUrl}${path}`, { headers: { origin: 'http://localhost:1' } });
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get('access-control-allow-origin'), '*', path);
    assert.equal(response.headers.get('cross-origin-resource-policy'), 'cross-origin', path);
    assert.match(String(response.headers.get('content-type')), /^text\/javascript/, path);
  }
  // The page and the APIs stay same-origin.
  const pageResponse = await fetch(`${roomanUrl}/`);
  assert.equal(pageResponse.headers.get('access-control-allow-origin'), null);
});

test('the widget on another origin opens the call UI, connects, and answers under the key’s organisation', async () => {
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await page.goto(siteUrl);
  const callButton = page.getByRole('button', { name: 'Call Rooman' });
  await callButton.waitFor();
  // The host page's CSS does not reach into the shadow root.
  const style = await callButton.evaluate((b) => {
    const s = getComputedStyle(b);
    return { background: s.backgroundColor, fontSize: s.fontSize };
  });
  assert.notEqual(style.background, 'rgb(255, 0, 0)');
  assert.notEqual(style.fontSize, '40px');

  await callButton.click();
  const dialog = page.getByRole('dialog', { name: 'Call with Rooman' });
  await dialog.waitFor();
  await dialog.locator('[data-state]').filter({ hasText: 'Listening' }).waitFor();
  assert.equal(sockets.length, 1);
  assert.ok(sockets[0]!.startsWith(roomanUrl.replace('http', 'ws')), sockets[0]);

  await dialog
    .getByLabel('Message')
    .fill('Add a new lead: Anita Desai from Pune, phone 9890012345, source Website');
  await dialog.getByRole('button', { name: 'Send' }).click();
  await dialog.locator('li.user').filter({ hasText: 'Anita Desai' }).waitFor();
  const reply = dialog.locator('li.agent').last();
  await reply.waitFor();
  const leads = await rooman!.crm.listLeads(org.id, {});
  assert.deepEqual(
    leads.items.map((l) => l.name),
    ['Anita Desai'],
  );
  const sessions = await new TranscriptRepository(rooman!.database.db).list(org.id, { limit: 10, offset: 0 });
  assert.equal(sessions.total, 1);
  assert.equal(sessions.items[0]!.channel, 'browser');

  await dialog.getByRole('button', { name: 'Hang up' }).click();
  await callButton.waitFor();
  assert.equal(await dialog.isHidden(), true);
  assert.deepEqual(pageProblems, []);
});
