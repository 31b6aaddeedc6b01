import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../src/store/database.ts';
import { organisationLookup } from '../../src/store/organisations.ts';
import { createTestOrg, databaseTargets } from '../helpers/db.ts';

for (const target of databaseTargets()) {
  describe(`organisationLookup (${target.name})`, () => {
    let database: Database;
    before(async () => {
      database = await target.open();
    });
    after(() => database.close());

    it('finds an organisation, remembers it, and asks again after a miss', async () => {
      const lookup = organisationLookup(database.db);
      const org = await createTestOrg(database.db, 'Europe/London');
      const first = lookup(org.id);
      assert.equal(lookup(org.id), first, 'the same pending lookup is shared');
      assert.equal((await first).timeZone, 'Europe/London');

      const missing = randomUUID();
      const miss = lookup(missing);
      await assert.rejects(miss, { type: 'NOT_FOUND' });
      const again = lookup(missing);
      assert.notEqual(again, miss, 'a settled miss is not remembered');
      await assert.rejects(again, { type: 'NOT_FOUND' });
    });
  });
}
