/**
 * Schema migrations: every `NNNN_name.ts` file in ./migrations/, applied in name order by Kysely's Migrator.
 * On PostgreSQL the Migrator holds a session advisory lock while it works, so instances starting together apply
 * each migration once (test/store/migrate.test.ts races several); PGlite has a single connection anyway.
 */
import { readdir } from 'node:fs/promises';
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const MIGRATION_FILE = /^(\d{4}_[A-Za-z0-9_]+)\.(ts|js)$/;

/** Imports every migration file in the folder; a file added later (0002_…) is picked up without registering it. */
export class MigrationFolder implements MigrationProvider {
  readonly #dir: URL;

  constructor(dir: URL = MIGRATIONS_DIR) {
    this.#dir = dir;
  }

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.#dir)).filter((f) => MIGRATION_FILE.test(f)).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const name = MIGRATION_FILE.exec(file)![1]!;
      const module = (await import(new URL(file, this.#dir).href)) as Partial<Migration>;
      if (typeof module.up !== 'function') throw new Error(`Migration ${file} exports no up(db) function`);
      migrations[name] = { up: module.up, ...(module.down ? { down: module.down } : {}) };
    }
    return migrations;
  }
}

/** Applies every pending migration; returns the names applied now. Throws if one fails (its changes roll back). */
export async function migrateToLatest(
  // biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
  db: Kysely<any>,
  provider: MigrationProvider = new MigrationFolder(),
): Promise<string[]> {
  const { error, results = [] } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error');
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Database migration ${failed ? `${failed.migrationName} ` : ''}failed: ${reason}`, {
      cause: error,
    });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
