/**
 * The dashboard end to end: the whole server (`buildRooman`) and headless Chromium. A real call over the voice
 * socket (typed turns) stores its turn metrics through the server's wiring; seeded leads, messages and spoken-turn
 * latencies then show as the cards' numbers and as SVG charts with one bar per status and one point per day that
 * has latencies; the recent calls open their transcript; the page refreshes itself; a wrong API key is reported
 * and kept in localStorage. Screenshot: artifacts/web-dashboard.png.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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
import { ModelUsageRepository } from '../../src/store/model-usage.ts';
import { TurnMetricsRepository } from '../../src/store/turn-metrics.ts';
import { launchChromium } from './chromium.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOT = join(ROOT, 'artifacts/web-dashboard.png');
const DAY = 86_400_000;

let workDir: string;
let rooman: Awaited<ReturnType<typeof buildRooman>> | undefined;
let context: BrowserContext | undefined;
let page: Page;
let baseUrl: string;
let problems: string[] = [];
let callId: string;

/** A call over `/ws/voice` with typed turns, as the web page's call button would place it. */
async function typedCall(turns: string[]): Promise<string> {
  const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/ws/voice`);
  const frames: { type: string; [k: string]: unknown }[] = [];
  const waitFor = (type: string, count = 1) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${type} frame: ${JSON.stringify(frames)}`)),
        20_000,
      );
      const check = () => {
        if (frames.filter((f) => f.type === type).length >= count) {
          clearTimeout(timer);
          ws.removeEventListener('message', check);
          resolve();
        }
      };
      ws.addEventListener('message', check);
      check();
    });
  ws.addEventListener('message', (event) => {
    if (typeof event.data === 'string') frames.push(JSON.parse(event.data));
  });
  await waitFor('ready');
  for (const [i, text] of turns.entries()) {
    ws.send(JSON.stringify({ type: 'text', text }));
    await waitFor('turn.metrics', i + 1);
  }
  ws.send(JSON.stringify({ type: 'hangup' }));
  await waitFor('ended');
  ws.close();
  return frames.find((f) => f.type === 'ready')!.session_id as string;
}

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'rooman-dashboard-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    ROOMAN_DATA_DIR: join(workDir, 'data'),
    ROOMAN_MODELS_DIR: join(workDir, 'models'),
    ROOMAN_STT: 'none',
    ROOMAN_TTS: 'none',
    ROOMAN_TZ: 'Asia/Kolkata',
    LOG_LEVEL: 'silent',
    ROOMAN_LOG_FORMAT: 'json',
  });
  rooman = await buildRooman(config, { logger: silentLogger });
  await rooman.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(rooman.app.server.address() as AddressInfo).port}`;
  ({ context, page, problems } = await launchChromium(join(workDir, 'profile'), {
    viewport: { width: 1280, height: 1000 },
  }));
});

after(async () => {
  await context?.close();
  await rooman?.close();
  await rm(workDir, { recursive: true, force: true });
});

const leadAt = async (status: string, source: string, at: Date) => {
  await rooman!.database.db
    .insertInto('leads')
    .values({
      id: randomUUID(),
      org_id: rooman!.defaultOrg.id,
      name: 'Seeded Lead',
      phone: `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
      city: 'Pune',
      source,
      status: status as 'NEW',
      created_at: at,
      updated_at: at,
    })
    .execute();
};

test('a call through the server stores its turn metrics; the dashboard shows the figures as cards and charts', async () => {
  // A real call: the lead it creates and its two turns come through the product, not the test.
  callId = await typedCall([
    'Add a new lead: Kavya Rao from Mysore, phone 9845012345, source Instagram',
    'hello',
  ]);
  const stored = await new TurnMetricsRepository(rooman!.database.db).forSession(
    rooman!.defaultOrg.id,
    callId,
  );
  assert.deepEqual(
    stored.map((r) => [r.turn, r.channel, r.source]),
    [
      [1, 'browser', 'text'],
      [2, 'browser', 'text'],
    ],
  );
  // The built-in brain calls no model: the call used no tokens.
  assert.deepEqual(
    await new ModelUsageRepository(rooman!.database.db).forSession(rooman!.defaultOrg.id, callId),
    [],
  );

  const now = Date.now();
  await leadAt('WON', 'Website', new Date(now - 2 * DAY));
  await leadAt('LOST', 'Website', new Date(now - 3 * DAY));
  for (const body of ['Visit booked for Friday', 'Brochure attached']) {
    const res = await fetch(`${baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'whatsapp', to: '9876543210', body }),
    });
    assert.equal(res.status, 201, await res.text());
  }
  // Spoken turns on two days: 2 days ago (300, 500 ms) and an hour ago (700, 900, 1100 ms).
  const turns = new TurnMetricsRepository(rooman!.database.db);
  const spoken = (ms: number, at: Date) =>
    turns.record(
      { orgId: rooman!.defaultOrg.id, sessionId: randomUUID(), channel: 'twilio' },
      {
        turn: 1,
        source: 'speech',
        speechEndToFirstAudioMs: ms,
        endpointSilenceMs: 600,
        sttFinalMs: 40,
        brainMs: 90,
        toolMs: 0,
        ttsFirstChunkMs: 120,
        filler: false,
      },
      at,
    );
  for (const ms of [300, 500]) await spoken(ms, new Date(now - 2 * DAY));
  for (const ms of [700, 900, 1100]) await spoken(ms, new Date(now - 3_600_000));
  // Model tokens (the built-in brain of the call above used none): OpenAI 2 days ago, Gemini an hour ago.
  const usage = new ModelUsageRepository(rooman!.database.db);
  const of = { orgId: rooman!.defaultOrg.id, sessionId: randomUUID(), channel: 'twilio' };
  await usage.record(
    of,
    1,
    [{ provider: 'openai', model: 'gpt-4o-mini', inputTokens: 300, outputTokens: 20 }],
    new Date(now - 2 * DAY),
  );
  await usage.record(
    of,
    2,
    [{ provider: 'gemini', model: 'gemini-2.5-flash', inputTokens: 12_600, outputTokens: 150, calls: 2 }],
    new Date(now - 3_600_000),
  );

  await page.goto(`${baseUrl}/`);
  await page.locator('#dashboard-link').click();
  await page.waitForURL(`${baseUrl}/dashboard`);
  assert.equal(await page.title(), 'Dashboard · Rooman');
  await page.locator('body[data-loaded]').waitFor();

  assert.equal(await page.locator('#card-leads').textContent(), '3');
  assert.equal(await page.locator('#card-leads-note').textContent(), '1 won');
  assert.equal(await page.locator('#card-messages').textContent(), '2');
  assert.equal(await page.locator('#card-calls').textContent(), '1');
  // Over all five spoken turns: the middle one, and 900 + 0.8 × 200.
  assert.equal(await page.locator('#card-p50').textContent(), '700 ms');
  assert.equal(await page.locator('#card-p95').textContent(), '1.1 s');
  assert.equal(await page.locator('#card-turns-note').textContent(), '5 spoken turns measured');

  // Leads by status: one bar per status, the right heights' values.
  const leadBars = page.locator('#chart-leads-status svg rect.bar');
  assert.equal(await leadBars.count(), 5);
  const values = await leadBars.evaluateAll((bars) =>
    bars.map((b) => [b.getAttribute('data-label'), Number(b.getAttribute('data-value'))]),
  );
  assert.deepEqual(values, [
    ['New', 1],
    ['In progress', 0],
    ['Follow-up', 0],
    ['Won', 1],
    ['Lost', 1],
  ]);
  assert.equal(await page.locator('#chart-messages-status svg rect.bar').count(), 5);
  assert.equal(
    await page.locator('#chart-messages-status svg rect.bar[data-label="Sent"]').getAttribute('data-value'),
    '2',
  );
  // Latency: a point per day with spoken turns for p50 and for p95 (2 each), on an SVG with title and axes.
  const latency = page.locator('#chart-latency svg');
  assert.equal(await latency.getAttribute('role'), 'img');
  assert.equal(await latency.locator('g[data-series="p50"] circle.point').count(), 2);
  assert.equal(await latency.locator('g[data-series="p95"] circle.point').count(), 2);
  assert.match((await latency.locator('title').first().textContent()) ?? '', /Reply latency per day/);
  assert.equal(await latency.locator('.y-label').textContent(), 'Milliseconds');
  assert.equal(await latency.locator('.x-label').textContent(), 'Day');
  assert.deepEqual(await latency.locator('g[data-series="p50"] circle.point title').allTextContents(), [
    expect2('p50', now - 2 * DAY, '400'),
    expect2('p50', now - 3_600_000, '900'),
  ]);
  // Model tokens: the card sums the API's totals; the chart stacks input and output on the two days with calls.
  assert.equal(await page.locator('#card-tokens').textContent(), '13.1K');
  assert.equal(await page.locator('#card-tokens-note').textContent(), '12.9K in · 170 out');
  const tokenBars = await page
    .locator('#chart-tokens svg rect.bar')
    .evaluateAll((bars) => bars.map((b) => [b.getAttribute('class'), Number(b.getAttribute('data-value'))]));
  assert.deepEqual(tokenBars, [
    ['bar series-0', 300],
    ['bar series-1', 20],
    ['bar series-0', 12_600],
    ['bar series-1', 150],
  ]);
  assert.equal(
    await page.locator('#chart-tokens svg rect.bar').nth(2).getAttribute('data-label'),
    dayLabel(now - 3_600_000),
  );
  assert.deepEqual(await page.locator('#token-models li').allTextContents(), [
    'gemini gemini-2.5-flash: 12.6K in, 150 out (2 calls)',
    'openai gpt-4o-mini: 300 in, 20 out (1 call)',
  ]);
  // Calls per day: the one browser call, one stacked segment.
  assert.equal(await page.locator('#chart-calls svg rect.bar').count(), 1);
  // The data table fallback holds the same numbers.
  await page.locator('#chart-leads-status summary').click();
  assert.equal(
    await page.locator('#chart-leads-status table tbody tr', { hasText: 'Won' }).locator('td').textContent(),
    '1',
  );
  await mkdir(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.deepEqual(problems, []);
});

/** The day as the page labels it (the organisation's zone, Asia/Kolkata). */
function dayLabel(at: number): string {
  return new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    timeZone: 'Asia/Kolkata',
  }).format(new Date(at));
}

/** The tooltip of a latency point: series, the day as the page labels it (org zone), the value. */
function expect2(series: string, at: number, value: string): string {
  return `${series}, ${dayLabel(at)}: ${value}`;
}

test('a recent call opens its transcript, and the page refreshes itself', async () => {
  const row = page.locator(`#sessions-body tr[data-id="${callId}"]`);
  assert.equal(await row.locator('td').nth(1).textContent(), 'browser');
  await row.getByRole('link', { name: /Read the transcript of the browser call/ }).click();
  await page.locator('#transcript-panel').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#transcript-title').textContent(), 'Transcript of the browser call');
  assert.equal(
    await page.locator('#transcript-entries .entry.user p').first().textContent(),
    'Add a new lead: Kavya Rao from Mysore, phone 9845012345, source Instagram',
  );
  assert.ok((await page.locator('#transcript-entries .entry.tool').count()) >= 1);

  // Nothing is clicked: the 10 s refresh picks up a lead created meanwhile.
  const loads = Number(await page.locator('body').getAttribute('data-loaded'));
  await leadAt('FOLLOW_UP', 'Walk-in', new Date());
  await page.locator('#card-leads', { hasText: '4' }).waitFor({ timeout: 15_000 });
  assert.ok(Number(await page.locator('body').getAttribute('data-loaded')) > loads);
  assert.equal(
    await page.locator('#chart-leads-status rect.bar[data-label="Follow-up"]').getAttribute('data-value'),
    '1',
  );

  // By the hour over the last day: only the hour with the three recent spoken turns has points.
  await page.locator('#range').selectOption('24h');
  await page.locator('#chart-latency .x-label', { hasText: 'Hour' }).waitFor();
  const latency = page.locator('#chart-latency svg');
  assert.deepEqual(await latency.locator('g[data-series="p50"] circle.point title').allTextContents(), [
    `p50, ${hourLabel(Date.now() - 3_600_000)}: 900`,
  ]);
  assert.equal(await latency.locator('g[data-series="p95"] circle.point').count(), 1);
  // The two leads of days ago are out of this range.
  assert.equal(await page.locator('#card-leads').textContent(), '2');
  assert.deepEqual(problems, []);
});

/** The label of the local hour holding `at`, as the page writes it (the organisation's zone, Asia/Kolkata). */
function hourLabel(at: number): string {
  const hour = new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    hourCycle: 'h23',
    timeZone: 'Asia/Kolkata',
  });
  return `${hour.format(new Date(at))}:00`;
}

test('a wrong API key is reported and kept in localStorage; clearing it goes back to open mode', async () => {
  await page.locator('#auto-refresh').uncheck();
  await page.locator('#api-key').fill('not-a-key');
  await page.locator('#api-key').dispatchEvent('change');
  await page.locator('#notice', { hasText: 'Unknown API key. Enter the API key above.' }).waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('rooman-api-key')), 'not-a-key');
  await page.reload();
  assert.equal(await page.locator('#api-key').inputValue(), 'not-a-key');
  await page.locator('#notice', { hasText: 'Unknown API key' }).waitFor();

  await page.locator('#api-key').fill('');
  await page.locator('#api-key').dispatchEvent('change');
  await page.locator('#notice').waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => localStorage.getItem('rooman-api-key')), null);
  // The page reloaded above, back on the default range (7 days).
  assert.equal(await page.locator('#card-leads').textContent(), '4');
  // Chromium itself logs each refused request as a failed resource; nothing else may go wrong.
  assert.deepEqual(
    problems.filter((p) => !/status of 401 \(Unauthorized\)/.test(p)),
    [],
  );
});
