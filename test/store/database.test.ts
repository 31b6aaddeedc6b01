import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { openDatabase } from '../../src/store/database.ts';
import { LeadRepository } from '../../src/store/leads.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { DEFAULT_ORG_SLUG, ensureDefaultOrganisation } from '../../src/store/organisations.ts';
import { databaseTargets, pgliteTemplate } from '../helpers/db.ts';

describe('embedded PGlite in a data dir', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rooman-data-'));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  test('keeps its data across a close and a reopen', async () => {
    const first = await openDatabase({ dataDir, pgliteTemplate: await pgliteTemplate() });
    assert.equal(first.kind, 'pglite');
    assert.equal(first.describe, `embedded PGlite at ${join(dataDir, 'pglite')}`);
    await migrateToLatest(first.db);
    const org = await ensureDefaultOrganisation(first.db, 'Asia/Kolkata');
    const at = new Date('2025-10-04T09:00:00.123Z');
    await new LeadRepository(first.db).insert({
      id: 'a1b2c3d4-e5f6-4890-abcd-ef1234567890',
      org_id: org.id,
      name: 'Rohan Sharma',
      phone: '+919876543210',
      city: 'Gurgaon',
      source: 'Instagram',
      status: 'NEW',
      created_at: at,
      updated_at: at,
    });
    await first.close();
    assert.ok((await stat(join(dataDir, 'pglite', 'PG_VERSION'))).isFile());

    // Reopened without the template: the existing data dir is used as it is.
    const second = await openDatabase({ dataDir });
    try {
      assert.deepEqual(await migrateToLatest(second.db), []);
      const again = await ensureDefaultOrganisation(second.db, 'Asia/Kolkata');
      assert.equal(again.id, org.id);
      const lead = await new LeadRepository(second.db).findById(
        org.id,
        'a1b2c3d4-e5f6-4890-abcd-ef1234567890',
      );
      assert.equal(lead?.name, 'Rohan Sharma');
      assert.equal(lead?.created_at.toISOString(), at.toISOString());
    } finally {
      await second.close();
    }
  });
});

test('closing embedded databases lets the process exit at once (no PostgreSQL timer left armed)', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'rooman-exit-'));
  const root = new URL('../../', import.meta.url).href;
  // Each pattern once kept Node alive: a close right after a template load, a close after writes.
  const script = `
    const { openDatabase } = await import('${root}src/store/database.ts');
    const { migrateToLatest } = await import('${root}src/store/migrate.ts');
    const { ensureDefaultOrganisation } = await import('${root}src/store/organisations.ts');
    const { pgliteTemplate } = await import('${root}test/helpers/db.ts');
    const template = await pgliteTemplate();
    const fresh = await openDatabase({ dataDir: ${JSON.stringify(dataDir)}, pgliteTemplate: template });
    await fresh.close();
    const again = await openDatabase({ dataDir: ${JSON.stringify(dataDir)} });
    await migrateToLatest(again.db);
    await ensureDefaultOrganisation(again.db, 'Asia/Kolkata');
    await again.close();
    const memory = await openDatabase({ dataDir: ':memory:', pgliteTemplate: template });
    await memory.close();
    globalThis.closedAt = performance.now();
    process.on('exit', () => console.log(Math.round(performance.now() - globalThis.closedAt)));
  `;
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 30_000,
    });
    // Milliseconds between the last close and the exit: a timer left armed would hold it for 10 s or forever.
    assert.ok(Number(stdout.trim()) < 1000, `exited ${stdout.trim()} ms after the last close`);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('an unreachable PostgreSQL is reported with where it was looked for, without the password', async () => {
  await assert.rejects(
    openDatabase({ databaseUrl: 'postgres://rooman:s3cret@127.0.0.1:1/rooman', dataDir: 'unused' }),
    (error: Error) => {
      assert.match(error.message, /^Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/rooman: /);
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    },
  );
});

for (const target of databaseTargets()) {
  describe(`ensureDefaultOrganisation (${target.name})`, () => {
    let handle: Awaited<ReturnType<typeof target.open>>;
    before(async () => {
      handle = await target.open();
    });
    after(() => handle.close());

    test('creates the default organisation once, even when asked concurrently', async () => {
      const orgs = await Promise.all(
        [1, 2, 3].map(() => ensureDefaultOrganisation(handle.db, 'Asia/Kolkata')),
      );
      assert.equal(new Set(orgs.map((o) => o.id)).size, 1);
      assert.equal(orgs[0]!.slug, DEFAULT_ORG_SLUG);
      assert.equal(orgs[0]!.timeZone, 'Asia/Kolkata');
    });

    test('follows the configured time zone after a change', async () => {
      const first = await ensureDefaultOrganisation(handle.db, 'Asia/Kolkata');
      const changed = await ensureDefaultOrganisation(handle.db, 'Europe/London');
      assert.equal(changed.id, first.id);
      assert.equal(changed.timeZone, 'Europe/London');
    });
  });
}
