/**
 * Outbound phone calls over HTTP (docs/phone-outbound.md):
 *
 *   POST /api/calls {to, agent?, context?, at?}     place a call now (201) or schedule it (202)
 *   GET  /api/calls[?live=true]                     the organisation's calls; live ones with their transcript so far
 *   GET  /api/calls/:id                             one call with its status history
 *   POST /api/calls/:id/hangup                      end a call (Twilio `Status=completed`)
 *   POST /api/calls/:id/transfer {to?}              hand an answered call to a person (`<Dial>`)
 *   GET  /api/calls/scheduled, POST /api/calls/scheduled/:id/cancel
 *   GET/PUT/DELETE /api/agents[/:name]
 *   POST /api/campaigns (JSON, or text/csv with settings in the query), GET /api/campaigns[/:id[/targets]],
 *   POST /api/campaigns/:id/pause|resume|cancel
 *   POST /twilio/outbound/status, /twilio/outbound/amd   Twilio's callbacks, X-Twilio-Signature checked (403)
 */
import { parse as parseCsv } from 'csv-parse/sync';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import twilio from 'twilio';
import { z } from 'zod';
import { type Agent, agentJson } from '../../calls/agents.ts';
import type { CallRequest, CallRequestRepository, CampaignProgress } from '../../calls/call-requests.ts';
import { calleeZones, regionOfZone } from '../../calls/calling-window.ts';
import { requireGreetingContext } from '../../calls/greeting.ts';
import { onceForKey } from '../../calls/idempotent.ts';
import { OUTBOUND_AMD_PATH, OUTBOUND_STATUS_PATH, type OutboundCalls } from '../../calls/outbound.ts';
import {
  agentInput,
  agentName,
  callRequestInput,
  campaignInput,
  campaignSettings,
  MAX_CAMPAIGN_TARGETS,
  transferInput,
} from '../../calls/shapes.ts';
import { type ErrorIssue, RoomanError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { type Clock, systemClock } from '../../core/time.ts';
import { parseWith, toIssues } from '../../core/validation.ts';
import { failureError } from '../../integrations/twilio/client.ts';
import { type CallRecord, FINAL_CALL_STATUSES } from '../../store/calls.ts';
import type { OrganisationRepository } from '../../store/organisations.ts';
import type { Schema } from '../../store/schema.ts';
import type { TranscriptRepository } from '../../store/transcripts.ts';

export interface CallRoutesOptions {
  /** For Idempotency-Key claims (the CRM's idempotency_keys table). */
  db: Kysely<Schema>;
  outbound: OutboundCalls;
  requests: CallRequestRepository;
  transcripts: TranscriptRepository;
  orgs: OrganisationRepository;
  resolveOrg: (request: FastifyRequest) => Promise<string>;
  /** The zone of an organisation that has none (ROOMAN_TZ). */
  defaultTimeZone: string;
  /** Checks Twilio's callbacks; undefined when Twilio is not configured (callbacks are then refused). */
  twilioAuth: { authToken: string; publicUrl: string } | undefined;
  /** Wakes the dialler (a call ended, a campaign or a scheduled call was created). */
  poke: () => void;
  logger: Logger;
  clock?: Clock;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IdParams = z.object({ id: z.string() });
const Page = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
const CallListQuery = Page.extend({
  live: z.enum(['true', 'false']).optional(),
  direction: z.enum(['inbound', 'outbound']).optional(),
});

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const clockText = (min: number) =>
  `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;

export function callJson(call: CallRecord) {
  return {
    id: call.id,
    direction: call.direction,
    status: call.status,
    to: call.to,
    from: call.from,
    agent: call.agent,
    context: call.context,
    call_sid: call.callSid,
    answered_by: call.answeredBy,
    duration_seconds: call.durationSeconds,
    session_id: call.sessionId,
    error: call.error,
    created_at: iso(call.createdAt),
    answered_at: iso(call.answeredAt),
    ended_at: iso(call.endedAt),
  };
}

export function requestJson(r: CallRequest) {
  return {
    id: r.id,
    campaign_id: r.campaignId,
    row: r.rowNumber,
    to: r.to,
    agent: r.agent,
    context: r.context,
    time_zones: r.zones,
    state: r.state,
    attempts: r.attempts,
    due_at: iso(r.dueAt),
    outcome: r.outcome,
    call_id: r.lastCallId,
    error: r.lastError,
    created_at: iso(r.createdAt),
  };
}

export function progressJson(p: CampaignProgress) {
  const c = p.campaign;
  return {
    id: c.id,
    name: c.name,
    agent: c.agent,
    status: c.status,
    concurrency: c.concurrency,
    window: { start: clockText(c.window.startMin), end: clockText(c.window.endMin) },
    max_attempts: c.maxAttempts,
    retry_backoff_seconds: c.retryBackoffSeconds,
    retry_on: c.retryOn,
    time_zone: c.defaultTimeZone,
    total: Object.values(p.counts).reduce((a, b) => a + b, 0),
    counts: p.counts,
    outcomes: p.outcomes,
    attempts: p.attempts,
    next_due_at: iso(p.nextDueAt),
    created_at: iso(c.createdAt),
    finished_at: iso(c.finishedAt),
  };
}

export function registerCallRoutes(app: FastifyInstance, options: CallRoutesOptions): void {
  const { outbound, requests } = options;
  const clock = options.clock ?? systemClock;
  const orgZone = async (orgId: string) =>
    (await options.orgs.findById(orgId))?.timeZone ?? options.defaultTimeZone;

  // ---- calls ----

  app.post('/api/calls', async (request, reply) => {
    const orgId = await options.resolveOrg(request);
    const zone = await orgZone(orgId);
    const body = parseWith(callRequestInput(regionOfZone(zone)), request.body);
    outbound.requireConfigured();
    const agent = await outbound.agents.resolve(orgId, body.agent);
    requireAgentContext(agent, body.context);
    const dueAt = body.at ? new Date(body.at) : undefined;
    if (dueAt && dueAt.getTime() < clock.now().getTime() - 60_000)
      throw new RoomanError('VALIDATION_ERROR', 'at: is in the past', { field: 'at' });
    let failure: Awaited<ReturnType<OutboundCalls['place']>>['failure'];
    const keyed = await onceForKey(
      options.db,
      { orgId, scope: 'calls.create', key: idempotencyKey(request), request: request.body, now: clock.now() },
      dueAt ? 'scheduled' : 'call',
      async (id) => {
        if (dueAt) {
          const input = {
            to: body.to,
            agent: agent.name,
            context: body.context,
            zones: calleeZones(body.to, undefined, zone),
            dueAt,
          };
          await requests.schedule(orgId, input, clock.now(), id);
          options.poke();
        } else {
          ({ failure } = await outbound.place(orgId, { id, to: body.to, agent, context: body.context }));
        }
      },
    );
    if (keyed.kind === 'scheduled') {
      const scheduled = await requests.findRequest(orgId, keyed.id);
      if (!scheduled)
        throw new RoomanError('CONFLICT', 'A request with this Idempotency-Key is in progress; retry');
      return reply.status(keyed.replay ? 200 : 202).send({ scheduled: requestJson(scheduled) });
    }
    const call = await outbound.calls.findById(orgId, keyed.id);
    if (!call) throw new RoomanError('CONFLICT', 'A request with this Idempotency-Key is in progress; retry');
    if (failure) {
      const error = failureError(failure, 'to');
      throw new RoomanError(error.type, `${error.message} (recorded as call ${call.id})`, {
        ...(error.type === 'VALIDATION_ERROR' ? { field: 'to' } : {}),
        retriable: failure.retriable,
      });
    }
    // A retry under the same key gets the call as it is now (200), never a second call.
    return reply.status(keyed.replay ? 200 : 201).send(callJson(call));
  });

  app.get('/api/calls', async (request) => {
    const orgId = await options.resolveOrg(request);
    const query = parseWith(CallListQuery, request.query, 'query');
    if (query.live === 'true') {
      const live = await outbound.listLive(orgId);
      const calls = await Promise.all(
        live.map(async (call) => ({
          ...callJson(call),
          bridged: call.bridged,
          transcript: call.sessionId
            ? (await options.transcripts.entries(orgId, call.sessionId)).map((e) => ({
                role: e.role,
                text: e.played_text ?? e.text,
                interrupted: e.interrupted,
                at: iso(e.started_at),
              }))
            : [],
        })),
      );
      return { calls, total: calls.length };
    }
    const page = await outbound.calls.list(orgId, {
      limit: query.limit,
      offset: query.offset,
      ...(query.direction ? { direction: query.direction } : {}),
    });
    return { calls: page.items.map(callJson), total: page.total, limit: page.limit, offset: page.offset };
  });

  app.get('/api/calls/scheduled', async (request) => {
    const orgId = await options.resolveOrg(request);
    const page = parseWith(Page, request.query, 'query');
    return { scheduled: (await requests.listScheduled(orgId, page)).map(requestJson) };
  });

  app.post('/api/calls/scheduled/:id/cancel', async (request) => {
    const orgId = await options.resolveOrg(request);
    const { id } = parseWith(IdParams, request.params, 'path');
    if (!UUID.test(id)) throw new RoomanError('NOT_FOUND', `No scheduled call ${id}`);
    return { scheduled: requestJson(await requests.cancelScheduled(orgId, id, clock.now())) };
  });

  app.get('/api/calls/:id', async (request) => {
    const orgId = await options.resolveOrg(request);
    const { id } = parseWith(IdParams, request.params, 'path');
    const call = UUID.test(id) ? await outbound.calls.findById(orgId, id) : undefined;
    if (!call) throw new RoomanError('NOT_FOUND', `No call ${id}`);
    const events = await outbound.calls.events(orgId, id);
    return {
      ...callJson(call),
      events: events.map((e) => ({
        status: e.status,
        source: e.source,
        detail: e.detail,
        at: iso(e.occurredAt),
      })),
    };
  });

  app.post('/api/calls/:id/hangup', async (request) => {
    const orgId = await options.resolveOrg(request);
    const { id } = parseWith(IdParams, request.params, 'path');
    return callJson(await outbound.hangup(orgId, id));
  });

  app.post('/api/calls/:id/transfer', async (request) => {
    const orgId = await options.resolveOrg(request);
    const { id } = parseWith(IdParams, request.params, 'path');
    const body = parseWith(transferInput(regionOfZone(await orgZone(orgId))), request.body ?? {});
    const { call, to } = await outbound.transfer(orgId, id, body.to);
    return { ...callJson(call), transferred_to: to };
  });

  // ---- agents ----

  app.get('/api/agents', async (request) => {
    const orgId = await options.resolveOrg(request);
    return { agents: (await outbound.agents.list(orgId)).map(agentJson) };
  });

  app.put('/api/agents/:name', async (request) => {
    const orgId = await options.resolveOrg(request);
    const name = parseWith(z.object({ name: agentName }), request.params, 'path').name;
    const body = parseWith(agentInput(regionOfZone(await orgZone(orgId))), request.body);
    return agentJson(await outbound.agents.put(orgId, name, body, clock.now()));
  });

  app.delete('/api/agents/:name', async (request, reply) => {
    const orgId = await options.resolveOrg(request);
    const { name } = parseWith(z.object({ name: z.string() }), request.params, 'path');
    if (!(await outbound.agents.remove(orgId, name))) throw new RoomanError('NOT_FOUND', `No agent ${name}`);
    return reply.status(204).send();
  });

  // ---- campaigns ----

  const campaignRoute = (action: 'pause' | 'resume' | 'cancel') =>
    app.post(`/api/campaigns/:id/${action}`, async (request) => {
      const orgId = await options.resolveOrg(request);
      const { id } = parseWith(IdParams, request.params, 'path');
      if (!UUID.test(id)) throw new RoomanError('NOT_FOUND', `No campaign ${id}`);
      await requests.setCampaignStatus(orgId, id, action, clock.now());
      if (action === 'resume') options.poke();
      return progressJson((await requests.progress(orgId, id)) as CampaignProgress);
    });
  campaignRoute('pause');
  campaignRoute('resume');
  campaignRoute('cancel');

  app.get('/api/campaigns', async (request) => {
    const orgId = await options.resolveOrg(request);
    const page = parseWith(Page, request.query, 'query');
    const campaigns = await requests.listCampaigns(orgId, page);
    const progress = await Promise.all(campaigns.map((c) => requests.progress(orgId, c.id)));
    return { campaigns: progress.filter((p) => p !== undefined).map(progressJson) };
  });

  app.get('/api/campaigns/:id', async (request) => {
    const orgId = await options.resolveOrg(request);
    const { id } = parseWith(IdParams, request.params, 'path');
    const progress = UUID.test(id) ? await requests.progress(orgId, id) : undefined;
    if (!progress) throw new RoomanError('NOT_FOUND', `No campaign ${id}`);
    return progressJson(progress);
  });

  app.get('/api/campaigns/:id/targets', async (request) => {
    const orgId = await options.resolveOrg(request);
    const { id } = parseWith(IdParams, request.params, 'path');
    const page = parseWith(Page, request.query, 'query');
    if (!UUID.test(id) || !(await requests.findCampaign(orgId, id)))
      throw new RoomanError('NOT_FOUND', `No campaign ${id}`);
    return { targets: (await requests.campaignTargets(orgId, id, page)).map(requestJson) };
  });

  // Campaign lists come as JSON or CSV; Twilio's callbacks as forms. Both parsers stay inside this scope.
  void app.register(async (scope) => {
    setParser(scope, 'text/csv', 'string', (body) => body);
    setParser(scope, 'application/x-www-form-urlencoded', 'string', (body) =>
      Object.fromEntries(new URLSearchParams(body)),
    );

    scope.post('/api/campaigns', async (request, reply) => {
      const orgId = await options.resolveOrg(request);
      const zone = await orgZone(orgId);
      const region = regionOfZone(zone);
      const input =
        typeof request.body === 'string'
          ? csvCampaign(request.body, request.query, region)
          : parseWith(campaignInput(region), request.body);
      outbound.requireConfigured();
      const agent = await outbound.agents.resolve(orgId, input.agent);
      for (const [i, t] of input.targets.entries())
        requireAgentContext(agent, t.context, `targets[${i}].context`);
      const fallbackZone = input.time_zone ?? zone;
      const now = clock.now();
      const createCampaign = (id: string) =>
        requests.createCampaign(
          orgId,
          {
            name: input.name ?? `Campaign ${now.toISOString().slice(0, 16).replace('T', ' ')}`,
            agent: agent.name,
            concurrency: input.concurrency,
            window: { startMin: input.window.start, endMin: input.window.end },
            maxAttempts: input.max_attempts,
            retryBackoffSeconds: input.retry_backoff_seconds,
            retryOn: input.retry_on,
            defaultTimeZone: fallbackZone,
            targets: input.targets.map((t, i) => ({
              rowNumber: i + 1,
              to: t.to,
              agent: agent.name,
              context: t.context,
              zones: calleeZones(t.to, t.timezone, fallbackZone),
              dueAt: now,
            })),
          },
          now,
          id,
        );
      const keyed = await onceForKey(
        options.db,
        {
          orgId,
          scope: 'campaigns.create',
          key: idempotencyKey(request),
          request: { body: request.body, query: request.query },
          now,
        },
        'campaign',
        async (id) => {
          await createCampaign(id);
          options.poke();
        },
      );
      const progress = await requests.progress(orgId, keyed.id);
      if (!progress)
        throw new RoomanError('CONFLICT', 'A request with this Idempotency-Key is in progress; retry');
      return reply.status(keyed.replay ? 200 : 201).send(progressJson(progress));
    });

    const callback = (
      path: string,
      handle: (params: Record<string, string>, callId: string | undefined) => Promise<unknown>,
    ) =>
      scope.post(path, async (request, reply) => {
        const params = formParams(request.body);
        if (!verifyTwilio(request, params, options)) {
          options.logger.warn(
            { path, ip: request.ip },
            'twilio callback refused: missing or wrong X-Twilio-Signature',
          );
          // 403 like twilio-node's webhook(): the request is understood and refused.
          return reply
            .status(403)
            .send(new RoomanError('UNAUTHORIZED', 'Missing or invalid X-Twilio-Signature').toJSON());
        }
        const callId = (request.query as Record<string, unknown> | undefined)?.call;
        await handle(params, typeof callId === 'string' ? callId : undefined);
        return reply.status(204).send();
      });
    callback(OUTBOUND_STATUS_PATH, async (params, callId) => {
      const call = await outbound.recordCallback(params, callId);
      if (call && FINAL_CALL_STATUSES.includes(call.status)) options.poke();
    });
    callback(OUTBOUND_AMD_PATH, async (params, callId) => {
      const action = await outbound.handleAmd(params, callId);
      if (action !== 'none')
        options.logger.info({ callSid: params.CallSid, action }, 'answering machine handled');
    });
  });
}

function idempotencyKey(request: FastifyRequest): string | undefined {
  const header = request.headers['idempotency-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}

function setParser(
  scope: FastifyInstance,
  type: string,
  parseAs: 'string',
  parse: (body: string) => unknown,
): void {
  if (scope.hasContentTypeParser(type)) scope.removeContentTypeParser(type);
  scope.addContentTypeParser(type, { parseAs }, (_req, body, done) => {
    try {
      done(null, parse(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

function formParams(body: unknown): Record<string, string> {
  if (typeof body === 'string') return Object.fromEntries(new URLSearchParams(body));
  if (body && typeof body === 'object') {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(body)) out[k] = Array.isArray(v) ? String(v[0]) : String(v);
    return out;
  }
  return {};
}

/** Twilio signs the public URL it requested plus the sorted form fields (protocols.md §2.9). 403 otherwise. */
function verifyTwilio(
  request: FastifyRequest,
  params: Record<string, string>,
  options: CallRoutesOptions,
): boolean {
  const signature = request.headers['x-twilio-signature'];
  if (!options.twilioAuth || typeof signature !== 'string' || signature === '') return false;
  const url = `${options.twilioAuth.publicUrl}${request.url}`;
  return twilio.validateRequest(options.twilioAuth.authToken, signature, url, params);
}

const PHONE_COLUMNS = ['to', 'phone', 'phone_number', 'number', 'mobile', 'telephone'];
const ZONE_COLUMNS = ['timezone', 'time_zone', 'tz'];

/**
 * A campaign sent as CSV: a header row, one number per row (column `to`, `phone`, `number` …), an optional
 * `timezone` column, every other column is context for the agent. Settings come from the query string.
 */
/** The facts the agent's greeting and voicemail message name must be in the call's context (src/calls/greeting.ts). */
function requireAgentContext(agent: Agent, context: Record<string, unknown>, field = 'context'): void {
  requireGreetingContext(agent.greeting, context, agent.name, field);
  if (agent.voicemail === 'message')
    requireGreetingContext(agent.voicemailMessage, context, agent.name, field);
}

function csvCampaign(text: string, query: unknown, region: string) {
  const q = (query ?? {}) as Record<string, string>;
  const window = q.window?.split('-');
  const settings = parseWith(
    campaignSettings,
    {
      ...(q.name ? { name: q.name } : {}),
      ...(q.agent ? { agent: q.agent } : {}),
      ...(q.concurrency ? { concurrency: q.concurrency } : {}),
      ...(window ? { window: { start: window[0], end: window[1] } } : {}),
      ...(q.max_attempts ? { max_attempts: q.max_attempts } : {}),
      ...(q.retry_backoff_seconds ? { retry_backoff_seconds: q.retry_backoff_seconds } : {}),
      ...(q.retry_on ? { retry_on: q.retry_on.split(',') } : {}),
      ...(q.time_zone ? { time_zone: q.time_zone } : {}),
    },
    'query',
  );
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(text, {
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      bom: true,
      skip_empty_lines: true,
      trim: true,
    });
  } catch (error) {
    throw new RoomanError('PARSING_ERROR', `The CSV could not be read: ${(error as Error).message}`, {
      field: '(body)',
    });
  }
  const header = rows.length > 0 ? Object.keys(rows[0] as object) : [];
  const phoneColumn = PHONE_COLUMNS.find((c) => header.includes(c));
  if (!phoneColumn)
    throw new RoomanError(
      'VALIDATION_ERROR',
      `The CSV needs a phone column (${PHONE_COLUMNS.join(', ')}) and at least one row`,
      {
        field: '(body)',
      },
    );
  if (rows.length > MAX_CAMPAIGN_TARGETS)
    throw new RoomanError('VALIDATION_ERROR', `At most ${MAX_CAMPAIGN_TARGETS} numbers per campaign`, {
      field: '(body)',
    });
  const zoneColumn = ZONE_COLUMNS.find((c) => header.includes(c));
  const targets = rows.map((row) => {
    const context: Record<string, string> = {};
    for (const [k, v] of Object.entries(row))
      if (k !== phoneColumn && k !== zoneColumn && v !== '') context[k] = v;
    return {
      to: row[phoneColumn],
      ...(zoneColumn && row[zoneColumn] ? { timezone: row[zoneColumn] } : {}),
      context,
    };
  });
  // The settings are parsed already (their output is not their input): the rows are checked on their own.
  const parsed = z.object({ targets: campaignInput(region).shape.targets }).safeParse({ targets });
  if (!parsed.success) {
    // Row numbers as people count them in the file: the header is line 1.
    const issues: ErrorIssue[] = toIssues(parsed.error).map((i) => {
      const m = /^targets\.(\d+)\.(.+)$/.exec(i.field);
      return m ? { field: `row ${Number(m[1]) + 2}: ${m[2]}`, message: i.message } : i;
    });
    const first = issues[0] as ErrorIssue;
    throw new RoomanError('VALIDATION_ERROR', `${first.field}: ${first.message}`, {
      field: first.field,
      issues,
    });
  }
  return { ...settings, targets: parsed.data.targets };
}
