#!/usr/bin/env node
// The published entry point. Rooman is TypeScript run directly by Node 24's type stripping; when this file is
// started by an older Node (the machine's own), re-run the CLI on the Node 24 that the package brings along.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);
if (major >= 24) {
  await import(join(root, 'src/cli/main.ts'));
} else {
  const bundled = join(root, 'node_modules/.bin/node');
  if (!existsSync(bundled)) {
    console.error(
      `rooman needs Node 24 or newer (this is ${process.version}); run \`npm install\` in ${root} first.`,
    );
    process.exit(1);
  }
  const result = spawnSync(bundled, [join(root, 'src/cli/main.ts'), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}
