/**
 * `npm test`: runs every `test/**\/*.test.ts` with Node's own test runner and exits non-zero when any test fails.
 *
 *   npm test                          all tests
 *   npm test -- test/web              the tests under a folder
 *   npm test -- test/crm/api.test.ts  one file
 *   npm test -- leads                 the test files whose path contains "leads"
 *   npm test -- --test-name-pattern=phone   any `--flag` goes to `node --test` as it is
 *
 * Each test file runs in its own process; two at a time suits the two-core machines this runs on (CI included), and
 * keeps the browser and database tests from starving each other.
 */
import { type StdioOptions, spawn } from 'node:child_process';
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONCURRENCY = 2;
/** Per test, not per file: generous because the browser test starts Chromium and a whole server. */
const TEST_TIMEOUT_MS = 120_000;

/** Every `*.test.ts` under `dir`, sorted so runs are repeatable. */
export async function findTestFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return found;
    throw error;
  }
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.test.ts')) continue;
    const full = join(entry.parentPath, entry.name);
    if (full.split(sep).includes('node_modules')) continue;
    found.push(full);
  }
  return found.sort();
}

export interface TestSelection {
  files: string[];
  nodeArgs: string[];
  /** Arguments that matched no test file: a typo should fail loudly, not run nothing. */
  unmatched: string[];
}

/**
 * Splits the command line into flags for `node --test` and file filters. A filter is a test file, a folder (every
 * test file under it) or a substring of a test file's path relative to the repository.
 */
export async function selectTests(args: string[], root = ROOT): Promise<TestSelection> {
  const all = await findTestFiles(join(root, 'test'));
  const nodeArgs: string[] = [];
  const filters: string[] = [];
  for (const arg of args) (arg.startsWith('-') ? nodeArgs : filters).push(arg);
  if (filters.length === 0) return { files: all, nodeArgs, unmatched: [] };

  const chosen = new Set<string>();
  const unmatched: string[] = [];
  for (const filter of filters) {
    const before = chosen.size;
    const asPath = resolve(root, filter);
    const info = await stat(asPath).catch(() => null);
    if (info?.isFile()) chosen.add(asPath);
    else if (info?.isDirectory()) for (const f of await findTestFiles(asPath)) chosen.add(f);
    else for (const f of all) if (relative(root, f).includes(filter)) chosen.add(f);
    if (chosen.size === before && !info?.isFile()) unmatched.push(filter);
  }
  return { files: [...chosen].sort(), nodeArgs, unmatched };
}

export interface RunOptions {
  root?: string;
  /**
   * With no output for this long the run is stopped and fails (default 10 minutes, far above the slowest file):
   * a test file whose tests ended but which left a handle open (a socket, a timer) would otherwise keep CI waiting.
   * The runner, interrupted, names the files still running.
   */
  silenceLimitMs?: number;
  /** `ignore` drops the runner's report; otherwise it goes to `onOutput`, or to this process's stdout and stderr. */
  stdio?: StdioOptions;
  onOutput?: (chunk: string) => void;
}

/** Runs the selected tests; resolves to the exit code (0 all passed, 1 a test failed, 2 nothing to run). */
export async function runTests(cliArgs: string[], options: RunOptions = {}): Promise<number> {
  const root = options.root ?? ROOT;
  const say = options.onOutput ?? ((line: string) => console.error(line));
  const { files, nodeArgs, unmatched } = await selectTests(cliArgs, root);
  if (unmatched.length > 0) {
    say(`No test file matches: ${unmatched.join(', ')}\n`);
    return 2;
  }
  if (files.length === 0) {
    say(`No test files (*.test.ts) under ${join(root, 'test')}\n`);
    return 2;
  }
  const args = [
    '--test',
    `--test-concurrency=${CONCURRENCY}`,
    `--test-timeout=${TEST_TIMEOUT_MS}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    // Not --test-force-exit: with several files at once it silently drops the last verdicts of a file (counts came
    // out 20–30 tests short, exit 0; nodejs/node#64833). A file that leaves a handle open is caught by the silence
    // watchdog below instead.
    ...nodeArgs,
    ...files.map((f) => relative(root, f)),
  ];
  // Started from inside a test file (this script's own tests), Node marks the environment as a test child; the
  // nested runner must not inherit that or it reports in the parent's binary protocol instead of printing.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  // The report is relayed through a pipe (for the watchdog); a person at a terminal still gets it in colour.
  if (process.stdout.isTTY && env.FORCE_COLOR === undefined && env.NO_COLOR === undefined)
    env.FORCE_COLOR = '1';
  // process.execPath: the Node 24 that runs this script (npm puts node_modules/.bin first on PATH).
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const silenceLimitMs = options.silenceLimitMs ?? 10 * 60_000;
  let silent = false;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const quietFor = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      silent = true;
      say(
        `\nNo test output for ${Math.round(silenceLimitMs / 1000)} s: a test file is hanging (a handle left open?).` +
          ' Stopping the run; the files still running are named below.\n',
      );
      child.kill('SIGINT');
      // The runner reports and exits on SIGINT; if it does not, it is killed.
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    }, silenceLimitMs);
  };
  quietFor();
  const relay = (stream: NodeJS.ReadableStream | null, to: NodeJS.WritableStream) => {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      quietFor();
      if (options.onOutput) options.onOutput(chunk);
      else if (options.stdio !== 'ignore') to.write(chunk);
    });
  };
  relay(child.stdout, process.stdout);
  relay(child.stderr, process.stderr);
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    return await new Promise<number>((done, fail) => {
      child.on('error', fail);
      child.on('close', (code, signal) => {
        clearTimeout(watchdog);
        if (signal) say(`node --test ended by ${signal}\n`);
        done(silent ? 1 : (code ?? 1));
      });
    });
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}

if (import.meta.main) {
  process.exitCode = await runTests(process.argv.slice(2));
}
