import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { createLogger } from '../../src/core/logger.ts';
import { BuiltinCrm } from '../../src/crm/builtin-crm.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { createOrgResolver } from '../../src/http/org.ts';
import { registerCrmRoutes } from '../../src/http/routes/crm.ts';
import type { Database } from '../../src/store/database.ts';
import { ApiKeyRepository, ensureDefaultOrganisation } from '../../src/store/organisations.ts';
import { createTestOrg, crmRowCounts, databaseTargets } from '../helpers/db.ts';

const BODY_LIMIT = 16 * 1024;
const MISSING_LEAD = 'a1b2c3d4-e5f6-4890-abcd-ef1234567890';
const rohan = { name: 'Rohan Sharma', phone: '9876543210', city: 'Gurgaon', source: 'Instagram' };

for (const target of databaseTargets()) {
  describe(`CRM HTTP API (${target.name})`, () => {
    let handle: Database;
    let dataDir: string;
    let app: FastifyInstance;
    let crm: BuiltinCrm;
    let journalLines = 0;
    let otherKey: string;

    before(async () => {
      handle = await target.open();
      dataDir = await mkdtemp(join(tmpdir(), 'rooman-crm-api-'));
      const org = await ensureDefaultOrganisation(handle.db, 'Asia/Kolkata');
      const other = await createTestOrg(handle.db);
      otherKey = await new ApiKeyRepository(handle.db).create(other.id, 'test');
      const logStream = new PassThrough();
      logStream.on('data', (chunk: Buffer) => {
        journalLines += chunk.toString('utf8').split('"event":"crm.').length - 1;
      });
      const logger = createLogger({ level: 'info', format: 'json', destination: logStream });
      crm = new BuiltinCrm({ db: handle.db, kind: handle.kind, logger, dataDir, csvLogs: true });
      app = createHttpApp({ logger, bodyLimit: BODY_LIMIT });
      registerCrmRoutes(app, {
        crm,
        resolveOrg: createOrgResolver({ db: handle.db, anonymousOrgId: org.id }),
      });
      await app.ready();
    });

    after(async () => {
      await app.close();
      await crm.close();
      await handle.close();
      await rm(dataDir, { recursive: true, force: true });
    });

    const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url, payload: payload as InjectOptions['payload'], headers });
    const get = (url: string, headers: Record<string, string> = {}) =>
      app.inject({ method: 'GET', url, headers });
    const createLead = async (body: object = rohan, headers: Record<string, string> = {}) => {
      const res = await post('/crm/leads', body, headers);
      assert.equal(res.statusCode, 201, res.body);
      return res.json<{ lead_id: string; status: string }>().lead_id;
    };

    /** Runs the request and asserts its error answer, and that it wrote nothing (rows and journal). */
    async function refused(
      request: () => Promise<{ statusCode: number; json: () => unknown }>,
      status: number,
      type: string,
      field?: string,
    ) {
      const counts = await crmRowCounts(handle.db);
      const lines = journalLines;
      const res = await request();
      assert.equal(res.statusCode, status, JSON.stringify(res.json()));
      const body = res.json() as { error: Record<string, unknown> };
      assert.deepEqual(Object.keys(body), ['error']);
      assert.equal(body.error.type, type);
      assert.equal(typeof body.error.details, 'string');
      assert.ok((body.error.details as string).length > 0);
      for (const key of Object.keys(body.error))
        assert.ok(['type', 'details', 'field', 'issues'].includes(key), key);
      if (field !== undefined) assert.equal(body.error.field, field);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(await crmRowCounts(handle.db), counts, 'nothing was written');
      assert.equal(journalLines, lines, 'nothing was journalled');
      return body.error;
    }

    describe('writes', () => {
      test('POST /crm/leads → 201 {lead_id, status: "NEW"}', async () => {
        const res = await post('/crm/leads', rohan);
        assert.equal(res.statusCode, 201);
        assert.match(res.headers['content-type'] as string, /^application\/json/);
        const body = res.json();
        assert.deepEqual(Object.keys(body), ['lead_id', 'status']);
        assert.equal(body.status, 'NEW');
      });

      test('POST /crm/visits → 201 {visit_id, status: "SCHEDULED"}', async () => {
        const lead_id = await createLead();
        const res = await post('/crm/visits', {
          lead_id,
          visit_time: '2025-10-05T15:00:00+05:30',
          notes: 'Test visit',
        });
        assert.equal(res.statusCode, 201);
        const body = res.json();
        assert.deepEqual(Object.keys(body), ['visit_id', 'status']);
        assert.equal(body.status, 'SCHEDULED');
      });

      test('POST /crm/leads/:lead_id/status → 200 {lead_id, status}', async () => {
        const lead_id = await createLead();
        const res = await post(`/crm/leads/${lead_id}/status`, { status: 'WON', notes: 'booked unit A2' });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json(), { lead_id, status: 'WON' });
      });

      test('a lead id in capitals is the same lead, answered in lower case', async () => {
        const lead_id = await createLead();
        const res = await post(`/crm/leads/${lead_id.toUpperCase()}/status`, { status: 'FOLLOW_UP' });
        assert.deepEqual(res.json(), { lead_id, status: 'FOLLOW_UP' });
        const visit = await post('/crm/visits', {
          lead_id: lead_id.toUpperCase(),
          visit_time: '2025-10-05T15:00:00+05:30',
        });
        assert.equal(visit.statusCode, 201);
        assert.equal((await get(`/crm/leads/${lead_id.toUpperCase()}/history`)).json().lead_id, lead_id);
      });

      test('a charset in the Content-Type is fine', async () => {
        const res = await post('/crm/leads', rohan, { 'content-type': 'application/json; charset=utf-8' });
        assert.equal(res.statusCode, 201);
      });
    });

    describe('reads', () => {
      test('GET /crm/leads/:lead_id → the Lead shape; 404 when missing; 400 naming lead_id when malformed', async () => {
        const lead_id = await createLead({ ...rohan, name: 'Reader One' });
        const res = await get(`/crm/leads/${lead_id}`);
        assert.equal(res.statusCode, 200);
        const lead = res.json();
        assert.deepEqual(Object.keys(lead).sort(), [
          'city',
          'created_at',
          'lead_id',
          'name',
          'phone',
          'phone_e164',
          'source',
          'status',
          'updated_at',
        ]);
        assert.equal(lead.phone, '9876543210');
        assert.match(lead.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+05:30$/);
        const missing = await refused(() => get(`/crm/leads/${MISSING_LEAD}`), 404, 'NOT_FOUND', 'lead_id');
        assert.equal(missing.details, 'Lead not found');
        await refused(() => get('/crm/leads/not-a-uuid'), 400, 'VALIDATION_ERROR', 'lead_id');
      });

      test('GET /crm/leads filters and pages: {leads, total, limit, offset}', async () => {
        const ids = [];
        for (const name of ['Pager Alpha', 'Pager Beta', 'Pager Gamma']) {
          ids.push(await createLead({ name, phone: '9822222222', city: 'Nagpur', source: 'Referral' }));
        }
        const res = await get('/crm/leads?city=nagpur&limit=2&offset=1');
        assert.equal(res.statusCode, 200);
        const body = res.json();
        assert.deepEqual(Object.keys(body), ['leads', 'total', 'limit', 'offset']);
        assert.deepEqual(
          body.leads.map((l: { name: string }) => l.name),
          ['Pager Beta', 'Pager Alpha'],
        );
        assert.deepEqual([body.total, body.limit, body.offset], [3, 2, 1]);
        const byQ = (await get('/crm/leads?q=gamma&source=referral')).json();
        assert.deepEqual(
          byQ.leads.map((l: { lead_id: string }) => l.lead_id),
          [ids[2]],
        );
        const byPrefix = (await get(`/crm/leads?id_prefix=${ids[1]!.slice(0, 8)}`)).json();
        assert.equal(byPrefix.leads[0].lead_id, ids[1]);
        const byPhone = (
          await get(`/crm/leads?phone=${encodeURIComponent('+919822222222')}&limit=500`)
        ).json();
        assert.equal(byPhone.total, 3);
        const defaults = (await get('/crm/leads')).json();
        assert.deepEqual([defaults.limit, defaults.offset], [50, 0]);
      });

      test('GET /crm/visits filters by lead, status and time: {visits, total, limit, offset}', async () => {
        const lead_id = await createLead({ ...rohan, name: 'Visitor' });
        for (const visit_time of ['2025-11-01T10:00:00+05:30', '2025-11-03T10:00:00+05:30']) {
          assert.equal((await post('/crm/visits', { lead_id, visit_time })).statusCode, 201);
        }
        const res = await get(
          `/crm/visits?lead_id=${lead_id}&status=SCHEDULED&from=${encodeURIComponent('2025-11-02T00:00:00+05:30')}`,
        );
        assert.equal(res.statusCode, 200);
        const body = res.json();
        assert.deepEqual(Object.keys(body), ['visits', 'total', 'limit', 'offset']);
        assert.equal(body.total, 1);
        assert.deepEqual(body.visits[0], {
          visit_id: body.visits[0].visit_id,
          lead_id,
          lead_name: 'Visitor',
          visit_time: '2025-11-03T10:00:00+05:30',
          notes: null,
          status: 'SCHEDULED',
          created_at: body.visits[0].created_at,
        });
        await refused(() => get('/crm/visits?from=2025-11-02'), 400, 'VALIDATION_ERROR', 'from');
        await refused(() => get('/crm/visits?status=DONE'), 400, 'VALIDATION_ERROR', 'status');
      });

      test('GET /crm/leads/:lead_id/history → the status changes, oldest first', async () => {
        const lead_id = await createLead();
        await post(`/crm/leads/${lead_id}/status`, { status: 'IN_PROGRESS' });
        await post(`/crm/leads/${lead_id}/status`, { status: 'WON', notes: 'booked unit A2' });
        const res = await get(`/crm/leads/${lead_id}/history`);
        assert.equal(res.statusCode, 200);
        const body = res.json();
        assert.equal(body.lead_id, lead_id);
        assert.deepEqual(
          body.changes.map((c: { old_status: string; new_status: string; notes: string | null }) => [
            c.old_status,
            c.new_status,
            c.notes,
          ]),
          [
            ['NEW', 'IN_PROGRESS', null],
            ['IN_PROGRESS', 'WON', 'booked unit A2'],
          ],
        );
        await refused(() => get(`/crm/leads/${MISSING_LEAD}/history`), 404, 'NOT_FOUND', 'lead_id');
      });

      test('an unknown query parameter or a bad page is refused', async () => {
        await refused(() => get('/crm/leads?colour=red'), 400, 'VALIDATION_ERROR', 'colour');
        await refused(() => get('/crm/leads?limit=501'), 400, 'VALIDATION_ERROR', 'limit');
        await refused(() => get('/crm/leads?offset=-1'), 400, 'VALIDATION_ERROR', 'offset');
        await refused(() => get('/crm/leads?status=MAYBE'), 400, 'VALIDATION_ERROR', 'status');
        await refused(() => get('/crm/leads?phone=12'), 400, 'VALIDATION_ERROR', 'phone');
      });
    });

    describe('bad requests change nothing', () => {
      test('a missing field', async () => {
        const error = await refused(
          () => post('/crm/leads', { name: 'X', city: 'Y' }),
          400,
          'VALIDATION_ERROR',
          'phone',
        );
        assert.deepEqual(error.issues, [{ field: 'phone', message: 'is required' }]);
      });

      test('several bad fields are all listed', async () => {
        const error = await refused(
          () => post('/crm/leads', { name: '', phone: 'abc' }),
          400,
          'VALIDATION_ERROR',
        );
        assert.deepEqual((error.issues as { field: string }[]).map((i) => i.field).sort(), [
          'city',
          'name',
          'phone',
        ]);
      });

      test('an invalid phone', async () => {
        await refused(
          () => post('/crm/leads', { ...rohan, phone: '12345' }),
          400,
          'VALIDATION_ERROR',
          'phone',
        );
        await refused(
          () => post('/crm/leads', { ...rohan, phone: 9876543210 }),
          400,
          'VALIDATION_ERROR',
          'phone',
        );
      });

      test('an unknown status', async () => {
        const lead_id = await createLead();
        await refused(
          () => post(`/crm/leads/${lead_id}/status`, { status: 'DONE' }),
          400,
          'VALIDATION_ERROR',
          'status',
        );
        await refused(
          () => post(`/crm/leads/${lead_id}/status`, { status: 'won' }),
          400,
          'VALIDATION_ERROR',
          'status',
        );
        await refused(() => post(`/crm/leads/${lead_id}/status`, {}), 400, 'VALIDATION_ERROR', 'status');
      });

      test('a visit_time without a date, or without an offset', async () => {
        const lead_id = await createLead();
        for (const visit_time of [
          '15:00',
          '3 PM tomorrow',
          '2025-10-05T15:00:00',
          '2025-10-05',
          '2025-02-30T10:00:00+05:30',
        ]) {
          await refused(
            () => post('/crm/visits', { lead_id, visit_time }),
            400,
            'VALIDATION_ERROR',
            'visit_time',
          );
        }
      });

      test('an unknown lead', async () => {
        const error = await refused(
          () => post('/crm/visits', { lead_id: MISSING_LEAD, visit_time: '2025-10-05T15:00:00+05:30' }),
          404,
          'NOT_FOUND',
          'lead_id',
        );
        assert.equal(error.details, 'Lead not found');
        await refused(
          () => post(`/crm/leads/${MISSING_LEAD}/status`, { status: 'WON' }),
          404,
          'NOT_FOUND',
          'lead_id',
        );
        await refused(
          () => post('/crm/leads/123/status', { status: 'WON' }),
          400,
          'VALIDATION_ERROR',
          'lead_id',
        );
        await refused(
          () => post('/crm/visits', { lead_id: 'abc', visit_time: '2025-10-05T15:00:00+05:30' }),
          400,
          'VALIDATION_ERROR',
          'lead_id',
        );
      });

      test('malformed JSON, an empty body, a JSON value that is not an object', async () => {
        const raw = (payload: string) =>
          app.inject({
            method: 'POST',
            url: '/crm/leads',
            payload,
            headers: { 'content-type': 'application/json' },
          });
        await refused(() => raw('{"name": "Rohan",'), 400, 'VALIDATION_ERROR', '(body)');
        await refused(() => raw(''), 400, 'VALIDATION_ERROR', '(body)');
        await refused(() => raw('[1, 2]'), 400, 'VALIDATION_ERROR', '(body)');
        await refused(() => raw('"text"'), 400, 'VALIDATION_ERROR', '(body)');
      });

      test('an oversized body', async () => {
        await refused(
          () => post('/crm/leads', { ...rohan, name: 'x'.repeat(BODY_LIMIT) }),
          413,
          'PAYLOAD_TOO_LARGE',
        );
      });

      test('a wrong or missing content type', async () => {
        const body = JSON.stringify(rohan);
        for (const type of [
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
        ]) {
          await refused(
            () =>
              app.inject({
                method: 'POST',
                url: '/crm/leads',
                payload: body,
                headers: { 'content-type': type },
              }),
            415,
            'UNSUPPORTED_MEDIA_TYPE',
          );
        }
        await refused(
          () => app.inject({ method: 'POST', url: '/crm/leads', payload: body }),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        );
      });

      test('an unknown API key, or an Authorization that is not a bearer key', async () => {
        const error = await refused(
          () => post('/crm/leads', rohan, { authorization: 'Bearer rmn_not-a-real-key' }),
          401,
          'UNAUTHORIZED',
        );
        assert.equal(error.details, 'Unknown API key');
        await refused(
          () => get('/crm/leads', { authorization: 'Bearer rmn_not-a-real-key' }),
          401,
          'UNAUTHORIZED',
        );
        await refused(() => get('/crm/leads', { authorization: 'Basic dXNlcjpwYXNz' }), 401, 'UNAUTHORIZED');
        // The key is checked before anything else about the request.
        await refused(
          () =>
            app.inject({
              method: 'POST',
              url: '/crm/leads',
              payload: 'x',
              headers: { authorization: 'Bearer nope', 'content-type': 'text/plain' },
            }),
          401,
          'UNAUTHORIZED',
        );
      });

      test('an unknown route', async () => {
        await refused(() => get('/crm/nothing'), 404, 'NOT_FOUND');
        await refused(
          () => app.inject({ method: 'DELETE', url: `/crm/leads/${MISSING_LEAD}` }),
          404,
          'NOT_FOUND',
        );
      });
    });

    describe('API keys and organisations', () => {
      test('a key acts for its organisation; the open default organisation does not see its leads', async () => {
        const auth = { authorization: `Bearer ${otherKey}` };
        const lead_id = await createLead({ ...rohan, name: 'Keyed Lead' }, auth);
        assert.equal((await get(`/crm/leads/${lead_id}`, auth)).statusCode, 200);
        assert.equal((await get(`/crm/leads/${lead_id}`)).statusCode, 404);
        assert.equal((await get('/crm/leads?q=keyed')).json().total, 0);
        assert.equal((await get('/crm/leads?q=keyed', auth)).json().total, 1);
        await refused(
          () => post('/crm/visits', { lead_id, visit_time: '2025-10-05T15:00:00+05:30' }),
          404,
          'NOT_FOUND',
          'lead_id',
        );
      });
    });

    describe('Idempotency-Key', () => {
      test('a retried POST gets the first answer and writes nothing', async () => {
        const headers = { 'idempotency-key': 'create-rohan-1' };
        const first = await post('/crm/leads', rohan, headers);
        assert.equal(first.statusCode, 201);
        const counts = await crmRowCounts(handle.db);
        const again = await post('/crm/leads', rohan, headers);
        assert.equal(again.statusCode, 201);
        assert.deepEqual(again.json(), first.json());
        assert.deepEqual(await crmRowCounts(handle.db), counts);
        const lead_id = first.json().lead_id;
        const status = () =>
          post(`/crm/leads/${lead_id}/status`, { status: 'WON' }, { 'idempotency-key': 's-1' });
        assert.equal((await status()).statusCode, 200);
        const afterStatus = await crmRowCounts(handle.db);
        assert.deepEqual((await status()).json(), { lead_id, status: 'WON' });
        assert.deepEqual(await crmRowCounts(handle.db), afterStatus);
      });

      test('concurrent duplicates write once', async () => {
        const headers = { 'idempotency-key': 'burst-http' };
        const answers = await Promise.all(
          Array.from({ length: 8 }, () => post('/crm/leads', rohan, headers)),
        );
        assert.deepEqual(new Set(answers.map((a) => a.statusCode)), new Set([201]));
        assert.equal(new Set(answers.map((a) => a.json().lead_id)).size, 1);
      });

      test('the same key with another body is 409 CONFLICT; a malformed key is 400', async () => {
        await post('/crm/leads', rohan, { 'idempotency-key': 'k-conflict' });
        await refused(
          () => post('/crm/leads', { ...rohan, city: 'Delhi' }, { 'idempotency-key': 'k-conflict' }),
          409,
          'CONFLICT',
          'Idempotency-Key',
        );
        await refused(
          () => post('/crm/leads', rohan, { 'idempotency-key': 'k'.repeat(201) }),
          400,
          'VALIDATION_ERROR',
          'Idempotency-Key',
        );
        await refused(
          () => post('/crm/leads', rohan, { 'idempotency-key': 'ключ' }),
          400,
          'VALIDATION_ERROR',
          'Idempotency-Key',
        );
      });
    });
  });
}
