/**
 * The page's call button end to end in headless Chromium: a fake microphone plays festival speech (Chromium's
 * --use-file-for-fake-audio-capture), the capture worklet downsamples it to 16 kHz, the server recognizes it, and
 * the conversation panel shows what was said and the agent's reply while the reply's audio comes down the socket.
 * Typing during the call goes over the same socket. Screenshot: artifacts/web-call.png.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { writeWav } from '../../src/audio/wav.ts';
import { loadConfig } from '../../src/core/config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { buildRooman } from '../../src/server.ts';
import { festivalSpeech, SHARED_MODELS } from '../speech/fixtures.ts';
import { fakeMicrophone, launchChromium } from './chromium.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOT = join(ROOT, 'artifacts/web-call.png');
const SAID =
  'add a new lead rohan sharma from gurgaon phone nine eight seven six five four three two one zero';

let workDir: string;
let rooman: Awaited<ReturnType<typeof buildRooman>> | undefined;
let context: BrowserContext | undefined;
let page: Page;
let baseUrl: string;
let pageProblems: string[] = [];
let audioFramesIn = 0;
let audioBytesOut = 0;
/** The call's JSON frames both ways, in order. */
const controlFrames: Array<{ dir: 'in' | 'out'; message: { type: string; [k: string]: unknown } }> = [];

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'rooman-web-call-'));
  // The fake microphone: 1.5 s of silence, the request, then silence long enough that the loop never repeats it.
  const speech = await festivalSpeech(SAID);
  const lead = 24_000;
  const samples = new Int16Array(lead + speech.length + 16_000 * 40);
  samples.set(speech, lead);
  const wav = join(workDir, 'caller.wav');
  await writeFile(wav, writeWav({ sampleRate: 16_000, channels: 1, samples }));

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
  baseUrl = `http://127.0.0.1:${(rooman.app.server.address() as AddressInfo).port}`;

  ({
    context,
    page,
    problems: pageProblems,
  } = await launchChromium(join(workDir, 'profile'), {
    args: fakeMicrophone(wav),
    timeoutMs: 30_000,
  }));
  page.on('websocket', (ws) => {
    ws.on('framesent', (frame) => {
      if (typeof frame.payload !== 'string') audioFramesIn++;
      else controlFrames.push({ dir: 'out', message: JSON.parse(frame.payload) });
    });
    ws.on('framereceived', (frame) => {
      if (typeof frame.payload !== 'string') audioBytesOut += frame.payload.length;
      else controlFrames.push({ dir: 'in', message: JSON.parse(frame.payload) });
    });
  });
});

after(async () => {
  await context?.close();
  await rooman?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

test('the call button: what the caller said and the reply appear in the conversation; typing goes over the call', async () => {
  await page.goto(`${baseUrl}/`);
  const bot = { requests: 0 };
  page.on('request', (r) => {
    if (r.url().endsWith('/bot/handle')) bot.requests++;
  });
  await page.getByRole('button', { name: 'Call' }).click();
  await page.locator('#call-bar').waitFor({ state: 'visible' });
  await page.locator('#call-bar [data-call-state]').filter({ hasText: 'Listening' }).waitFor();

  // The caller's words, recognized from the fake microphone (the 3.3M model gets the digits right).
  const said = page
    .locator('#transcript li.bubble.user:not(.partial)')
    .filter({ hasText: /seven six five four/ });
  await said.waitFor({ timeout: 45_000 });
  const reply = said.locator('xpath=following-sibling::li[contains(@class,"agent")]').first();
  await reply.waitFor();
  const replyText = (await reply.locator('p').textContent())?.trim() ?? '';
  assert.ok(replyText.length > 10, `reply: ${replyText}`);
  // The reply is spoken: 24 kHz PCM came down the socket, and the microphone went up it in 20 ms frames.
  for (let i = 0; i < 50 && audioBytesOut < 48_000; i++) await page.waitForTimeout(100);
  assert.ok(audioBytesOut >= 48_000, `only ${audioBytesOut} bytes of agent audio reached the page`);
  assert.ok(audioFramesIn > 100, `only ${audioFramesIn} microphone frames were sent`);

  await mkdir(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  // Typed text during the call is a turn of the call, not a /bot/handle request.
  await page.getByLabel('Message').fill('hello');
  await page.getByLabel('Message').press('Enter');
  await page
    .locator('#transcript li.bubble.user')
    .filter({ hasText: /^You\s*hello$/ })
    .waitFor();
  assert.equal(bot.requests, 0);

  // Barge-in in the browser: a long reply is playing, the caller types; the server says `clear`, the playback
  // queue empties at once (its played count restarts at 0) and the reply is marked as cut off.
  await page
    .getByLabel('Message')
    .fill('Add a new lead: Meera Nair from Pune, phone 9822012345, source Instagram');
  await page.getByLabel('Message').press('Enter');
  const meera = page.locator('#transcript li.bubble.agent[data-turn]').filter({ hasText: /Meera/ });
  await meera.waitFor();
  await page.locator('#call-bar [data-call-state]').filter({ hasText: 'speaking' }).waitFor();
  await page.waitForTimeout(500);
  await page.getByLabel('Message').fill('what meetings do I have tomorrow');
  await page.getByLabel('Message').press('Enter');
  await page.locator('#transcript li.bubble.agent.interrupted').filter({ hasText: /Meera/ }).waitFor();
  const clearAt = controlFrames.findIndex((f) => f.dir === 'in' && f.message.type === 'clear');
  assert.ok(clearAt >= 0, 'no clear reached the page');
  // A `played` report the page sent just before it handled the clear may be recorded after it: what matters is that
  // the page reports the restarted count (0) once it has.
  const restarted = () =>
    controlFrames
      .slice(clearAt)
      .some((f) => f.dir === 'out' && f.message.type === 'played' && f.message.ms === 0);
  for (let i = 0; i < 20 && !restarted(); i++) await page.waitForTimeout(100);
  assert.ok(restarted(), 'the playback queue did not restart its count at the clear');
  const interrupted = controlFrames.find((f) => f.message.type === 'agent.interrupted')!.message;
  assert.ok(
    Number(interrupted.played_ms) > 0 && Number(interrupted.played_ms) < Number(interrupted.total_ms),
  );

  // Mute, then hang up: the call button comes back.
  await page.getByRole('button', { name: 'Mute' }).click();
  assert.equal(await page.getByRole('button', { name: 'Unmute' }).getAttribute('aria-pressed'), 'true');
  await page.getByRole('button', { name: 'Hang up' }).click();
  await page.getByRole('button', { name: 'Call' }).waitFor();
  assert.equal(await page.locator('#call-bar').isHidden(), true);
  assert.deepEqual(pageProblems, []);
});
