/** The bench harness: runs benchmarks in order, keeps going past a broken one, writes the JSON and the table. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BENCHES, type BenchEntry, formatTable, parseArgs, runBenches } from '../../bench/run.ts';

async function tempDir(t: import('node:test').TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'rooman-bench-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('every registered benchmark has a unique name and loads to a function', async () => {
  const names = BENCHES.map((b) => b.name);
  assert.equal(new Set(names).size, names.length, `duplicate names in ${names.join(', ')}`);
  for (const name of ['crm', 'understanding', 'audio', 'speech']) assert.ok(names.includes(name), name);
  for (const bench of BENCHES) assert.equal(typeof (await bench.load()), 'function', bench.name);
});

test('runs every benchmark one after another and writes latest.json plus a timestamped copy', async (t) => {
  const outDir = await tempDir(t);
  const order: string[] = [];
  let running = 0;
  const bench = (name: string, result: Record<string, unknown>): BenchEntry => ({
    name,
    load: async () => async (context) => {
      running++;
      assert.equal(running, 1, 'two benchmarks ran at once');
      order.push(name);
      context.log('warming up');
      await new Promise((r) => setTimeout(r, 10));
      running--;
      return result;
    },
  });
  const lines: string[] = [];
  const report = await runBenches(
    [bench('a', { ops_per_s: 1234.5, latency: { p50_ms: 0.8, p99_ms: 2.25 } }), bench('b', { items: 3 })],
    { outDir, log: (l) => lines.push(l), now: () => new Date('2026-01-02T03:04:05.678Z') },
  );
  assert.deepEqual(order, ['a', 'b']);
  assert.ok(lines.includes('  a: warming up'));
  assert.equal(report.benches.a?.status, 'ok');
  assert.deepEqual(report.benches.a?.result, { ops_per_s: 1234.5, latency: { p50_ms: 0.8, p99_ms: 2.25 } });
  assert.ok((report.benches.a?.duration_ms ?? 0) >= 5);
  assert.equal(report.machine.node, process.version);

  const files = (await readdir(outDir)).sort();
  assert.deepEqual(files, ['2026-01-02T03-04-05-678Z.json', 'latest.json']);
  const written = JSON.parse(await readFile(join(outDir, 'latest.json'), 'utf8'));
  assert.deepEqual(written, JSON.parse(JSON.stringify(report)));

  const table = formatTable(report);
  assert.match(table, /^bench\s+metric\s+value$/m);
  assert.match(table, /^a\s+latency\.p99_ms\s+2\.25$/m);
  assert.match(table, /^a\s+ops_per_s\s+1234\.5$/m);
  assert.match(table, /^b\s+items\s+3$/m);
});

test('a failing benchmark is recorded as an error and the others still run', async (t) => {
  const outDir = await tempDir(t);
  const report = await runBenches(
    [
      { name: 'broken', load: async () => Promise.reject(new Error('Cannot find module ./broken.ts')) },
      { name: 'fine', load: async () => async () => ({ n: 1 }) },
    ],
    { outDir, log: () => {} },
  );
  assert.equal(report.benches.broken?.status, 'error');
  assert.match(report.benches.broken?.error ?? '', /Cannot find module/);
  assert.equal(report.benches.fine?.status, 'ok');
  assert.match(formatTable(report), /^broken\s+ERROR\s+Error: Cannot find module/m);
});

test('--only runs the named benchmark alone, and an unknown name is refused', async (t) => {
  const outDir = await tempDir(t);
  const ran: string[] = [];
  const entries: BenchEntry[] = ['x', 'y'].map((name) => ({
    name,
    load: async () => async () => {
      ran.push(name);
      return {};
    },
  }));
  const report = await runBenches(entries, { ...parseArgs(['--only', 'y']), outDir, log: () => {} });
  assert.deepEqual(ran, ['y']);
  assert.deepEqual(Object.keys(report.benches), ['y']);
  await assert.rejects(
    runBenches(entries, { only: ['z'], outDir, log: () => {} }),
    /Unknown benchmark z; known: x, y/,
  );
  assert.deepEqual(parseArgs(['--only=x,y']).only, ['x', 'y']);
  assert.throws(() => parseArgs(['--fast']), /Unknown argument --fast/);
});
