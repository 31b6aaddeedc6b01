/**
 * A `CrmGateway` for any CRM speaking the seed's HTTP API (`POST /crm/leads`, `POST /crm/visits`,
 * `POST /crm/leads/{id}/status`, `GET /crm/leads`). Every attempt has its own timeout; network errors, timeouts, 5xx
 * and 429 are retried with backoff and the same Idempotency-Key; a circuit breaker stops calling a CRM that keeps
 * failing. Answers become `RoomanError`s: 4xx → VALIDATION_ERROR / NOT_FOUND / CONFLICT with the CRM's own words,
 * everything else → CRM_ERROR (retriable when trying again later may help).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  type CreateLeadInput,
  CreateLeadResult,
  type CrmGateway,
  type Lead,
  type LeadQuery,
  LeadStatus,
  type Page,
  type ScheduleVisitInput,
  ScheduleVisitResult,
  type UpdateLeadStatusInput,
  UpdateLeadStatusResult,
  type WriteOptions,
} from '../../core/crm.ts';
import { RoomanError } from '../../core/errors.ts';
import { normalisePhone } from '../../core/phone.ts';
import type { Clock } from '../../core/time.ts';
import { CircuitBreaker, CircuitOpenError } from '../resilience/circuit-breaker.ts';
import { type RetryInfo, type RetryPolicy, type Sleep, withRetry } from '../resilience/retry.ts';

export const DEFAULT_CRM_TIMEOUT_MS = 5000;
export const DEFAULT_CRM_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 2000 };
export const DEFAULT_CRM_BREAKER = { failureThreshold: 5, coolDownMs: 30_000 };

export interface HttpCrmGatewayOptions {
  /** e.g. `http://localhost:8001`; paths are appended to it. */
  baseUrl: string;
  apiKey?: string;
  /** Header carrying `apiKey`; default `Authorization` (as `Bearer <key>`, what Rooman's CRM API takes). */
  apiKeyHeader?: string;
  /** Limit of each attempt (connect + answer), default 5 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Pass one to share it between gateways talking to the same CRM. */
  breaker?: CircuitBreaker;
  /** Used by the default breaker. */
  clock?: Clock;
  sleep?: Sleep;
  random?: () => number;
  onRetry?: (info: RetryInfo & { method: string; path: string }) => void;
}

interface RequestSpec<T> {
  method: 'GET' | 'POST';
  path: string;
  query?: URLSearchParams;
  body?: unknown;
  idempotencyKey?: string;
  signal?: AbortSignal;
  parse: (json: unknown) => T;
}

/** Marks the CRM_ERROR thrown for an open circuit: retrying at once is pointless, later may work. */
const circuitOpen = (cause: CircuitOpenError) =>
  new RoomanError('CRM_ERROR', 'The CRM is not answering (too many recent failures); try again shortly', {
    retriable: true,
    cause,
  });

export class HttpCrmGateway implements CrmGateway {
  readonly breaker: CircuitBreaker;
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #sleep: Sleep | undefined;
  readonly #random: (() => number) | undefined;
  readonly #onRetry: HttpCrmGatewayOptions['onRetry'];

  constructor(options: HttpCrmGatewayOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, '');
    this.#headers = { accept: 'application/json' };
    if (options.apiKey) {
      const header = options.apiKeyHeader ?? 'Authorization';
      this.#headers[header.toLowerCase()] =
        header.toLowerCase() === 'authorization' ? `Bearer ${options.apiKey}` : options.apiKey;
    }
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_CRM_TIMEOUT_MS;
    this.#retry = { ...DEFAULT_CRM_RETRY, ...options.retry };
    this.breaker =
      options.breaker ??
      new CircuitBreaker({ name: `crm ${this.#base}`, ...DEFAULT_CRM_BREAKER, clock: options.clock });
    this.#sleep = options.sleep;
    this.#random = options.random;
    this.#onRetry = options.onRetry;
  }

  createLead(input: CreateLeadInput, options: WriteOptions = {}): Promise<CreateLeadResult> {
    return this.#request({
      method: 'POST',
      path: '/crm/leads',
      body: input,
      idempotencyKey: options.idempotencyKey ?? randomUUID(),
      signal: options.signal,
      parse: (json) => CreateLeadResult.parse(json),
    });
  }

  scheduleVisit(input: ScheduleVisitInput, options: WriteOptions = {}): Promise<ScheduleVisitResult> {
    return this.#request({
      method: 'POST',
      path: '/crm/visits',
      body: input,
      idempotencyKey: options.idempotencyKey ?? randomUUID(),
      signal: options.signal,
      parse: (json) => ScheduleVisitResult.parse(json),
    });
  }

  updateLeadStatus(
    leadId: string,
    input: UpdateLeadStatusInput,
    options: WriteOptions = {},
  ): Promise<UpdateLeadStatusResult> {
    return this.#request({
      method: 'POST',
      path: `/crm/leads/${encodeURIComponent(leadId)}/status`,
      body: input,
      idempotencyKey: options.idempotencyKey ?? randomUUID(),
      signal: options.signal,
      parse: (json) => UpdateLeadStatusResult.parse(json),
    });
  }

  /**
   * `GET /crm/leads/{id}`. The seed's mock CRM has no such route (404 for every id), so a 404 is confirmed by
   * looking for the id in the lead list before saying the lead does not exist.
   */
  async getLead(leadId: string, options: { signal?: AbortSignal } = {}): Promise<Lead | null> {
    try {
      return await this.#request({
        method: 'GET',
        path: `/crm/leads/${encodeURIComponent(leadId)}`,
        signal: options.signal,
        parse: (json) => WireLead.parse(json),
      });
    } catch (error) {
      if (!(error instanceof RoomanError && error.type === 'NOT_FOUND')) throw error;
    }
    const page = await this.listLeads({ id_prefix: leadId.toLowerCase(), limit: 2 }, options);
    return page.items.find((lead) => lead.lead_id.toLowerCase() === leadId.toLowerCase()) ?? null;
  }

  async listLeads(query: Partial<LeadQuery>, options: { signal?: AbortSignal } = {}): Promise<Page<Lead>> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) params.set(key, String(value));
    }
    const page = await this.#request({
      method: 'GET',
      path: '/crm/leads',
      query: params,
      signal: options.signal,
      parse: (json) => WireLeadPage.parse(json),
    });
    // A CRM that ignores a filter would make "a unique prefix" look ambiguous: apply them here too.
    const items = page.items.filter((lead) => matchesQuery(lead, query));
    const total = items.length === page.items.length ? page.total : items.length;
    return { items, total, limit: page.limit ?? query.limit ?? items.length, offset: page.offset ?? 0 };
  }

  #request<T>(spec: RequestSpec<T>): Promise<T> {
    return withRetry(
      () =>
        this.breaker
          .execute(
            () => this.#attempt(spec),
            (error) =>
              spec.signal?.aborted
                ? 'ignore'
                : error instanceof RoomanError && error.retriable
                  ? 'failure'
                  : 'success',
          )
          .catch((error: unknown) => {
            throw error instanceof CircuitOpenError ? circuitOpen(error) : error;
          }),
      {
        ...this.#retry,
        shouldRetry: (error) =>
          error instanceof RoomanError && error.retriable && !(error.cause instanceof CircuitOpenError),
        delayHint: (error) => (error instanceof RetryAfterError ? error.retryAfterMs : undefined),
        sleep: this.#sleep,
        random: this.#random,
        signal: spec.signal,
        onRetry: (info) => this.#onRetry?.({ ...info, method: spec.method, path: spec.path }),
      },
    );
  }

  /** One HTTP exchange, limited to the timeout; its outcome classified into a RoomanError. */
  async #attempt<T>(spec: RequestSpec<T>): Promise<T> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    const headers: Record<string, string> = { ...this.#headers };
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    if (spec.idempotencyKey) headers['idempotency-key'] = spec.idempotencyKey;
    const qs = spec.query && spec.query.size > 0 ? `?${spec.query}` : '';
    const where = `${spec.method} ${spec.path}`;
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const response = await fetch(`${this.#base}${spec.path}${qs}`, {
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal,
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      text = await response.text();
    } catch (error) {
      if (spec.signal?.aborted) {
        throw new RoomanError('CRM_ERROR', `CRM request ${where} was cancelled`, { cause: error });
      }
      const timedOut = timeout.aborted;
      throw new RoomanError(
        'CRM_ERROR',
        timedOut
          ? `The CRM did not answer ${where} within ${this.#timeoutMs} ms`
          : `Could not reach the CRM for ${where}: ${networkReason(error)}`,
        { retriable: true, cause: error },
      );
    }
    const json = parseJson(text);
    if (status >= 200 && status < 300) {
      try {
        return spec.parse(json);
      } catch (error) {
        throw new RoomanError('CRM_ERROR', `The CRM gave an unexpected answer to ${where}`, {
          upstreamStatus: status,
          cause: error,
        });
      }
    }
    throw classify(status, json, where, retryAfter);
  }
}

/** A retriable CRM_ERROR carrying the wait the CRM asked for. */
class RetryAfterError extends RoomanError {
  readonly retryAfterMs: number;
  constructor(details: string, status: number, retryAfterMs: number) {
    super('CRM_ERROR', details, { retriable: true, upstreamStatus: status });
    this.retryAfterMs = retryAfterMs;
  }
}

function classify(status: number, json: unknown, where: string, retryAfter: string | null): RoomanError {
  const said = describeErrorBody(json);
  if (status === 429 || status >= 500) {
    const details = `The CRM answered ${status} to ${where}${said.details ? `: ${said.details}` : ''}`;
    const waitMs = parseRetryAfter(retryAfter);
    if (waitMs !== undefined) return new RetryAfterError(details, status, waitMs);
    return new RoomanError('CRM_ERROR', details, { retriable: true, upstreamStatus: status });
  }
  if (status === 401 || status === 403) {
    // Our credentials are wrong: not the speaker's mistake, and retrying will not help.
    return new RoomanError('CRM_ERROR', `The CRM refused our credentials (${status}) for ${where}`, {
      upstreamStatus: status,
    });
  }
  const options = { upstreamStatus: status, field: said.field, issues: said.issues };
  if (status === 404) return new RoomanError('NOT_FOUND', said.details ?? 'Not found', options);
  if (status === 409) return new RoomanError('CONFLICT', said.details ?? 'Conflict', options);
  if (status >= 400 && status < 500) {
    return new RoomanError('VALIDATION_ERROR', said.details ?? `The CRM refused ${where}`, options);
  }
  return new RoomanError('CRM_ERROR', `The CRM answered ${status} to ${where}`, { upstreamStatus: status });
}

interface SaidError {
  details?: string;
  field?: string;
  issues?: { field: string; message: string }[];
}

/** Reads an error body in Rooman's shape (`{error:{details}}`) or FastAPI's (`{detail}` / `{detail:[{loc,msg}]}`). */
function describeErrorBody(json: unknown): SaidError {
  if (typeof json !== 'object' || json === null) return {};
  const body = json as Record<string, unknown>;
  const ours = z
    .object({
      error: z.object({
        details: z.string(),
        field: z.string().optional(),
        issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
      }),
    })
    .safeParse(body);
  if (ours.success) return ours.data.error;
  if (typeof body.detail === 'string') return { details: body.detail };
  if (Array.isArray(body.detail)) {
    const issues = body.detail.flatMap((d) => {
      const parsed = z
        .object({ loc: z.array(z.union([z.string(), z.number()])), msg: z.string() })
        .safeParse(d);
      if (!parsed.success) return [];
      const path = parsed.data.loc.filter((p) => p !== 'body').join('.');
      return [{ field: path || '(body)', message: parsed.data.msg }];
    });
    const first = issues[0];
    if (first) return { details: `${first.field}: ${first.message}`, field: first.field, issues };
  }
  if (typeof body.message === 'string') return { details: body.message };
  if (typeof body.error === 'string') return { details: body.error };
  return {};
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function matchesQuery(lead: Lead, query: Partial<LeadQuery>): boolean {
  if (query.id_prefix && !lead.lead_id.toLowerCase().startsWith(query.id_prefix.toLowerCase())) return false;
  if (query.q && !lead.name.toLowerCase().includes(query.q.toLowerCase())) return false;
  if (query.status && lead.status !== query.status) return false;
  if (query.city && lead.city.toLowerCase() !== query.city.toLowerCase()) return false;
  return true;
}

/**
 * A lead as a CRM sends it. The seed's mock CRM sends fewer fields than Rooman's own (no `phone_e164`, no
 * `updated_at`), so the missing ones are derived rather than refused.
 */
const WireLead = z
  .object({
    lead_id: z.string().min(1),
    name: z.string(),
    phone: z.string(),
    phone_e164: z.string().optional(),
    city: z.string(),
    source: z.string().nullish(),
    status: LeadStatus,
    created_at: z.string().optional(),
    updated_at: z.string().optional(),
  })
  .transform(
    (w): Lead => ({
      lead_id: w.lead_id,
      name: w.name,
      phone: w.phone,
      phone_e164: w.phone_e164 ?? normalisePhone(w.phone)?.e164 ?? w.phone,
      city: w.city,
      source: w.source ?? null,
      status: w.status,
      created_at: w.created_at ?? '',
      updated_at: w.updated_at ?? w.created_at ?? '',
    }),
  );

/** `{items,total,limit,offset}` (Rooman), `{leads:[…]}` or a bare array (simpler CRMs). */
const WireLeadPage = z.union([
  z
    .object({
      items: z.array(WireLead),
      total: z.number().optional(),
      limit: z.number().optional(),
      offset: z.number().optional(),
    })
    .transform((p) => ({
      items: p.items,
      total: p.total ?? p.items.length,
      limit: p.limit,
      offset: p.offset,
    })),
  z.object({ leads: z.array(WireLead) }).transform((p) => ({
    items: p.leads,
    total: p.leads.length,
    limit: undefined,
    offset: undefined,
  })),
  z
    .array(WireLead)
    .transform((items) => ({ items, total: items.length, limit: undefined, offset: undefined })),
]);
