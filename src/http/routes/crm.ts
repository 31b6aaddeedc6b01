/**
 * The CRM API of seed 003 (`/crm/...`), answered by the built-in CRM. Shapes are the seed's; errors are
 * `{error:{type, details, field?, issues?}}` (app.ts maps the type to the status). Bodies go to the CRM as they
 * came: it validates them with the core schemas, so a bad request is refused before anything is written.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WriteOptions } from '../../core/crm.ts';
import { RoomanError } from '../../core/errors.ts';
import type { BuiltinCrm } from '../../crm/builtin-crm.ts';
import type { ResolveOrg } from '../org.ts';

export interface CrmRouteDeps {
  crm: BuiltinCrm;
  resolveOrg: ResolveOrg;
}

type LeadParams = { Params: { lead_id: string } };

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export function registerCrmRoutes(app: FastifyInstance, deps: CrmRouteDeps): void {
  const { crm } = deps;
  // The organisation is settled first, so an unknown key is a 401 whatever else is wrong with the request.
  const orgs = new WeakMap<FastifyRequest, string>();
  const orgOf = (request: FastifyRequest) => orgs.get(request)!;
  const authenticate = async (request: FastifyRequest) => {
    orgs.set(request, await deps.resolveOrg(request));
  };
  const requireJson = async (request: FastifyRequest) => {
    if (!JSON_TYPE.test(request.headers['content-type'] ?? '')) {
      throw new RoomanError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json', {
        field: 'Content-Type',
      });
    }
  };
  const write = { onRequest: [authenticate, requireJson] };
  const read = { onRequest: [authenticate] };

  app.post('/crm/leads', write, async (request, reply) => {
    const result = await crm.createLead(orgOf(request), request.body, writeOptions(request));
    return reply.status(201).send(result);
  });

  app.post('/crm/visits', write, async (request, reply) => {
    const result = await crm.scheduleVisit(orgOf(request), request.body, writeOptions(request));
    return reply.status(201).send(result);
  });

  app.post<LeadParams>('/crm/leads/:lead_id/status', write, async (request) =>
    crm.updateLeadStatus(orgOf(request), request.params.lead_id, request.body, writeOptions(request)),
  );

  app.get('/crm/leads', read, async (request) => {
    const page = await crm.listLeads(orgOf(request), request.query);
    return { leads: page.items, total: page.total, limit: page.limit, offset: page.offset };
  });

  app.get<LeadParams>('/crm/leads/:lead_id', read, async (request) => {
    const lead = await crm.getLead(orgOf(request), request.params.lead_id);
    if (!lead) throw new RoomanError('NOT_FOUND', 'Lead not found', { field: 'lead_id' });
    return lead;
  });

  app.get<LeadParams>('/crm/leads/:lead_id/history', read, async (request) => {
    const changes = await crm.leadHistory(orgOf(request), request.params.lead_id);
    return { lead_id: request.params.lead_id.toLowerCase(), changes };
  });

  app.get('/crm/visits', read, async (request) => {
    const page = await crm.listVisits(orgOf(request), request.query);
    return { visits: page.items, total: page.total, limit: page.limit, offset: page.offset };
  });
}

function writeOptions(request: FastifyRequest): WriteOptions {
  const key = request.headers['idempotency-key'];
  return key === undefined ? {} : { idempotencyKey: Array.isArray(key) ? key.join(', ') : key };
}
