/** `npm test` itself: which files it picks, and that a failing test makes it fail with the runner's summary. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runTests, selectTests } from '../../scripts/test.ts';

let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'rooman-test-cmd-'));
  await mkdir(join(root, 'test/crm'), { recursive: true });
  await mkdir(join(root, 'test/web'), { recursive: true });
  const passing = `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\ntest('adds', () => assert.equal(1 + 1, 2));\n`;
  const failing = `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\ntest('breaks', () => assert.equal(1 + 1, 3));\n`;
  await writeFile(join(root, 'test/crm/leads.test.ts'), passing);
  await writeFile(join(root, 'test/web/page.test.ts'), failing);
  await writeFile(join(root, 'test/web/helpers.ts'), 'export const notATest = true;\n');
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('with no arguments every *.test.ts under test/ is chosen, and nothing else', async () => {
  const selection = await selectTests([], root);
  assert.deepEqual(selection.files, [
    join(root, 'test/crm/leads.test.ts'),
    join(root, 'test/web/page.test.ts'),
  ]);
  assert.deepEqual(selection.nodeArgs, []);
});

test('a folder, a file or a path fragment narrows the run; flags go to node --test', async () => {
  const byFolder = await selectTests(['test/web', '--test-name-pattern=breaks'], root);
  assert.deepEqual(byFolder.files, [join(root, 'test/web/page.test.ts')]);
  assert.deepEqual(byFolder.nodeArgs, ['--test-name-pattern=breaks']);
  assert.deepEqual((await selectTests(['test/crm/leads.test.ts'], root)).files, [
    join(root, 'test/crm/leads.test.ts'),
  ]);
  assert.deepEqual((await selectTests(['leads'], root)).files, [join(root, 'test/crm/leads.test.ts')]);
});

test('a filter that matches nothing is reported, so a typo cannot pass by running no test', async () => {
  const selection = await selectTests(['no-such-thing'], root);
  assert.deepEqual(selection.files, []);
  assert.deepEqual(selection.unmatched, ['no-such-thing']);
  let output = '';
  assert.equal(await runTests(['no-such-thing'], { root, stdio: 'pipe', onOutput: (c) => (output += c) }), 2);
  assert.match(output, /No test file matches: no-such-thing/);
});

test('a passing run exits 0 and ends with the runner summary', async () => {
  let output = '';
  const code = await runTests(['leads'], { root, stdio: 'pipe', onOutput: (c) => (output += c) });
  assert.equal(code, 0, output);
  assert.match(output, /ℹ tests 1\b/);
  assert.match(output, /ℹ pass 1\b/);
  assert.match(output, /ℹ fail 0\b/);
});

test('a failing test makes the run exit non-zero and names the failure', async () => {
  let output = '';
  const code = await runTests([], { root, stdio: 'pipe', onOutput: (c) => (output += c) });
  assert.equal(code, 1, output);
  assert.match(output, /ℹ tests 2\b/);
  assert.match(output, /ℹ pass 1\b/);
  assert.match(output, /ℹ fail 1\b/);
  assert.match(output, /breaks/);
});

test('a test file that leaves a handle open is stopped by the silence watchdog, and the run fails naming it', async () => {
  const hangRoot = await mkdtemp(join(tmpdir(), 'rooman-test-hang-'));
  try {
    await mkdir(join(hangRoot, 'test'), { recursive: true });
    await writeFile(
      join(hangRoot, 'test/hangs.test.ts'),
      "import { test } from 'node:test';\ntest('passes', () => {});\nsetInterval(() => {}, 1000);\n",
    );
    let output = '';
    const started = Date.now();
    const code = await runTests([], {
      root: hangRoot,
      stdio: 'pipe',
      silenceLimitMs: 2000,
      onOutput: (c) => (output += c),
    });
    assert.equal(code, 1, output);
    assert.match(output, /No test output for 2 s: a test file is hanging/);
    assert.match(output, /hangs\.test\.ts/);
    assert.ok(Date.now() - started < 20_000, 'the watchdog did not stop the run');
  } finally {
    await rm(hangRoot, { recursive: true, force: true });
  }
});
