/**
 * The organisation resolver: keys map to their organisation, a known key is remembered for `cacheMs` (a revoked
 * key stops working once that passes), malformed and unknown keys are refused with UNAUTHORIZED.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { RoomanError } from '../../src/core/errors.ts';
import { createOrgResolver } from '../../src/http/org.ts';
import type { Database } from '../../src/store/database.ts';
import { ApiKeyRepository, hashApiKey } from '../../src/store/organisations.ts';
import { createTestOrg, databaseTargets } from '../helpers/db.ts';

const request = (authorization?: string) =>
  ({ headers: authorization === undefined ? {} : { authorization } }) as unknown as FastifyRequest;

const unauthorized = (message: RegExp) => (error: unknown) =>
  error instanceof RoomanError && error.type === 'UNAUTHORIZED' && message.test(error.message);

for (const target of databaseTargets())
  describe(`createOrgResolver (${target.name})`, () => {
    let database: Database;
    before(async () => {
      database = await target.open();
    });
    after(() => database.close());

    it('resolves keys, remembers known ones for cacheMs, refuses the rest', async () => {
      const open = await createTestOrg(database.db);
      const keyed = await createTestOrg(database.db);
      const key = await new ApiKeyRepository(database.db).create(keyed.id, 'test');
      let clock = 0;
      const resolve = createOrgResolver({
        db: database.db,
        anonymousOrgId: open.id,
        cacheMs: 1000,
        now: () => clock,
      });

      assert.equal(await resolve(request()), open.id);
      assert.equal(await resolve(request(`Bearer ${key}`)), keyed.id);
      await assert.rejects(resolve(request('Basic abc')), unauthorized(/Bearer/));
      await assert.rejects(resolve(request('Bearer rmn_nope')), unauthorized(/Unknown API key/));

      // Revoked in the database: still served from the cache until it expires, then refused.
      await database.db.deleteFrom('api_keys').where('key_hash', '=', hashApiKey(key)).execute();
      clock = 999;
      assert.equal(await resolve(request(`Bearer ${key}`)), keyed.id);
      clock = 1001;
      await assert.rejects(resolve(request(`Bearer ${key}`)), unauthorized(/Unknown API key/));
    });

    it('refuses requests without a key when open mode is off', async () => {
      const resolve = createOrgResolver({ db: database.db, anonymousOrgId: null });
      await assert.rejects(resolve(request('  ')), unauthorized(/API key is required/));
    });
  });
