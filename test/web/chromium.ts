/**
 * Headless Chromium for the browser tests: Debian's chromium driven by playwright-core, with the flags that keep it
 * quiet on a machine whose only network is loopback (and that let it run as root in CI), a fresh profile, and every
 * page error or console error collected so a test can insist the page ran clean.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const QUIET_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Flags for a page that takes the microphone: a fake device playing `wav`, granted without a prompt. */
export const fakeMicrophone = (wav: string): string[] => [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  `--use-file-for-fake-audio-capture=${wav}`,
  '--autoplay-policy=no-user-gesture-required',
];

export interface LaunchedPage {
  context: BrowserContext;
  page: Page;
  /** Script errors and console errors seen so far. */
  problems: string[];
}

export async function launchChromium(
  profileDir: string,
  options: { args?: string[]; viewport?: { width: number; height: number }; timeoutMs?: number } = {},
): Promise<LaunchedPage> {
  assert.ok(
    existsSync(CHROMIUM),
    `Chromium not found at ${CHROMIUM}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.`,
  );
  // launchPersistentContext: the one Playwright launch that takes a --user-data-dir (a fresh, empty profile).
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...QUIET_FLAGS, ...(options.args ?? [])],
    viewport: options.viewport ?? { width: 1280, height: 900 },
    timeout: 60_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(options.timeoutMs ?? 20_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return { context, page, problems };
}
