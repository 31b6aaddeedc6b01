/**
 * Opens the database: embedded PGlite (a WASM PostgreSQL persisted under the data dir) when no DATABASE_URL is
 * given, a `pg` pool otherwise. Both speak the same SQL, so everything above this file is written once.
 */
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { Logger } from '../core/logger.ts';
import type { Schema } from './schema.ts';

export type DatabaseKind = 'pglite' | 'postgres';

/** `dataDir` value that keeps an embedded database in memory only (tests, throwaway runs). */
export const IN_MEMORY = ':memory:';

export interface DatabaseOptions {
  /** `postgres://…`; when absent the embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** The embedded database lives in `${dataDir}/pglite`; `:memory:` keeps it in memory. */
  dataDir: string;
  /**
   * A PGlite data-dir tarball (`PGlite#dumpDataDir`) to start a *new* embedded database from, skipping the
   * seconds-long initdb; ignored when the data dir already holds a database. Used by tests.
   */
  pgliteTemplate?: Blob;
  /** Largest number of PostgreSQL connections this process opens. */
  poolSize?: number;
  logger?: Logger;
}

export interface Database {
  db: Kysely<Schema>;
  kind: DatabaseKind;
  /** Where the data is, for people (no password): `embedded PGlite at data/pglite`. */
  describe: string;
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openPglite(options);
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  if (options.dataDir === IN_MEMORY) {
    const client = await PGlite.create(
      options.pgliteTemplate ? { loadDataDir: options.pgliteTemplate } : undefined,
    );
    return wrapPglite(await settled(client), 'embedded PGlite in memory');
  }
  const dir = join(options.dataDir, 'pglite');
  await mkdir(dir, { recursive: true });
  const exists = await access(join(dir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  const client = await PGlite.create(
    dir,
    options.pgliteTemplate && !exists ? { loadDataDir: options.pgliteTemplate } : {},
  );
  return wrapPglite(await settled(client), `embedded PGlite at ${dir}`);
}

/**
 * PGlite runs PostgreSQL's timers as referenced setTimeouts, and its close() does not stop them: a statistics
 * flush timer (10 s) left armed keeps Node alive after close, and after a template load re-arms itself forever.
 * The timer is armed when a statement leaves statistics unflushed, so a trivial statement at open and a forced
 * flush as the last statement before close leave none armed (test/store/database.test.ts checks the exit).
 */
async function settled(client: PGlite): Promise<PGlite> {
  await client.query('select 1');
  return client;
}

/** Wraps an open PGlite; the returned handle owns it and closes it. */
export function wrapPglite(client: PGlite, describe: string): Database {
  const db = new Kysely<Schema>({ dialect: new PGliteDialect(client) });
  const close = async () => {
    // See settled(): the last statement must leave no statistics timer armed.
    await db.executeQuery(CompiledQuery.raw('select pg_stat_force_next_flush()')).catch(() => undefined);
    await db.destroy();
  };
  return { db, kind: 'pglite', describe, close: once(close) };
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const describe = `PostgreSQL at ${redact(url)}`;
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  // An idle connection dropped by the server emits 'error' on the pool; unhandled, it would end the process.
  pool.on('error', (err) => options.logger?.warn({ err }, 'idle PostgreSQL connection failed'));
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (cause) {
    await db.destroy();
    throw new Error(`Cannot connect to ${describe}: ${(cause as Error).message}`, { cause });
  }
  return { db, kind: 'postgres', describe, close: once(() => db.destroy()) };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}
