/**
 * The phone-calls page (web/calls.html) in headless Chromium against the real routes and the fake Twilio: a campaign
 * appears with its progress counts and chart, a live call shows its transcript and is hung up from the page.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { registerWebRoutes } from '../../src/http/routes/web.ts';
import { CallRepository } from '../../src/store/calls.ts';
import type { Database } from '../../src/store/database.ts';
import { TranscriptRepository } from '../../src/store/transcripts.ts';
import { databaseTargets } from '../helpers/db.ts';
import { type LaunchedPage, launchChromium } from '../web/chromium.ts';
import { type Harness, startHarness } from './harness.ts';

describe('phone-calls page', () => {
  let database: Database;
  let h: Harness;
  let browser: LaunchedPage;
  let profile: string;

  before(async () => {
    database = await (databaseTargets()[0] as { open(): Promise<Database> }).open();
    h = await startHarness({
      database,
      beforeListen: (app) => {
        registerWebRoutes(app);
      },
    });
    profile = await mkdtemp(join(tmpdir(), 'rooman-calls-page-'));
    browser = await launchChromium(profile);
  });
  after(async () => {
    await browser.context.close();
    await rm(profile, { recursive: true, force: true });
    await h.close();
    await database.close();
  });

  test('campaign progress and a live call hung up from the page', async () => {
    const numbers = ['+14155550601', '+14155550602', '+14155550603'];
    for (const n of numbers) h.fake.script(n, { outcome: 'answered' });
    const created = await h.api('POST', '/api/campaigns', {
      name: 'Page test',
      concurrency: 1,
      window: { start: '00:00', end: '23:59' },
      targets: numbers.map((to) => ({ to })),
    });
    assert.equal(created.status, 201);
    await h.tick();
    const [call] = h.fake.callsTo('+14155550601');
    assert.ok(call);
    await h.fake.waitFor(() => call.status === 'in-progress', 'the answer');
    // The bridge has the call: transcript so far, and a heartbeat in the live registry.
    const sessionId = randomUUID();
    const transcripts = new TranscriptRepository(database.db);
    await transcripts.startSession(h.org.id, sessionId, 'twilio', h.clock.now());
    await transcripts.append(h.org.id, sessionId, {
      seq: 1,
      turn: 1,
      role: 'agent',
      text: 'Hello from Rooman',
      startedAt: h.clock.now(),
    });
    const row = (await h.api('GET', `/api/campaigns/${created.body.id}/targets`)).body.targets[0];
    await new CallRepository(database.db).markLive(
      h.org.id,
      row.call_id,
      { instanceId: 'x', sessionId },
      h.clock.now(),
    );

    const { page, problems } = browser;
    await page.goto(`${h.url}/calls`);
    await page.getByRole('button', { name: 'Page test' }).click();
    await page.locator('#campaign-counts').getByText('dialing').waitFor();
    const counts = await page.locator('#campaign-counts dd').allTextContents();
    assert.deepEqual(
      counts.slice(0, 5),
      ['0', '0', '1', '2', '0'],
      'done, failed, dialing, pending, cancelled',
    );
    assert.ok((await page.locator('#campaign-chart rect').count()) > 0, 'the chart has bars');

    await page.locator('#live').getByText('Agent: Hello from Rooman').waitFor();
    await page.locator('#live').getByRole('button', { name: 'Hang up' }).click();
    await h.fake.waitFor(() => call.status === 'completed', 'the hang-up from the page');
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('#campaign-name').getByText('(paused)').waitFor();
    assert.deepEqual(problems, []);
  });
});
