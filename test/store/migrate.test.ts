import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { IN_MEMORY, openDatabase } from '../../src/store/database.ts';
import { MigrationFolder, migrateToLatest } from '../../src/store/migrate.ts';
import { databaseTargets, pgliteTemplate } from '../helpers/db.ts';

const migrationFiles = async () =>
  (await readdir(new URL('../../src/store/migrations/', import.meta.url)))
    .filter((f) => /^\d{4}_.*\.ts$/.test(f))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();

const tableNames = async (db: Kysely<unknown>) =>
  (await db.introspection.getTables()).map((t) => t.name).sort();

describe('MigrationFolder', () => {
  test('finds every NNNN_name file of the folder, in order, and nothing else', async () => {
    const names = Object.keys(await new MigrationFolder().getMigrations());
    assert.deepEqual(names, await migrationFiles());
    assert.equal(names[0], '0001_foundation');
  });

  test('a file without up() is refused by name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rooman-migrations-'));
    try {
      await writeFile(join(dir, '0001_broken.ts'), 'export const nothing = 1;\n');
      await assert.rejects(new MigrationFolder(pathToFileURL(`${dir}/`)).getMigrations(), /0001_broken\.ts/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('migrateToLatest (pglite)', () => {
  test('creates the schema on an empty database, then has nothing left to do', async () => {
    // No template: this is the real path a first start takes.
    const handle = await openDatabase({ dataDir: IN_MEMORY });
    try {
      assert.deepEqual(await migrateToLatest(handle.db), await migrationFiles());
      const tables = await tableNames(handle.db as Kysely<unknown>);
      for (const t of [
        'organisations',
        'api_keys',
        'leads',
        'visits',
        'lead_status_changes',
        'idempotency_keys',
      ]) {
        assert.ok(tables.includes(t), `table ${t} exists`);
      }
      assert.deepEqual(await migrateToLatest(handle.db), []);
    } finally {
      await handle.close();
    }
  });

  test('a failing migration is reported by name and leaves nothing half done', async () => {
    const handle = await openDatabase({ dataDir: IN_MEMORY, pgliteTemplate: await pgliteTemplate() });
    try {
      const failing = {
        getMigrations: async () => ({
          ...(await new MigrationFolder().getMigrations()),
          '9999_bad': {
            up: async (db: Kysely<unknown>) => {
              await db.schema.createTable('half_done').addColumn('x', 'integer').execute();
              await sql`select * from no_such_table`.execute(db);
            },
          },
        }),
      };
      await assert.rejects(migrateToLatest(handle.db, failing), /9999_bad failed/);
      assert.ok(!(await tableNames(handle.db as Kysely<unknown>)).includes('half_done'));
    } finally {
      await handle.close();
    }
  });
});

for (const target of databaseTargets().filter((t) => t.name === 'postgres')) {
  describe('migrateToLatest (postgres): instances starting together', () => {
    const url = process.env.TEST_DATABASE_URL!;
    const name = `rooman_migrate_${randomBytes(4).toString('hex')}`;
    const admin = () =>
      new Kysely<unknown>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
      });
    before(async () => {
      const db = admin();
      await sql`create database ${sql.id(name)}`.execute(db);
      await db.destroy();
    });
    after(async () => {
      const db = admin();
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(db);
      await db.destroy();
    });

    test(`${target.name}: five instances migrate one empty database at once; each migration runs once`, async () => {
      const dbUrl = new URL(url);
      dbUrl.pathname = `/${name}`;
      const handles = await Promise.all(
        Array.from({ length: 5 }, () => openDatabase({ databaseUrl: dbUrl.toString(), dataDir: IN_MEMORY })),
      );
      try {
        const applied = await Promise.all(handles.map((h) => migrateToLatest(h.db)));
        // Exactly one instance applied each migration; the others found nothing to do.
        assert.deepEqual(applied.flat().sort(), await migrationFiles());
        const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
          handles[0]!.db,
        );
        assert.deepEqual(
          rows.map((r) => r.name),
          await migrationFiles(),
        );
      } finally {
        await Promise.all(handles.map((h) => h.close()));
      }
    });
  });
}
