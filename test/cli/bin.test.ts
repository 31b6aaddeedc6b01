/**
 * The published entry point, bin/rooman.js: it runs the CLI when imported by Node 24 (not only when main.ts is the
 * main module), and runs `rooman start` in a child Node with the server's V8 flags, passing the exit code back.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const bin = new URL('../../bin/rooman.js', import.meta.url).pathname;
const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
}

test('rooman --version runs the CLI and prints the version', () => {
  const result = run(['--version']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, new RegExp(version.replaceAll('.', '\\.')));
});

test('rooman with an unknown command exits 2 with a message', () => {
  const result = run(['nosuch']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown command 'nosuch'/);
});

test('rooman start runs the server in a child Node with its flags, and its exit code comes back', () => {
  // This Node has no --max-semi-space-size, so the bin starts the server in a child that has it. A bad setting ends the server before it listens: the child's exit code (2) and message reach the caller.
  const result = run(['start'], { PORT: 'notanumber' });
  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr, /PORT="notanumber": must be a port number/);
});
