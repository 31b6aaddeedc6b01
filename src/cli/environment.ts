import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * The process environment with `.env` (if present in the working directory) underneath it: variables already set
 * win over the file, as with dotenv. Node's own parser reads the file; no dependency needed.
 */
export function readEnvironment(cwd = process.cwd()): Record<string, string | undefined> {
  const file = resolve(cwd, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...process.env };
}
