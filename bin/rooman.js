#!/usr/bin/env node
// The published entry point. Rooman is TypeScript run directly by Node 24's type stripping; when this file is
// started by an older Node (the machine's own), the CLI runs on the Node 24 that the package brings along.
// `rooman start` (the server) also runs with the V8 settings that keep real-time audio on time (docs/phone.md,
// "Garbage collection"); those can only be given on Node's command line, so without them the server runs in a child
// Node that gets them, with signals passed on so a process manager's stop still ends it cleanly.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER_NODE_FLAGS = ['--max-semi-space-size=8'];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'src/cli/main.ts');
const args = process.argv.slice(2);
const major = Number(process.versions.node.split('.')[0]);
const serverFlags =
  args[0] === 'start' && !process.execArgv.some((flag) => flag.startsWith('--max-semi-space-size'))
    ? SERVER_NODE_FLAGS
    : [];

if (major >= 24 && serverFlags.length === 0) {
  const { runAsProcess } = await import(main);
  runAsProcess(args);
} else {
  const bundled = join(root, 'node_modules/.bin/node');
  if (major < 24 && !existsSync(bundled)) {
    console.error(
      `rooman needs Node 24 or newer (this is ${process.version}); run \`npm install\` in ${root} first.`,
    );
    process.exit(1);
  }
  const child = spawn(major >= 24 ? process.execPath : bundled, [...serverFlags, main, ...args], {
    stdio: 'inherit',
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
