/** The README and .env.example stay true to the configuration schema they document. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { ConfigSchema, loadConfig } from '../../src/core/config.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (path: string) => readFile(join(ROOT, path), 'utf8');
const VARIABLES = Object.keys(ConfigSchema.shape);

test('the README configuration table lists every variable the configuration reads, and no other', async () => {
  const readme = await read('README.md');
  const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Command line'));
  const documented = [...table.matchAll(/^\| `([A-Z_]+)` *\|/gm)].map((m) => m[1]);
  assert.deepEqual([...documented].sort(), [...VARIABLES].sort());
});

test('.env.example mentions every variable and loads as a valid configuration', async () => {
  const example = await read('.env.example');
  for (const name of VARIABLES) assert.match(example, new RegExp(`^#? ?${name}=`, 'm'), name);
  // Uncommenting the commented examples must still give a valid configuration.
  const uncommented = example.replace(/^# ([A-Z_]+=)/gm, '$1');
  assert.doesNotThrow(() => loadConfig(parseEnv(example)));
  const config = loadConfig(parseEnv(uncommented));
  assert.equal(config.port, 8000);
  assert.equal(config.databaseUrl, 'postgres://user:pass@localhost:5432/rooman');
});

test('CI runs the two commands the README gives for testing', async () => {
  const readme = await read('README.md');
  assert.match(readme, /^npm install && npm start$/m);
  assert.match(readme, /^npm install && npm test$/m);
  const ci = await read('.ci/run');
  const install = ci.search(/^quietly npm-install npm install$/m);
  const runTests = ci.search(/^npm test$/m);
  assert.ok(install > 0 && runTests > install, '.ci/run must run npm install, then npm test');
});
