import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoomanError } from '../../src/core/errors.ts';
import { HttpCrmGateway } from '../../src/integrations/crm/http-crm-gateway.ts';
import { crmTools } from '../../src/tools/crm-tools.ts';
import type { ToolContext } from '../../src/tools/tool.ts';
import { FakeCrmServer } from '../fakes/crm-server.ts';

describe('CRM tools and the registry', () => {
  let crm: FakeCrmServer;
  let ctx: ToolContext;
  const tools = crmTools();

  before(async () => {
    crm = await FakeCrmServer.start();
    ctx = {
      crm: new HttpCrmGateway({ baseUrl: crm.url, sleep: async () => {} }),
      now: new Date('2025-10-04T10:00:00+05:30'),
      timeZone: 'Asia/Kolkata',
      idempotencyKey: 'k-1',
    };
  });
  after(() => crm.close());

  it('declares each tool with the JSON schema of its input', () => {
    const declarations = tools.declarations();
    assert.deepEqual(
      declarations.map((d) => d.name),
      ['createLead', 'scheduleVisit', 'updateLeadStatus', 'findLeads'],
    );
    const create = declarations[0]!.parameters as {
      type: string;
      required: string[];
      properties: Record<string, { type: string; description?: string }>;
      additionalProperties: boolean;
    };
    assert.equal(create.type, 'object');
    assert.deepEqual(create.required.sort(), ['city', 'name', 'phone']);
    assert.equal(create.properties.phone?.type, 'string');
    assert.match(create.properties.phone?.description ?? '', /E\.164/);
    assert.equal(create.additionalProperties, false);
    const update = declarations[2]!.parameters as {
      required: string[];
      properties: Record<string, { enum?: string[] }>;
    };
    assert.deepEqual(update.required.sort(), ['lead_id', 'status']);
    assert.deepEqual(update.properties.status?.enum, ['NEW', 'IN_PROGRESS', 'FOLLOW_UP', 'WON', 'LOST']);
    const find = declarations[3]!.parameters as { required?: string[] };
    assert.deepEqual(find.required, ['query'], 'limit has a default, so callers may omit it');
  });

  it('validates proposed arguments, naming the field, before any CRM call', async () => {
    const before = crm.requests.length;
    await assert.rejects(
      tools.invoke('createLead', { name: 'Rohan', phone: '12', city: 'Pune' }, ctx),
      (e: unknown) => {
        assert.ok(e instanceof RoomanError);
        assert.equal(e.type, 'VALIDATION_ERROR');
        assert.equal(e.field, 'phone');
        assert.match(e.message, /^phone: is not a valid phone number/);
        return true;
      },
    );
    await assert.rejects(
      tools.invoke('createLead', { name: 'Rohan', phone: '9876543210' }, ctx),
      (e: unknown) => e instanceof RoomanError && e.field === 'city' && e.message === 'city: is required',
    );
    await assert.rejects(
      tools.invoke('updateLeadStatus', { lead_id: 'abc', status: 'WON' }, ctx),
      (e: unknown) => e instanceof RoomanError && e.field === 'lead_id',
    );
    await assert.rejects(
      tools.invoke('createLead', { name: 'R', phone: '9876543210', city: 'P', colour: 'red' }, ctx),
      (e: unknown) => e instanceof RoomanError && e.field === 'colour',
    );
    await assert.rejects(tools.invoke('deleteEverything', {}, ctx), /Unknown tool/);
    assert.equal(crm.requests.length, before);
  });

  it('runs createLead and describes the CRM call with the normalised arguments', async () => {
    const outcome = await tools.invoke(
      'createLead',
      { name: ' Rohan Sharma ', phone: '98765 43210', city: 'Gurgaon' },
      ctx,
    );
    assert.deepEqual(outcome.crmCall, {
      function: 'createLead',
      method: 'POST',
      path: '/crm/leads',
      body: { name: 'Rohan Sharma', phone: '+919876543210', city: 'Gurgaon' },
    });
    assert.equal(outcome.output.status, 'NEW');
    assert.equal(crm.requestsTo('POST', '/crm/leads').at(-1)?.headers['idempotency-key'], 'k-1');
  });

  it('refuses a visit that is not in the future', async () => {
    const lead = crm.addLead({ name: 'Asha' });
    await assert.rejects(
      tools.invoke('scheduleVisit', { lead_id: lead.lead_id, visit_time: '2025-10-04T09:59:00+05:30' }, ctx),
      (e: unknown) => e instanceof RoomanError && e.field === 'visit_time',
    );
    await assert.rejects(
      tools.invoke('scheduleVisit', { lead_id: lead.lead_id, visit_time: 'tomorrow' }, ctx),
      (e: unknown) => e instanceof RoomanError && e.field === 'visit_time',
    );
    const ok = await tools.invoke(
      'scheduleVisit',
      { lead_id: lead.lead_id, visit_time: '2025-10-05T15:00:00+05:30', notes: 'bring brochure' },
      { ...ctx, idempotencyKey: 'k-2' },
    );
    assert.equal(ok.output.status, 'SCHEDULED');
    assert.equal(ok.crmCall?.path, '/crm/visits');
  });

  it('updateLeadStatus puts the id in the path, not the body', async () => {
    const lead = crm.addLead({ name: 'Vikram' });
    const outcome = await tools.invoke(
      'updateLeadStatus',
      { lead_id: lead.lead_id, status: 'IN_PROGRESS', notes: 'called' },
      { ...ctx, idempotencyKey: 'k-3' },
    );
    assert.deepEqual(outcome.crmCall?.body, { status: 'IN_PROGRESS', notes: 'called' });
    assert.equal(outcome.crmCall?.path, `/crm/leads/${lead.lead_id}/status`);
    assert.equal(crm.leads.get(lead.lead_id)?.status, 'IN_PROGRESS');
  });

  it('findLeads resolves a name or an id prefix', async () => {
    const lead = crm.addLead({ name: 'Zainab Qureshi', lead_id: '7e57c0de-0000-4000-8000-000000000000' });
    const byName = await tools.invoke('findLeads', { query: "Zainab's lead" }, ctx);
    assert.deepEqual(
      (byName.output.matches as { lead_id: string }[]).map((m) => m.lead_id),
      [lead.lead_id],
    );
    const byPrefix = await tools.invoke('findLeads', { query: '7e57c0de' }, ctx);
    assert.equal(byPrefix.output.total, 1);
    const none = await tools.invoke('findLeads', { query: 'Nobody Here' }, ctx);
    assert.deepEqual(none.output, { matches: [], total: 0 });
    assert.equal(byName.crmCall, undefined, 'a read is not a crm_call');
  });
});
