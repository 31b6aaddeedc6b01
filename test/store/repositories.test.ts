import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../src/store/database.ts';
import { hashRequest, IdempotencyKeyRepository } from '../../src/store/idempotency.ts';
import { LeadStatusChangeRepository } from '../../src/store/lead-status-changes.ts';
import { LeadRepository } from '../../src/store/leads.ts';
import { ApiKeyRepository, hashApiKey, type Organisation } from '../../src/store/organisations.ts';
import type { NewLeadRow } from '../../src/store/schema.ts';
import { VisitRepository } from '../../src/store/visits.ts';
import { createTestOrg, databaseTargets } from '../helpers/db.ts';

const page = { limit: 50, offset: 0 };

function lead(org: Organisation, overrides: Partial<NewLeadRow> & { minute: number }): NewLeadRow {
  const at = new Date(Date.UTC(2025, 9, 4, 9, overrides.minute));
  const { minute: _, ...rest } = overrides;
  return {
    id: randomUUID(),
    org_id: org.id,
    name: 'Someone',
    phone: '+919876543210',
    city: 'Gurgaon',
    source: null,
    status: 'NEW',
    created_at: at,
    updated_at: at,
    ...rest,
  };
}

for (const target of databaseTargets()) {
  describe(`repositories (${target.name})`, () => {
    let handle: Database;
    before(async () => {
      handle = await target.open();
    });
    after(() => handle.close());

    describe('LeadRepository', () => {
      let org: Organisation;
      let other: Organisation;
      let rows: NewLeadRow[];
      before(async () => {
        org = await createTestOrg(handle.db);
        other = await createTestOrg(handle.db);
        rows = [
          lead(org, { minute: 1, name: 'Rohan Sharma', city: 'Gurgaon', source: 'Instagram' }),
          lead(org, {
            minute: 2,
            name: 'Priya Singh',
            phone: '+919811111111',
            city: 'Mumbai',
            status: 'WON',
          }),
          lead(org, { minute: 3, name: 'ROHAN Verma', city: 'gurgaon', source: 'instagram', status: 'LOST' }),
          lead(org, { minute: 4, name: '100% Real_Estate', city: 'Pune' }),
        ];
        // One statement for all of them: the batched path.
        await new LeadRepository(handle.db).insertMany(rows);
        await new LeadRepository(handle.db).insert(lead(other, { minute: 5, name: 'Rohan Other Org' }));
      });

      const names = (result: { rows: { name: string }[] }) => result.rows.map((r) => r.name);

      test('lists an organisation’s leads only, newest first, with the total', async () => {
        const result = await new LeadRepository(handle.db).list(org.id, {}, page);
        assert.deepEqual(names(result), ['100% Real_Estate', 'ROHAN Verma', 'Priya Singh', 'Rohan Sharma']);
        assert.equal(result.total, 4);
        assert.equal(await new LeadRepository(handle.db).count(org.id), 4);
        assert.equal(await new LeadRepository(handle.db).count(other.id), 1);
      });

      test('pages with limit and offset; the total counts every match', async () => {
        const result = await new LeadRepository(handle.db).list(org.id, {}, { limit: 2, offset: 1 });
        assert.deepEqual(names(result), ['ROHAN Verma', 'Priya Singh']);
        assert.equal(result.total, 4);
        const beyond = await new LeadRepository(handle.db).list(org.id, {}, { limit: 2, offset: 10 });
        assert.deepEqual(beyond.rows, []);
        assert.equal(beyond.total, 4);
      });

      test('filters by status, city and source (case-insensitive) and phone', async () => {
        const repo = new LeadRepository(handle.db);
        assert.deepEqual(names(await repo.list(org.id, { status: 'WON' }, page)), ['Priya Singh']);
        assert.deepEqual(names(await repo.list(org.id, { city: 'GURGAON' }, page)), [
          'ROHAN Verma',
          'Rohan Sharma',
        ]);
        assert.deepEqual(names(await repo.list(org.id, { source: 'INSTAGRAM', status: 'NEW' }, page)), [
          'Rohan Sharma',
        ]);
        assert.deepEqual(names(await repo.list(org.id, { phone: '+919811111111' }, page)), ['Priya Singh']);
      });

      test('finds names by case-insensitive substring; % and _ match only themselves', async () => {
        const repo = new LeadRepository(handle.db);
        assert.deepEqual(names(await repo.list(org.id, { nameContains: 'rohan' }, page)), [
          'ROHAN Verma',
          'Rohan Sharma',
        ]);
        assert.deepEqual(names(await repo.list(org.id, { nameContains: '0% real_' }, page)), [
          '100% Real_Estate',
        ]);
        assert.deepEqual(names(await repo.list(org.id, { nameContains: 'a_e' }, page)), []);
        assert.deepEqual(names(await repo.list(org.id, { nameContains: '%' }, page)), ['100% Real_Estate']);
      });

      test('finds a lead by the first characters of its id, with or without hyphens', async () => {
        const repo = new LeadRepository(handle.db);
        const id = rows[1]!.id;
        assert.deepEqual(names(await repo.list(org.id, { idPrefix: id.slice(0, 8) }, page)), ['Priya Singh']);
        const noHyphens = id.replaceAll('-', '').slice(0, 14).toUpperCase();
        assert.deepEqual(names(await repo.list(org.id, { idPrefix: noHyphens }, page)), ['Priya Singh']);
        assert.deepEqual(names(await repo.list(other.id, { idPrefix: id.slice(0, 8) }, page)), []);
      });

      test('findById and updateStatus see only the organisation’s own lead', async () => {
        const repo = new LeadRepository(handle.db);
        const id = rows[0]!.id;
        assert.equal(await repo.findById(other.id, id), undefined);
        await repo.updateStatus(other.id, id, 'LOST', new Date());
        assert.equal((await repo.findById(org.id, id))?.status, 'NEW');
        const at = new Date('2025-10-05T10:00:00Z');
        await repo.updateStatus(org.id, id, 'IN_PROGRESS', at);
        const updated = await repo.findById(org.id, id);
        assert.equal(updated?.status, 'IN_PROGRESS');
        assert.equal(updated?.updated_at.toISOString(), at.toISOString());
      });

      test('the database refuses a status outside the domain', async () => {
        await assert.rejects(
          new LeadRepository(handle.db).insert({ ...lead(org, { minute: 9 }), status: 'MAYBE' as 'NEW' }),
          /leads_status_check/,
        );
      });
    });

    describe('VisitRepository and LeadStatusChangeRepository', () => {
      test('list visits with their lead’s name, soonest first, filtered by lead, status and time', async () => {
        const org = await createTestOrg(handle.db);
        const a = lead(org, { minute: 1, name: 'Rohan Sharma' });
        const b = lead(org, { minute: 2, name: 'Priya Singh' });
        await new LeadRepository(handle.db).insertMany([a, b]);
        const visits = new VisitRepository(handle.db);
        const visit = (leadId: string, iso: string, notes: string | null = null) => ({
          id: randomUUID(),
          org_id: org.id,
          lead_id: leadId,
          visit_time: new Date(iso),
          notes,
          status: 'SCHEDULED' as const,
          created_at: new Date(),
        });
        await visits.insert(visit(a.id, '2025-10-06T04:30:00Z', 'second'));
        await visits.insert(visit(b.id, '2025-10-05T09:30:00Z', 'first'));
        await visits.insert(visit(a.id, '2025-10-07T04:30:00Z', 'third'));

        const all = await visits.list(org.id, {}, page);
        assert.deepEqual(
          all.rows.map((v) => [v.notes, v.lead_name]),
          [
            ['first', 'Priya Singh'],
            ['second', 'Rohan Sharma'],
            ['third', 'Rohan Sharma'],
          ],
        );
        assert.equal(all.total, 3);
        assert.equal((await visits.list(org.id, { leadId: a.id }, page)).total, 2);
        const window = await visits.list(
          org.id,
          { from: new Date('2025-10-06T04:30:00Z'), to: new Date('2025-10-06T23:59:59Z') },
          page,
        );
        assert.deepEqual(
          window.rows.map((v) => v.notes),
          ['second'],
        );
        assert.equal((await visits.list(org.id, { status: 'CANCELLED' }, page)).total, 0);
        const stranger = await createTestOrg(handle.db);
        assert.equal((await visits.list(stranger.id, {}, page)).total, 0);
      });

      test('status changes come back oldest first, for the organisation only', async () => {
        const org = await createTestOrg(handle.db);
        const a = lead(org, { minute: 1 });
        await new LeadRepository(handle.db).insert(a);
        const changes = new LeadStatusChangeRepository(handle.db);
        const change = (
          old_status: 'NEW' | 'IN_PROGRESS',
          new_status: 'IN_PROGRESS' | 'WON',
          minute: number,
        ) => ({
          id: randomUUID(),
          org_id: org.id,
          lead_id: a.id,
          old_status,
          new_status,
          notes: null,
          changed_at: new Date(Date.UTC(2025, 9, 5, 10, minute)),
        });
        await changes.insert(change('IN_PROGRESS', 'WON', 30));
        await changes.insert(change('NEW', 'IN_PROGRESS', 10));
        const listed = await changes.listForLead(org.id, a.id);
        assert.deepEqual(
          listed.map((c) => `${c.old_status}->${c.new_status}`),
          ['NEW->IN_PROGRESS', 'IN_PROGRESS->WON'],
        );
        const stranger = await createTestOrg(handle.db);
        assert.deepEqual(await changes.listForLead(stranger.id, a.id), []);
      });
    });

    describe('ApiKeyRepository', () => {
      test('issues keys that map to their organisation and stores only their hash', async () => {
        const org = await createTestOrg(handle.db);
        const keys = new ApiKeyRepository(handle.db);
        const key = await keys.create(org.id, 'ci');
        assert.match(key, /^rmn_[A-Za-z0-9_-]{43}$/);
        assert.equal(await keys.findOrgId(key), org.id);
        assert.equal(await keys.findOrgId(`${key}x`), undefined);
        const { rows } = await sql<{
          key_hash: string;
        }>`select key_hash from api_keys where org_id = ${org.id}`.execute(handle.db);
        assert.deepEqual(
          rows.map((r) => r.key_hash),
          [hashApiKey(key)],
        );
        assert.notEqual(rows[0]!.key_hash, key);
      });
    });

    describe('IdempotencyKeyRepository', () => {
      const claim = (orgId: string, key: string, body: unknown, now: Date, hash = hashRequest(body)) => ({
        orgId,
        scope: 'test.op',
        key,
        requestHash: hash,
        responseStatus: 201,
        responseBody: { answer: body },
        now,
      });

      test('the first claim owns the key; a second is refused and reads the stored answer', async () => {
        const org = await createTestOrg(handle.db);
        const repo = new IdempotencyKeyRepository(handle.db);
        const now = new Date('2025-10-04T09:00:00Z');
        assert.equal(await repo.claim(claim(org.id, 'k', 1, now)), true);
        assert.equal(await repo.claim(claim(org.id, 'k', 2, now)), false);
        const stored = await repo.find(org.id, 'test.op', 'k');
        assert.deepEqual(stored && { hash: stored.requestHash, status: stored.status, body: stored.body }, {
          hash: hashRequest(1),
          status: 201,
          body: { answer: 1 },
        });
        // Keys are per organisation and per scope.
        const other = await createTestOrg(handle.db);
        assert.equal(await repo.claim(claim(other.id, 'k', 1, now)), true);
        assert.equal(await repo.claim({ ...claim(org.id, 'k', 1, now), scope: 'test.other' }), true);
      });

      test('an expired key can be claimed again, and deleteExpired forgets old keys', async () => {
        const org = await createTestOrg(handle.db);
        const repo = new IdempotencyKeyRepository(handle.db, 60_000);
        const t0 = new Date('2025-10-04T09:00:00Z');
        assert.equal(await repo.claim(claim(org.id, 'old', 1, t0)), true);
        assert.equal(await repo.claim(claim(org.id, 'young', 1, new Date(t0.getTime() + 50_000))), true);
        const later = new Date(t0.getTime() + 61_000);
        assert.equal(await repo.claim(claim(org.id, 'young', 2, later)), false);
        assert.equal(await repo.claim(claim(org.id, 'old', 2, later)), true);
        assert.deepEqual((await repo.find(org.id, 'test.op', 'old'))?.body, { answer: 2 });
        // The purge is for every organisation: it removes what other tests left too, and says how many it removed.
        const count = async () =>
          (await sql<{ n: number }>`select count(*)::int as n from idempotency_keys`.execute(handle.db))
            .rows[0]!.n;
        const keysBefore = await count();
        const removed = await repo.deleteExpired(new Date(t0.getTime() + 111_000));
        assert.ok(removed >= 1);
        assert.equal(await count(), keysBefore - removed);
        assert.equal(await repo.find(org.id, 'test.op', 'young'), undefined);
        assert.ok(await repo.find(org.id, 'test.op', 'old'));
      });
    });
  });
}

test('hashRequest ignores key order and undefined fields but not values', () => {
  assert.equal(hashRequest({ a: 1, b: [1, { c: 2, d: 3 }] }), hashRequest({ b: [1, { d: 3, c: 2 }], a: 1 }));
  assert.equal(hashRequest({ a: 1, b: undefined }), hashRequest({ a: 1 }));
  assert.notEqual(hashRequest({ a: 1 }), hashRequest({ a: '1' }));
  assert.notEqual(hashRequest({ notes: 'x' }), hashRequest({ notes: 'y' }));
});
