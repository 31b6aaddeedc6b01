/**
 * `rooman` as a person runs it: a real process, real environment variables, real signals. Covers the composition
 * root (src/server.ts) and the CLI's own promises: a clear error for bad configuration, a banner with the URLs, a
 * clean stop on SIGTERM with the data kept.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const baseEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  LOG_LEVEL: 'warn',
  ROOMAN_LOG_FORMAT: 'json',
};

function run(args: string[], env: Record<string, string | undefined> = {}) {
  return spawnSync(process.execPath, [MAIN, ...args], {
    env: { ...baseEnv, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** Resolves with everything printed once `pattern` shows on stdout. */
function waitFor(child: ChildProcess, pattern: RegExp, timeoutMs = 90_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}; got:\n${out}`)),
      timeoutMs,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${pattern}; got:\n${out}`));
    });
  });
}

describe('rooman CLI', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('prints usage for help and refuses an unknown command with exit code 2', () => {
    const help = run(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /rooman <command>/);
    assert.match(help.stdout, /understand/);
    const unknown = run(['fly']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command 'fly'/);
  });

  it('names every bad setting at start-up and exits 2 without starting', () => {
    const result = run(['start'], { PORT: 'eighty', ROOMAN_TZ: 'Mars/Olympus', DATABASE_URL: 'mysql://x' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /PORT="eighty": must be a port number/);
    assert.match(result.stderr, /ROOMAN_TZ="Mars\/Olympus": must be an IANA time zone/);
    // A database URL may carry a password: it is named, never echoed.
    assert.match(result.stderr, /DATABASE_URL=\(hidden\): must be a URL/);
    assert.doesNotMatch(result.stderr, /mysql:/);
  });

  it('starts, answers the bot and the CRM, stops on SIGTERM, and keeps the data', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rooman-cli-'));
    dirs.push(dataDir);
    const child = spawn(process.execPath, [MAIN, 'start'], {
      env: { ...baseEnv, PORT: '0', HOST: '127.0.0.1', ROOMAN_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const banner = await waitFor(child, /Time zone\s+: Asia\/Kolkata[\s\S]*={60}/);
      assert.match(banner, /Database\s+: embedded PGlite at /);
      const base = /Health\s+: (http:\/\/[^\s]+)\/healthz/.exec(banner)![1]!;

      const health = await fetch(`${base}/healthz`);
      assert.equal(health.status, 200);
      const turn = await fetch(`${base}/bot/handle`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          transcript: 'Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram',
        }),
      });
      const body = (await turn.json()) as { intent: string; result: { lead_id: string } };
      assert.equal(body.intent, 'LEAD_CREATE');
      const lead = (await (await fetch(`${base}/crm/leads/${body.result.lead_id}`)).json()) as {
        city: string;
      };
      assert.equal(lead.city, 'Gurgaon');

      // Call transcripts are served by the same server (no call yet: an empty page).
      const callsResponse = await fetch(`${base}/api/sessions`);
      assert.equal(callsResponse.status, 200);
      const calls = (await callsResponse.json()) as { sessions: unknown[]; total: number };
      assert.deepEqual(calls.sessions, []);
      assert.equal(calls.total, 0);

      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      const csv = await readFile(join(dataDir, 'crm_leads.csv'), 'utf8');
      assert.match(
        csv,
        new RegExp(
          `^lead_id,name,phone,city,source,status,created_at\\n${body.result.lead_id},Rohan Sharma,9876543210,Gurgaon,Instagram,NEW,`,
        ),
      );
    } finally {
      child.kill('SIGKILL');
    }
  });
});
