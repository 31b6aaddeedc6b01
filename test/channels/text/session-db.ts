/** An in-memory PGlite database with the bot_sessions table, for tests of the text channel. */
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { up } from '../../../src/store/migrations/0002_bot_sessions.ts';

export async function sessionDb(): Promise<Kysely<object>> {
  const db = new Kysely<object>({ dialect: new PGliteDialect(new PGlite()) });
  await up(db);
  return db;
}
