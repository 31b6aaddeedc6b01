/**
 * Databases for tests. Every DB test runs against in-memory PGlite and, when TEST_DATABASE_URL is set
 * (`postgres://user@host:port/anydb`, a role allowed to CREATE DATABASE), also against PostgreSQL, each test file in
 * a database of its own that is dropped afterwards.
 *
 *   for (const target of databaseTargets()) describe(`leads (${target.name})`, () => { … target.open() … });
 *
 * A fresh PGlite runs initdb (seconds); the helper does it once, migrated, and keeps the result as a tarball in
 * the temp folder (named by the PGlite version and the migrations' text), which later opens load in under a second.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { type Database, IN_MEMORY, openDatabase, wrapPglite } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { type Organisation, OrganisationRepository } from '../../src/store/organisations.ts';

export interface DatabaseTarget {
  name: 'pglite' | 'postgres';
  /** A migrated, empty database of its own; close it in after(). */
  open(): Promise<Database>;
}

export function databaseTargets(): DatabaseTarget[] {
  const targets: DatabaseTarget[] = [{ name: 'pglite', open: openTestPglite }];
  const url = process.env.TEST_DATABASE_URL;
  if (url) targets.push({ name: 'postgres', open: () => openTestPostgres(url) });
  return targets;
}

const MIGRATIONS_DIR = new URL('../../src/store/migrations/', import.meta.url);

async function templateName(): Promise<string> {
  const hash = createHash('sha256');
  const pkg = JSON.parse(
    await readFile(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  hash.update(pkg.version);
  for (const file of (await readdir(MIGRATIONS_DIR)).sort()) {
    hash.update(file).update(await readFile(new URL(file, MIGRATIONS_DIR)));
  }
  return join(tmpdir(), `rooman-pglite-template-${hash.digest('hex').slice(0, 16)}.tar`);
}

let template: Promise<Blob> | undefined;

/** A migrated PGlite data dir as a tarball, built once per machine and migration set. */
export function pgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const path = await templateName();
    try {
      return new Blob([await readFile(path)]);
    } catch {
      const client = await PGlite.create();
      const handle = wrapPglite(client, 'template');
      await migrateToLatest(handle.db);
      const tarball = await client.dumpDataDir('none');
      await handle.close();
      // Written aside and renamed, so a test file running alongside never reads half a file.
      const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
      await writeFile(partial, Buffer.from(await tarball.arrayBuffer()));
      await rename(partial, path);
      return tarball;
    }
  })();
  return template;
}

async function openTestPglite(): Promise<Database> {
  const handle = await openDatabase({ dataDir: IN_MEMORY, pgliteTemplate: await pgliteTemplate() });
  await migrateToLatest(handle.db);
  return handle;
}

async function openTestPostgres(url: string): Promise<Database> {
  const name = `rooman_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = adminDb(url);
  try {
    await sql`create database ${sql.id(name)}`.execute(admin);
  } finally {
    await admin.destroy();
  }
  const testUrl = new URL(url);
  testUrl.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: testUrl.toString(), dataDir: IN_MEMORY, poolSize: 5 });
  await migrateToLatest(handle.db);
  return {
    ...handle,
    close: async () => {
      await handle.close();
      const cleanup = adminDb(url);
      try {
        await sql`drop database if exists ${sql.id(name)} with (force)`.execute(cleanup);
      } finally {
        await cleanup.destroy();
      }
    },
  };
}

function adminDb(url: string): Kysely<unknown> {
  return new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
  });
}

/** A new organisation with a unique slug: tests in one file share a database but not data. */
export function createTestOrg(db: Database['db'], timeZone = 'Asia/Kolkata'): Promise<Organisation> {
  const slug = `test-${randomBytes(6).toString('hex')}`;
  return new OrganisationRepository(db).create({ name: slug, slug, timeZone });
}

/** Row counts of every CRM table, to assert that a refused request changed nothing. */
export async function crmRowCounts(db: Database['db']): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of [
    'leads',
    'visits',
    'lead_status_changes',
    'idempotency_keys',
    'organisations',
    'api_keys',
  ]) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db);
    counts[table] = rows[0]!.n;
  }
  return counts;
}
