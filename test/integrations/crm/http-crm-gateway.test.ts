import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { RoomanError } from '../../../src/core/errors.ts';
import {
  HttpCrmGateway,
  type HttpCrmGatewayOptions,
} from '../../../src/integrations/crm/http-crm-gateway.ts';
import { CircuitBreaker } from '../../../src/integrations/resilience/circuit-breaker.ts';
import { FakeCrmServer } from '../../fakes/crm-server.ts';

const lead = { name: 'Rohan Sharma', phone: '+919876543210', city: 'Gurgaon', source: 'Instagram' };
const noWait = { sleep: async () => {}, random: () => 0 };

function manualClock() {
  let now = 0;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

describe('HttpCrmGateway against a real HTTP CRM', () => {
  let crm: FakeCrmServer;
  const gateway = (options: Partial<HttpCrmGatewayOptions> = {}) =>
    new HttpCrmGateway({ baseUrl: crm.url, ...noWait, ...options });

  before(async () => {
    crm = await FakeCrmServer.start();
  });
  after(() => crm.close());
  beforeEach(() => {
    crm.requests.length = 0;
  });

  it('creates a lead, sending the seed body and an Idempotency-Key', async () => {
    const result = await gateway().createLead(lead, { idempotencyKey: 'turn-1' });
    assert.equal(result.status, 'NEW');
    const [request] = crm.requestsTo('POST', '/crm/leads');
    assert.deepEqual(request?.body, lead);
    assert.equal(request?.headers['idempotency-key'], 'turn-1');
    assert.equal(request?.headers['content-type'], 'application/json');
    assert.equal(crm.leads.get(result.lead_id)?.name, 'Rohan Sharma');
  });

  it('retries 503s with the same Idempotency-Key and creates the lead once', async () => {
    const before = crm.leads.size;
    crm.failNext(2, 503);
    const retries: number[] = [];
    const result = await gateway({ onRetry: (info) => retries.push(info.attempt) }).createLead(lead, {
      idempotencyKey: 'retry-me',
    });
    const attempts = crm.requestsTo('POST', '/crm/leads');
    assert.equal(attempts.length, 3);
    assert.deepEqual(
      attempts.map((r) => r.headers['idempotency-key']),
      ['retry-me', 'retry-me', 'retry-me'],
    );
    assert.deepEqual(retries, [1, 2]);
    assert.equal(crm.leads.size, before + 1);
    assert.equal(result.status, 'NEW');
  });

  it('a write without a key still gets one generated, reused across retries', async () => {
    crm.resetNext(1);
    await gateway().createLead(lead);
    const keys = crm.requestsTo('POST', '/crm/leads').map((r) => r.headers['idempotency-key']);
    assert.equal(keys.length, 2);
    assert.match(String(keys[0]), /^[0-9a-f-]{36}$/);
    assert.equal(keys[0], keys[1]);
  });

  it('a replayed key gives the first answer and writes nothing new', async () => {
    const first = await gateway().createLead(lead, { idempotencyKey: 'same-turn' });
    const size = crm.leads.size;
    const second = await gateway().createLead(lead, { idempotencyKey: 'same-turn' });
    assert.equal(second.lead_id, first.lead_id);
    assert.equal(crm.leads.size, size);
  });

  it('retries a reset connection and a hung request (per-attempt timeout)', async () => {
    crm.resetNext(1);
    crm.hangNext(1);
    const started = Date.now();
    const page = await gateway({ timeoutMs: 150 }).listLeads({});
    assert.ok(page.items.length > 0);
    assert.equal(crm.requestsTo('GET', '/crm/leads').length, 3);
    assert.ok(Date.now() - started < 2000, 'the hung attempt was cut off by the timeout');
  });

  it('gives up after maxAttempts with a retriable CRM_ERROR', async () => {
    crm.failNext(3, 502);
    await assert.rejects(gateway({ retry: { maxAttempts: 3 } }).createLead(lead), (e: unknown) => {
      assert.ok(e instanceof RoomanError);
      assert.equal(e.type, 'CRM_ERROR');
      assert.equal(e.retriable, true);
      assert.equal(e.upstreamStatus, 502);
      return true;
    });
    assert.equal(crm.requestsTo('POST', '/crm/leads').length, 3);
  });

  it('a hang on every attempt ends as a timeout CRM_ERROR', async () => {
    crm.hangNext(2);
    await assert.rejects(
      gateway({ timeoutMs: 100, retry: { maxAttempts: 2 } }).listLeads({}),
      (e: unknown) => e instanceof RoomanError && e.type === 'CRM_ERROR' && /within 100 ms/.test(e.message),
    );
    assert.equal(crm.requestsTo('GET', '/crm/leads').length, 2);
  });

  it('retries 429 honouring Retry-After', async () => {
    crm.failNext(1, 429, { 'retry-after': '1' });
    const waits: number[] = [];
    await gateway({ sleep: async (ms) => void waits.push(ms) }).listLeads({});
    assert.deepEqual(waits, [1000]);
    assert.equal(crm.requestsTo('GET', '/crm/leads').length, 2);
  });

  it('never retries a 4xx: 400 → VALIDATION_ERROR with the CRM details, 404 → NOT_FOUND', async () => {
    crm.answerNext(400, {
      error: { type: 'VALIDATION_ERROR', details: 'phone: is not valid', field: 'phone' },
    });
    await assert.rejects(gateway().createLead(lead), (e: unknown) => {
      assert.ok(e instanceof RoomanError);
      assert.equal(e.type, 'VALIDATION_ERROR');
      assert.equal(e.message, 'phone: is not valid');
      assert.equal(e.field, 'phone');
      assert.equal(e.retriable, false);
      return true;
    });
    assert.equal(crm.requestsTo('POST', '/crm/leads').length, 1);

    const missing = '00000000-0000-4000-8000-000000000000';
    await assert.rejects(
      gateway().updateLeadStatus(missing, { status: 'WON' }),
      (e: unknown) => e instanceof RoomanError && e.type === 'NOT_FOUND' && e.message === 'Lead not found',
    );
    assert.equal(crm.requestsTo('POST', `/crm/leads/${missing}/status`).length, 1);
    assert.equal(await gateway().getLead(missing), null);
  });

  it('reads FastAPI 422 field errors', async () => {
    crm.answerNext(422, { detail: [{ loc: ['body', 'city'], msg: 'Field required', type: 'missing' }] });
    await assert.rejects(
      gateway().createLead(lead),
      (e: unknown) => e instanceof RoomanError && e.type === 'VALIDATION_ERROR' && e.field === 'city',
    );
  });

  it('schedules a visit and updates a status', async () => {
    const { lead_id } = await gateway().createLead(lead);
    const visit = await gateway().scheduleVisit({ lead_id, visit_time: '2031-10-05T15:00:00+05:30' });
    assert.equal(visit.status, 'SCHEDULED');
    const update = await gateway().updateLeadStatus(lead_id, { status: 'WON', notes: 'booked unit A2' });
    assert.deepEqual(update, { lead_id, status: 'WON' });
    assert.deepEqual(crm.requestsTo('POST', `/crm/leads/${lead_id}/status`)[0]?.body, {
      status: 'WON',
      notes: 'booked unit A2',
    });
    const fetched = await gateway().getLead(lead_id);
    assert.equal(fetched?.status, 'WON');
    assert.equal(fetched?.phone_e164, '+919876543210');
  });

  it('an unexpected 2xx body is a CRM_ERROR, not a crash', async () => {
    crm.answerNext(200, { hello: 'world' });
    await assert.rejects(
      gateway().createLead(lead),
      (e: unknown) => e instanceof RoomanError && e.type === 'CRM_ERROR' && !e.retriable,
    );
  });

  it('opens the circuit after consecutive failures, fails fast, then closes after a good probe', async () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 10_000, clock });
    const client = gateway({ breaker, retry: { maxAttempts: 2 } });
    crm.failNext(4, 503);
    await assert.rejects(client.listLeads({}));
    await assert.rejects(client.listLeads({}));
    assert.equal(breaker.state, 'open');
    assert.equal(crm.requestsTo('GET', '/crm/leads').length, 3, 'the 4th attempt was refused by the breaker');

    await assert.rejects(client.listLeads({}), (e: unknown) => {
      assert.ok(e instanceof RoomanError);
      assert.equal(e.type, 'CRM_ERROR');
      assert.equal(e.retriable, true);
      return true;
    });
    assert.equal(crm.requestsTo('GET', '/crm/leads').length, 3, 'an open circuit sends nothing');

    clock.advance(10_000);
    assert.equal(breaker.state, 'half-open');
    await assert.rejects(client.listLeads({}), 'the probe meets the 4th 503 and re-opens the circuit');
    assert.equal(breaker.state, 'open');
    assert.equal(crm.requestsTo('GET', '/crm/leads').length, 4);

    clock.advance(10_000);
    const page = await client.listLeads({});
    assert.ok(page.items.length > 0);
    assert.equal(breaker.state, 'closed');
  });

  it('4xx answers do not count against the circuit', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 10_000, clock: manualClock() });
    crm.answerNext(404, { detail: 'Lead not found' });
    await gateway({ breaker }).getLead('00000000-0000-4000-8000-000000000001');
    assert.equal(breaker.state, 'closed');
  });

  it('finds leads by name and id prefix, filtering even when the CRM ignores filters', async () => {
    const a = crm.addLead({ name: 'Zubin Irani' });
    const sloppy = await FakeCrmServer.start({ ignoreFilters: true });
    try {
      sloppy.addLead({ name: 'Zubin Irani', lead_id: a.lead_id });
      sloppy.addLead({ name: 'Meera Nair' });
      for (const server of [crm, sloppy]) {
        const client = new HttpCrmGateway({ baseUrl: server.url, ...noWait });
        const byName = await client.listLeads({ q: 'zubin' });
        assert.deepEqual(
          byName.items.map((l) => l.lead_id),
          [a.lead_id],
        );
        const byPrefix = await client.listLeads({ id_prefix: a.lead_id.slice(0, 8) });
        assert.deepEqual(
          byPrefix.items.map((l) => l.name),
          ['Zubin Irani'],
        );
      }
      assert.equal(sloppy.requestsTo('GET', '/crm/leads')[0]?.query.get('q'), 'zubin');
    } finally {
      await sloppy.close();
    }
  });

  it("works with a CRM like the seed's mock: no lead route, the list a bare array without filters", async () => {
    const seed = await FakeCrmServer.start({ seedMock: true });
    try {
      const client = new HttpCrmGateway({ baseUrl: seed.url, ...noWait });
      const { lead_id } = await client.createLead(lead);
      seed.addLead({ name: 'Someone Else' });
      const found = await client.getLead(lead_id);
      assert.equal(found?.name, 'Rohan Sharma');
      assert.equal(found?.phone_e164, '+919876543210');
      assert.equal(await client.getLead('00000000-0000-4000-8000-00000000abcd'), null);
      const page = await client.listLeads({ q: 'rohan' });
      assert.deepEqual(
        page.items.map((l) => l.lead_id),
        [lead_id],
      );
    } finally {
      await seed.close();
    }
  });

  it('sends the API key and reports a refused key as a non-retriable CRM_ERROR', async () => {
    const locked = await FakeCrmServer.start({ apiKey: 's3cret' });
    try {
      const ok = new HttpCrmGateway({ baseUrl: locked.url, apiKey: 's3cret', ...noWait });
      await ok.createLead(lead);
      assert.equal(locked.requests[0]?.headers.authorization, 'Bearer s3cret');
      const custom = await FakeCrmServer.start({ apiKey: 'k2', apiKeyHeader: 'X-API-Key' });
      try {
        await new HttpCrmGateway({
          baseUrl: custom.url,
          apiKey: 'k2',
          apiKeyHeader: 'X-API-Key',
          ...noWait,
        }).listLeads({});
        assert.equal(custom.requests[0]?.headers['x-api-key'], 'k2');
      } finally {
        await custom.close();
      }
      const wrong = new HttpCrmGateway({ baseUrl: locked.url, apiKey: 'nope', ...noWait });
      await assert.rejects(
        wrong.createLead(lead),
        (e: unknown) => e instanceof RoomanError && e.type === 'CRM_ERROR' && !e.retriable,
      );
      assert.equal(locked.requests.length, 2);
    } finally {
      await locked.close();
    }
  });

  it('an unreachable CRM is a retriable CRM_ERROR', async () => {
    const client = new HttpCrmGateway({
      baseUrl: 'http://127.0.0.1:1',
      ...noWait,
      retry: { maxAttempts: 2 },
    });
    await assert.rejects(
      client.listLeads({}),
      (e: unknown) => e instanceof RoomanError && e.type === 'CRM_ERROR' && e.retriable,
    );
  });
});
