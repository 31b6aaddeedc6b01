import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { RoomanError } from '../../src/core/errors.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { Clock } from '../../src/core/time.ts';
import { BuiltinCrm } from '../../src/crm/builtin-crm.ts';
import type { Database } from '../../src/store/database.ts';
import { ensureDefaultOrganisation, type Organisation } from '../../src/store/organisations.ts';
import { createTestOrg, crmRowCounts, databaseTargets } from '../helpers/db.ts';

/** A clock the test moves by hand. */
function manualClock(iso: string): Clock & { advance(ms: number): void } {
  let t = new Date(iso).getTime();
  return { now: () => new Date(t), advance: (ms) => (t += ms) };
}

/** A JSON logger whose lines the test reads back. */
function capturedLogger() {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      lines.push(JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>);
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf('\n');
    }
  });
  return { logger: createLogger({ level: 'info', format: 'json', destination: stream }), lines };
}

const settle = () => new Promise((r) => setImmediate(r));

const rohan = { name: 'Rohan Sharma', phone: '9876543210', city: 'Gurgaon', source: 'Instagram' };

async function rejectsWith(promise: Promise<unknown>, type: string, field?: string, details?: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof RoomanError, `expected a RoomanError, got ${String(error)}`);
    assert.equal(error.type, type);
    if (field !== undefined) assert.equal(error.field, field);
    if (details) assert.match(error.message, details);
    return true;
  });
}

for (const target of databaseTargets()) {
  describe(`BuiltinCrm (${target.name})`, () => {
    let handle: Database;
    let dataDir: string;
    before(async () => {
      handle = await target.open();
      dataDir = await mkdtemp(join(tmpdir(), 'rooman-crm-'));
    });
    after(async () => {
      await handle.close();
      await rm(dataDir, { recursive: true, force: true });
    });

    async function setup(options: { csvLogs?: boolean; clock?: Clock; dir?: string } = {}) {
      const org = await createTestOrg(handle.db);
      const { logger, lines } = capturedLogger();
      const crm = new BuiltinCrm({
        db: handle.db,
        kind: handle.kind,
        logger,
        dataDir: options.dir ?? dataDir,
        csvLogs: options.csvLogs ?? true,
        clock: options.clock ?? manualClock('2025-10-04T09:00:00.123Z'),
      });
      const csv = (file: string) => join(options.dir ?? dataDir, 'orgs', org.slug, file);
      return { org, crm, lines, csv };
    }

    test('createLead stores the lead; getLead answers the Lead shape in the organisation’s time zone', async () => {
      const { org, crm } = await setup();
      const created = await crm.createLead(org.id, rohan);
      assert.match(created.lead_id, /^[0-9a-f-]{36}$/);
      assert.equal(created.status, 'NEW');
      assert.deepEqual(await crm.getLead(org.id, created.lead_id), {
        lead_id: created.lead_id,
        name: 'Rohan Sharma',
        phone: '9876543210',
        phone_e164: '+919876543210',
        city: 'Gurgaon',
        source: 'Instagram',
        status: 'NEW',
        created_at: '2025-10-04T14:30:00.123+05:30',
        updated_at: '2025-10-04T14:30:00.123+05:30',
      });
      await crm.close();
    });

    test('journals each write: the seed’s terminal block as the message with structured fields, and a CSV row', async () => {
      const { org, crm, lines, csv } = await setup();
      const { lead_id } = await crm.createLead(org.id, { ...rohan, phone: '+91 98765 43210' });
      const { visit_id } = await crm.scheduleVisit(org.id, {
        lead_id,
        visit_time: '2025-10-05T09:30:00Z',
        notes: 'Bring the floor plan, "B" tower',
      });
      await crm.updateLeadStatus(org.id, lead_id, { status: 'WON', notes: 'booked unit A2' });
      await crm.close();
      await settle();

      assert.deepEqual(
        lines.map((l) => [l.event, l.org_id, l.lead_id, l.visit_id]),
        [
          ['crm.lead_created', org.id, lead_id, undefined],
          ['crm.visit_scheduled', org.id, lead_id, visit_id],
          ['crm.lead_status_updated', org.id, lead_id, undefined],
        ],
      );
      assert.equal(
        lines[0]!.msg,
        [
          '='.repeat(60),
          'NEW LEAD CREATED',
          '='.repeat(60),
          `Lead ID    : ${lead_id}`,
          'Name       : Rohan Sharma',
          'Phone      : 9876543210',
          'City       : Gurgaon',
          'Source     : Instagram',
          'Status     : NEW',
          'Created At : 2025-10-04T14:30:00.123+05:30',
          '='.repeat(60),
        ].join('\n'),
      );
      assert.match(String(lines[1]!.msg), /^Visit Time : 2025-10-05T15:00:00\+05:30$/m);
      assert.match(String(lines[1]!.msg), /^Lead Name {2}: Rohan Sharma$/m);
      assert.match(
        String(lines[2]!.msg),
        /^Old Status {3}: NEW\nNew Status {3}: WON\nNotes {8}: booked unit A2$/m,
      );

      const leads = parse(await readFile(csv('crm_leads.csv'), 'utf8'), { columns: true });
      assert.deepEqual(leads, [
        {
          lead_id,
          name: 'Rohan Sharma',
          phone: '9876543210',
          city: 'Gurgaon',
          source: 'Instagram',
          status: 'NEW',
          created_at: '2025-10-04T14:30:00.123+05:30',
        },
      ]);
      const visits = parse(await readFile(csv('crm_visits.csv'), 'utf8'), { columns: true });
      assert.deepEqual(visits, [
        {
          visit_id,
          lead_id,
          visit_time: '2025-10-05T15:00:00+05:30',
          notes: 'Bring the floor plan, "B" tower',
          status: 'SCHEDULED',
          created_at: '2025-10-04T14:30:00.123+05:30',
        },
      ]);
      const updates = parse(await readFile(csv('crm_updates.csv'), 'utf8'), { columns: true });
      assert.deepEqual(updates, [
        {
          lead_id,
          old_status: 'NEW',
          new_status: 'WON',
          notes: 'booked unit A2',
          updated_at: '2025-10-04T14:30:00.123+05:30',
        },
      ]);
    });

    test('the default organisation writes its CSVs in the data dir itself, as the seed does', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'rooman-crm-default-'));
      try {
        const org: Organisation = await ensureDefaultOrganisation(handle.db, 'Asia/Kolkata');
        const { crm } = await setup({ dir });
        assert.deepEqual(await crm.openCsvLogs(org.id), {
          leads: join(dir, 'crm_leads.csv'),
          visits: join(dir, 'crm_visits.csv'),
          updates: join(dir, 'crm_updates.csv'),
        });
        await crm.createLead(org.id, rohan);
        await crm.close();
        const text = await readFile(join(dir, 'crm_leads.csv'), 'utf8');
        assert.match(
          text,
          /^lead_id,name,phone,city,source,status,created_at\n[0-9a-f-]{36},Rohan Sharma,9876543210,/,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test('with csvLogs off nothing is journalled: no CSV file, no terminal block', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'rooman-crm-quiet-'));
      try {
        const { org, crm, lines } = await setup({ csvLogs: false, dir });
        const { lead_id } = await crm.createLead(org.id, rohan);
        await crm.updateLeadStatus(org.id, lead_id, { status: 'LOST' });
        assert.equal(await crm.openCsvLogs(org.id), null);
        await crm.close();
        await settle();
        assert.deepEqual(lines, []);
        await assert.rejects(access(join(dir, 'orgs')));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test('many concurrent creates are all stored, once each (batched statements)', async () => {
      const { org, crm, csv } = await setup();
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          crm.createLead(org.id, { name: `Lead ${i}`, phone: `98${String(10000000 + i)}`, city: 'Pune' }),
        ),
      );
      assert.equal(new Set(results.map((r) => r.lead_id)).size, 200);
      assert.equal((await crm.listLeads(org.id, { limit: 1 })).total, 200);
      await crm.close();
      const rows = parse(await readFile(csv('crm_leads.csv'), 'utf8'), { columns: true }) as {
        lead_id: string;
      }[];
      assert.deepEqual(new Set(rows.map((r) => r.lead_id)), new Set(results.map((r) => r.lead_id)));
    });

    test('bad input is refused naming the field, and nothing is written', async () => {
      const { org, crm } = await setup();
      const { lead_id } = await crm.createLead(org.id, rohan);
      const counts = await crmRowCounts(handle.db);
      await rejectsWith(
        crm.createLead(org.id, { name: 'X', city: 'Y' }),
        'VALIDATION_ERROR',
        'phone',
        /required/,
      );
      await rejectsWith(crm.createLead(org.id, { ...rohan, phone: '12345' }), 'VALIDATION_ERROR', 'phone');
      await rejectsWith(crm.createLead(org.id, { ...rohan, extra: 1 }), 'VALIDATION_ERROR', 'extra');
      await rejectsWith(crm.createLead(org.id, null), 'VALIDATION_ERROR', '(body)');
      await rejectsWith(
        crm.scheduleVisit(org.id, { lead_id, visit_time: '15:00' }),
        'VALIDATION_ERROR',
        'visit_time',
      );
      await rejectsWith(
        crm.scheduleVisit(org.id, { lead_id, visit_time: '2025-10-05T15:00:00' }),
        'VALIDATION_ERROR',
        'visit_time',
      );
      await rejectsWith(
        crm.updateLeadStatus(org.id, lead_id, { status: 'DONE' }),
        'VALIDATION_ERROR',
        'status',
      );
      await rejectsWith(
        crm.updateLeadStatus(org.id, 'a1b2c3d4', { status: 'WON' }),
        'VALIDATION_ERROR',
        'lead_id',
      );
      await rejectsWith(crm.getLead(org.id, 'nope'), 'VALIDATION_ERROR', 'lead_id');
      await rejectsWith(crm.listLeads(org.id, { limit: '0' }), 'VALIDATION_ERROR', 'limit');
      await rejectsWith(crm.listVisits(org.id, { from: 'tomorrow' }), 'VALIDATION_ERROR', 'from');
      await rejectsWith(
        crm.createLead(org.id, rohan, { idempotencyKey: 'x'.repeat(201) }),
        'VALIDATION_ERROR',
        'Idempotency-Key',
      );
      await rejectsWith(
        crm.createLead(org.id, rohan, { idempotencyKey: 'tab\there' }),
        'VALIDATION_ERROR',
        'Idempotency-Key',
      );
      assert.deepEqual(await crmRowCounts(handle.db), counts);
      await crm.close();
    });

    test('a visit or a status change for an unknown lead is NOT_FOUND "Lead not found" on lead_id', async () => {
      const { org, crm } = await setup();
      const stranger = await setup();
      const { lead_id: strangersLead } = await stranger.crm.createLead(stranger.org.id, rohan);
      const counts = await crmRowCounts(handle.db);
      for (const leadId of ['a1b2c3d4-e5f6-4890-abcd-ef1234567890', strangersLead]) {
        await rejectsWith(
          crm.scheduleVisit(org.id, { lead_id: leadId, visit_time: '2025-10-05T15:00:00+05:30' }),
          'NOT_FOUND',
          'lead_id',
          /^Lead not found$/,
        );
        await rejectsWith(crm.updateLeadStatus(org.id, leadId, { status: 'WON' }), 'NOT_FOUND', 'lead_id');
        await rejectsWith(crm.leadHistory(org.id, leadId), 'NOT_FOUND', 'lead_id');
        assert.equal(await crm.getLead(org.id, leadId), null);
      }
      assert.deepEqual(await crmRowCounts(handle.db), counts);
      await crm.close();
      await stranger.crm.close();
    });

    test('status changes update the lead and build its history', async () => {
      const clock = manualClock('2025-10-04T09:00:00.000Z');
      const { org, crm } = await setup({ clock });
      const { lead_id } = await crm.createLead(org.id, rohan);
      clock.advance(60_000);
      assert.deepEqual(await crm.updateLeadStatus(org.id, lead_id, { status: 'IN_PROGRESS' }), {
        lead_id,
        status: 'IN_PROGRESS',
      });
      clock.advance(60_000);
      await crm.updateLeadStatus(org.id, lead_id, { status: 'WON', notes: ' booked unit A2 ' });
      assert.deepEqual(await crm.leadHistory(org.id, lead_id), [
        {
          lead_id,
          old_status: 'NEW',
          new_status: 'IN_PROGRESS',
          notes: null,
          updated_at: '2025-10-04T14:31:00.000+05:30',
        },
        {
          lead_id,
          old_status: 'IN_PROGRESS',
          new_status: 'WON',
          notes: 'booked unit A2',
          updated_at: '2025-10-04T14:32:00.000+05:30',
        },
      ]);
      const lead = await crm.getLead(org.id, lead_id);
      assert.equal(lead?.status, 'WON');
      assert.equal(lead?.updated_at, '2025-10-04T14:32:00.000+05:30');
      await crm.close();
    });

    test('listLeads and listVisits take query-string values and filter', async () => {
      const { org, crm } = await setup();
      const a = await crm.createLead(org.id, rohan);
      const b = await crm.createLead(org.id, { name: 'Priya Singh', phone: '9811111111', city: 'Mumbai' });
      await crm.updateLeadStatus(org.id, b.lead_id, { status: 'FOLLOW_UP' });
      const page = await crm.listLeads(org.id, { status: 'FOLLOW_UP', limit: '10', offset: '0' });
      assert.deepEqual(
        page.items.map((l) => l.name),
        ['Priya Singh'],
      );
      assert.deepEqual([page.total, page.limit, page.offset], [1, 10, 0]);
      assert.equal((await crm.listLeads(org.id, { phone: '+91 98765-43210' })).items[0]?.lead_id, a.lead_id);
      assert.equal(
        (await crm.listLeads(org.id, { id_prefix: b.lead_id.slice(0, 6) })).items[0]?.lead_id,
        b.lead_id,
      );
      assert.equal((await crm.listLeads(org.id, { q: 'PRIYA' })).total, 1);

      await crm.scheduleVisit(org.id, { lead_id: a.lead_id, visit_time: '2025-10-05T15:00:00+05:30' });
      await crm.scheduleVisit(org.id, {
        lead_id: b.lead_id,
        visit_time: '2025-10-07T11:00:00+05:30',
        notes: '',
      });
      const visits = await crm.listVisits(org.id, { from: '2025-10-06T00:00:00+05:30' });
      assert.deepEqual(
        visits.items.map((v) => [v.lead_name, v.visit_time, v.notes]),
        [['Priya Singh', '2025-10-07T11:00:00+05:30', null]],
      );
      assert.equal((await crm.listVisits(org.id, { lead_id: a.lead_id })).total, 1);
      await crm.close();
    });

    describe('idempotency', () => {
      test('the same key and body give the first answer and write nothing new', async () => {
        const { org, crm, lines } = await setup();
        const first = await crm.createLead(org.id, rohan, { idempotencyKey: 'lead-1' });
        const counts = await crmRowCounts(handle.db);
        // The phone written another way is the same request once validated.
        const again = await crm.createLead(
          org.id,
          { ...rohan, phone: '+919876543210' },
          { idempotencyKey: 'lead-1' },
        );
        assert.deepEqual(again, first);
        assert.deepEqual(await crmRowCounts(handle.db), counts);

        const visit = { lead_id: first.lead_id, visit_time: '2025-10-05T15:00:00+05:30' };
        const v1 = await crm.scheduleVisit(org.id, visit, { idempotencyKey: 'visit-1' });
        assert.deepEqual(await crm.scheduleVisit(org.id, visit, { idempotencyKey: 'visit-1' }), v1);
        const s1 = await crm.updateLeadStatus(
          org.id,
          first.lead_id,
          { status: 'WON' },
          { idempotencyKey: 's-1' },
        );
        assert.deepEqual(
          await crm.updateLeadStatus(org.id, first.lead_id, { status: 'WON' }, { idempotencyKey: 's-1' }),
          s1,
        );
        assert.equal((await crm.leadHistory(org.id, first.lead_id)).length, 1);
        await crm.close();
        await settle();
        assert.deepEqual(
          lines.map((l) => l.event),
          ['crm.lead_created', 'crm.visit_scheduled', 'crm.lead_status_updated'],
        );
      });

      test('the same key with a different body is a CONFLICT and writes nothing', async () => {
        const { org, crm } = await setup();
        const { lead_id } = await crm.createLead(org.id, rohan, { idempotencyKey: 'k' });
        const counts = await crmRowCounts(handle.db);
        await rejectsWith(
          crm.createLead(org.id, { ...rohan, city: 'Delhi' }, { idempotencyKey: 'k' }),
          'CONFLICT',
          'Idempotency-Key',
        );
        await crm.updateLeadStatus(org.id, lead_id, { status: 'WON' }, { idempotencyKey: 'status' });
        const other = await crm.createLead(org.id, { ...rohan, name: 'Other' });
        const afterStatus = await crmRowCounts(handle.db);
        // Same key, same body, but another lead in the path: a different request.
        await rejectsWith(
          crm.updateLeadStatus(org.id, other.lead_id, { status: 'WON' }, { idempotencyKey: 'status' }),
          'CONFLICT',
        );
        assert.deepEqual(await crmRowCounts(handle.db), afterStatus);
        assert.notDeepEqual(afterStatus, counts);
        await crm.close();
      });

      test('concurrent duplicates write once and all get the same answer', async () => {
        const { org, crm } = await setup();
        const results = await Promise.all(
          Array.from({ length: 12 }, () => crm.createLead(org.id, rohan, { idempotencyKey: 'burst' })),
        );
        assert.equal(new Set(results.map((r) => r.lead_id)).size, 1);
        assert.equal((await crm.listLeads(org.id)).total, 1);
        const leadId = results[0]!.lead_id;
        const updates = await Promise.all(
          Array.from({ length: 8 }, () =>
            crm.updateLeadStatus(org.id, leadId, { status: 'FOLLOW_UP' }, { idempotencyKey: 'burst-status' }),
          ),
        );
        assert.deepEqual(new Set(updates.map((u) => JSON.stringify(u))).size, 1);
        assert.equal((await crm.leadHistory(org.id, leadId)).length, 1);
        await crm.close();
      });

      test('a write that fails does not keep its key', async () => {
        const { org, crm } = await setup();
        const missing = 'a1b2c3d4-e5f6-4890-abcd-ef1234567890';
        await rejectsWith(
          crm.updateLeadStatus(org.id, missing, { status: 'WON' }, { idempotencyKey: 'retry-me' }),
          'NOT_FOUND',
        );
        const { rows } = await sql<{
          n: number;
        }>`select count(*)::int as n from idempotency_keys where org_id = ${org.id}`.execute(handle.db);
        assert.equal(rows[0]!.n, 0);
        // The key is free for the request that succeeds.
        const { lead_id } = await crm.createLead(org.id, rohan, { idempotencyKey: 'retry-me' });
        assert.ok(lead_id);
        await crm.close();
      });

      test('keys expire after 24 hours and are purged', async () => {
        const clock = manualClock('2025-10-04T09:00:00.000Z');
        const { org, crm } = await setup({ clock });
        const first = await crm.createLead(org.id, rohan, { idempotencyKey: 'daily' });
        clock.advance(23 * 3600_000);
        assert.deepEqual(await crm.createLead(org.id, rohan, { idempotencyKey: 'daily' }), first);
        clock.advance(2 * 3600_000);
        const fresh = await crm.createLead(org.id, rohan, { idempotencyKey: 'daily' });
        assert.notEqual(fresh.lead_id, first.lead_id);
        clock.advance(25 * 3600_000);
        assert.ok((await crm.purgeExpiredIdempotencyKeys()) >= 1);
        const { rows } = await sql<{
          n: number;
        }>`select count(*)::int as n from idempotency_keys where org_id = ${org.id}`.execute(handle.db);
        assert.equal(rows[0]!.n, 0);
        await crm.close();
      });
    });

    describe('gatewayFor', () => {
      test('is the CrmGateway port for one organisation', async () => {
        const { org, crm } = await setup();
        const gateway = crm.gatewayFor(org.id);
        const { lead_id } = await gateway.createLead({ name: 'Asha', phone: '+919900112233', city: 'Pune' });
        await gateway.scheduleVisit({ lead_id, visit_time: '2025-10-05T15:00:00+05:30' });
        assert.deepEqual(await gateway.updateLeadStatus(lead_id, { status: 'LOST' }), {
          lead_id,
          status: 'LOST',
        });
        assert.equal((await gateway.getLead(lead_id))?.status, 'LOST');
        assert.equal(await gateway.getLead('a1b2c3d4-e5f6-4890-abcd-ef1234567890'), null);
        assert.deepEqual(
          (await gateway.listLeads({ q: 'asha' })).items.map((l) => l.lead_id),
          [lead_id],
        );
        await rejectsWith(
          gateway.scheduleVisit({
            lead_id: 'a1b2c3d4-e5f6-4890-abcd-ef1234567890',
            visit_time: '2025-10-05T15:00:00+05:30',
          }),
          'NOT_FOUND',
          'lead_id',
        );
        await crm.close();
      });

      test('an unexpected failure below becomes a retriable CRM_ERROR; an abort stays an abort', async () => {
        const { crm } = await setup();
        // Not a uuid: the database itself refuses the organisation lookup.
        await assert.rejects(
          crm.gatewayFor('not-a-uuid').createLead({ name: 'A', phone: '9876543210', city: 'B' }),
          (error) => {
            assert.ok(error instanceof RoomanError);
            assert.equal(error.type, 'CRM_ERROR');
            assert.equal(error.retriable, true);
            return true;
          },
        );
        const { org } = await setup();
        const counts = await crmRowCounts(handle.db);
        const aborted = AbortSignal.abort();
        await assert.rejects(
          crm.gatewayFor(org.id).createLead(rohan, { signal: aborted }),
          (error: Error) => error.name === 'AbortError',
        );
        assert.deepEqual(await crmRowCounts(handle.db), counts);
        await crm.close();
      });
    });
  });
}
