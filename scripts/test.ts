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
  /** Where the runner's report goes; `inherit` for a person or CI, `pipe` for a test of this script. */
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
    // A test file that leaves a handle open (a socket, a timer) would otherwise keep CI waiting until its 90
    // minutes run out; the runner still reports which tests passed and failed.
    '--test-force-exit',
    ...nodeArgs,
    ...files.map((f) => relative(root, f)),
  ];
  // Started from inside a test file (this script's own tests), Node marks the environment as a test child; the
  // nested runner must not inherit that or it reports in the parent's binary protocol instead of printing.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  // process.execPath: the Node 24 that runs this script (npm puts node_modules/.bin first on PATH).
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: options.stdio ?? 'inherit' });
  if (options.onOutput) {
    child.stdout?.setEncoding('utf8').on('data', options.onOutput);
    child.stderr?.setEncoding('utf8').on('data', options.onOutput);
  }
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    return await new Promise<number>((done, fail) => {
      child.on('error', fail);
      child.on('close', (code, signal) => {
        if (signal) say(`node --test ended by ${signal}\n`);
        done(code ?? 1);
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
