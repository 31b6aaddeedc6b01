/**
 * `npm run bench`: runs every benchmark one after another (never in parallel: they would measure each other),
 * writes `bench/results/latest.json` and a timestamped copy, and prints a short table.
 *
 *   npm run bench                 all benchmarks
 *   npm run bench -- --only crm   one of them
 *
 * A benchmark is a module exporting an async function that takes a BenchContext and resolves to a JSON object of
 * measurements (numbers, nested objects of numbers, a few strings describing the setup). Add new ones to BENCHES.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface BenchContext {
  /** Progress for the person waiting; goes to stderr, prefixed with the benchmark's name. */
  log: (message: string) => void;
  /** Aborted on Ctrl-C: long benchmarks should stop early. */
  signal: AbortSignal;
}

export type BenchFunction = (context: BenchContext) => Promise<Record<string, unknown>>;

export interface BenchEntry {
  name: string;
  /** Loads the benchmark lazily, so one broken module does not stop the others (or `--only` of another). */
  load: () => Promise<BenchFunction>;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every benchmark, in the order they run. */
export const BENCHES: BenchEntry[] = [
  { name: 'crm', load: async () => (await import('./crm.ts')).benchCrm },
  { name: 'understanding', load: async () => (await import('./understanding.ts')).benchUnderstanding },
  { name: 'speech', load: async () => (await import('./speech.ts')).benchSpeech },
  { name: 'audio', load: async () => (await import('./audio.ts')).benchAudio },
  { name: 'voice', load: async () => (await import('./voice.ts')).benchVoice },
  { name: 'gemini-live', load: async () => (await import('./gemini-live.ts')).benchGeminiLive },
  { name: 'model-brain', load: async () => (await import('./model-brain.ts')).benchModelBrain },
  { name: 'mcp', load: async () => (await import('./mcp.ts')).benchMcp },
  { name: 'twilio', load: async () => (await import('./twilio.ts')).benchTwilio },
  { name: 'calendar', load: async () => (await import('./calendar.ts')).benchCalendar },
  { name: 'messages', load: async () => (await import('./messages.ts')).benchMessages },
  { name: 'dialler', load: async () => (await import('./dialler.ts')).benchDialler },
];

export interface BenchOutcome {
  status: 'ok' | 'error';
  duration_ms: number;
  result?: Record<string, unknown>;
  error?: string;
}

export interface BenchReport {
  started_at: string;
  finished_at: string;
  commit: string | null;
  machine: {
    node: string;
    platform: string;
    arch: string;
    cpus: number;
    cpu_model: string;
    memory_gb: number;
  };
  benches: Record<string, BenchOutcome>;
}

export interface RunOptions {
  only?: string[];
  /** Where results are written; default bench/results. */
  outDir?: string;
  log?: (line: string) => void;
  signal?: AbortSignal;
  now?: () => Date;
}

export async function runBenches(entries: BenchEntry[], options: RunOptions = {}): Promise<BenchReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const signal = options.signal ?? new AbortController().signal;
  const unknown = (options.only ?? []).filter((name) => !entries.some((e) => e.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown benchmark ${unknown.join(', ')}; known: ${entries.map((e) => e.name).join(', ')}`,
    );
  }
  const chosen = options.only?.length ? entries.filter((e) => options.only!.includes(e.name)) : entries;

  const started = now();
  const report: BenchReport = {
    started_at: started.toISOString(),
    finished_at: '',
    commit: await currentCommit(),
    machine: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: os.availableParallelism(),
      cpu_model: os.cpus()[0]?.model ?? 'unknown',
      memory_gb: Math.round(os.totalmem() / 2 ** 30),
    },
    benches: {},
  };

  for (const [index, entry] of chosen.entries()) {
    if (signal.aborted) break;
    log(`[${index + 1}/${chosen.length}] ${entry.name}…`);
    const t0 = performance.now();
    try {
      const bench = await entry.load();
      if (typeof bench !== 'function') throw new Error(`bench module '${entry.name}' exports no function`);
      const result = await bench({ log: (message) => log(`  ${entry.name}: ${message}`), signal });
      report.benches[entry.name] = { status: 'ok', duration_ms: elapsed(t0), result: toJsonObject(result) };
      log(`[${index + 1}/${chosen.length}] ${entry.name} done in ${(elapsed(t0) / 1000).toFixed(1)} s`);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      report.benches[entry.name] = { status: 'error', duration_ms: elapsed(t0), error: message };
      log(`[${index + 1}/${chosen.length}] ${entry.name} FAILED: ${message}`);
    }
  }

  const finished = now();
  report.finished_at = finished.toISOString();
  const outDir = options.outDir ?? join(ROOT, 'bench/results');
  await mkdir(outDir, { recursive: true });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(join(outDir, 'latest.json'), text);
  await writeFile(join(outDir, `${started.toISOString().replace(/[:.]/g, '-')}.json`), text);
  return report;
}

const elapsed = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;

/** Keeps what JSON can say (a Map or a bigint in a result would otherwise vanish or throw at write time). */
function toJsonObject(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(value, (_key, v) =>
      typeof v === 'bigint' ? Number(v) : v instanceof Map ? Object.fromEntries(v) : v,
    ),
  ) as Record<string, unknown>;
}

async function currentCommit(): Promise<string | null> {
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/** Numeric leaves of a result as dotted keys: `{ latency: { p50_ms: 1 } }` → `latency.p50_ms = 1`. */
export function numericLeaves(value: unknown, prefix = ''): Array<[string, number]> {
  if (typeof value === 'number' && Number.isFinite(value)) return [[prefix, value]];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, v]) => numericLeaves(v, prefix ? `${prefix}.${key}` : key));
}

/** The short table printed at the end: a few headline numbers per benchmark, full detail in the JSON. */
export function formatTable(report: BenchReport, perBench = 12): string {
  const rows: Array<[string, string, string]> = [['bench', 'metric', 'value']];
  for (const [name, outcome] of Object.entries(report.benches)) {
    if (outcome.status === 'error') {
      rows.push([name, 'ERROR', (outcome.error ?? '').split('\n')[0] ?? '']);
      continue;
    }
    const leaves = numericLeaves(outcome.result);
    for (const [metric, value] of leaves.slice(0, perBench)) rows.push([name, metric, formatNumber(value)]);
    if (leaves.length > perBench) rows.push([name, `… ${leaves.length - perBench} more`, '']);
    rows.push([name, 'duration_s', formatNumber(outcome.duration_ms / 1000)]);
  }
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: [string, string, string]) =>
    `${r[0].padEnd(widths[0]!)}  ${r[1].padEnd(widths[1]!)}  ${r[2].padStart(widths[2]!)}`;
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const digits = Math.abs(n) >= 100 ? 1 : Math.abs(n) >= 1 ? 2 : 4;
  return n.toFixed(digits);
}

export function parseArgs(args: string[]): { only: string[] } {
  const only: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--only') {
      const name = args[++i];
      if (!name) throw new Error('--only needs a benchmark name');
      only.push(...name.split(','));
    } else if (arg.startsWith('--only=')) {
      only.push(...arg.slice('--only='.length).split(','));
    } else {
      throw new Error(`Unknown argument ${arg}; usage: npm run bench [-- --only NAME]`);
    }
  }
  return { only };
}

if (import.meta.main) {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  try {
    const { only } = parseArgs(process.argv.slice(2));
    const report = await runBenches(BENCHES, { only, signal: controller.signal });
    console.log(formatTable(report));
    console.log(`\nwrote ${join('bench/results', 'latest.json')}`);
    process.exitCode = Object.values(report.benches).some((b) => b.status === 'error') ? 1 : 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  }
}
