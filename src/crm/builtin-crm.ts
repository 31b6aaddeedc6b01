/**
 * The built-in CRM of seed 003 over the database: leads, site visits and status changes, per organisation.
 * Every input is validated here with the core schemas (the HTTP routes pass bodies through untouched), every write
 * may carry an idempotency key, and each committed write is journalled (terminal block + CSV row).
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import {
  CreateLeadInput,
  CreateLeadResult,
  type CrmGateway,
  type Lead,
  LeadId,
  LeadQuery,
  type LeadStatusChange,
  type Page,
  ScheduleVisitInput,
  ScheduleVisitResult,
  UpdateLeadStatusInput,
  UpdateLeadStatusResult,
  type Visit,
  VisitQuery,
  type WriteOptions,
} from '../core/crm.ts';
import { isRoomanError, RoomanError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { type Clock, parseIsoWithOffset, systemClock } from '../core/time.ts';
import { parseWith } from '../core/validation.ts';
import type { DatabaseKind } from '../store/database.ts';
import { hashRequest, IDEMPOTENCY_TTL_MS, IdempotencyKeyRepository } from '../store/idempotency.ts';
import { InsertBatcher } from '../store/insert-batcher.ts';
import { LeadStatusChangeRepository } from '../store/lead-status-changes.ts';
import { LeadRepository } from '../store/leads.ts';
import { type Organisation, organisationLookup } from '../store/organisations.ts';
import type { NewLeadRow, Schema } from '../store/schema.ts';
import { VisitRepository } from '../store/visits.ts';
import { CrmJournal } from './crm-journal.ts';
import { toLead, toStatusChange, toVisit } from './shapes.ts';

/** An `Idempotency-Key`: 1–200 printable ASCII characters, not all blank. */
export const IdempotencyKey = z
  .string()
  .regex(/^[\x20-\x7E]{1,200}$/, 'must be 1–200 printable ASCII characters')
  .refine((k) => k.trim().length > 0, 'must not be blank');

// Ids are compared by the database in any case, but answered and journalled as stored: lower case.
const LeadIdParams = z.object({ lead_id: LeadId.transform((id) => id.toLowerCase()) });

const SCOPES = {
  createLead: 'crm.createLead',
  scheduleVisit: 'crm.scheduleVisit',
  updateLeadStatus: 'crm.updateLeadStatus',
} as const;

const leadNotFound = () => new RoomanError('NOT_FOUND', 'Lead not found', { field: 'lead_id' });

export interface BuiltinCrmOptions {
  db: Kysely<Schema>;
  /** Which engine `db` runs on: PGlite has one connection, so lead inserts are batched one statement at a time. */
  kind: DatabaseKind;
  logger: Logger;
  /** Where the CSV logs are written. */
  dataDir: string;
  /** The seed's CSV logs and terminal blocks (config `csvLogs`). */
  csvLogs: boolean;
  clock?: Clock;
  idempotencyTtlMs?: number;
}

type Written<T> = { replayed: false; value: T } | { replayed: true; body: unknown };

export class BuiltinCrm {
  readonly #db: Kysely<Schema>;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #journal: CrmJournal;
  readonly #org: (orgId: string) => Promise<Organisation>;
  readonly #leadInserts: InsertBatcher<NewLeadRow>;

  constructor(options: BuiltinCrmOptions) {
    this.#db = options.db;
    this.#org = organisationLookup(options.db);
    this.#clock = options.clock ?? systemClock;
    this.#ttlMs = options.idempotencyTtlMs ?? IDEMPOTENCY_TTL_MS;
    this.#journal = new CrmJournal({
      dataDir: options.dataDir,
      logger: options.logger.child({ component: 'crm' }),
      enabled: options.csvLogs,
    });
    const leads = new LeadRepository(options.db);
    this.#leadInserts = new InsertBatcher((rows) => leads.insertMany(rows), {
      maxInFlight: options.kind === 'pglite' ? 1 : 4,
    });
  }

  async createLead(orgId: string, input: unknown, options: WriteOptions = {}): Promise<CreateLeadResult> {
    options.signal?.throwIfAborted();
    const key = idempotencyKeyOf(options);
    const data = parseWith(CreateLeadInput, input);
    const org = await this.#org(orgId);
    const now = this.#clock.now();
    const row: NewLeadRow = {
      id: randomUUID(),
      org_id: org.id,
      name: data.name,
      phone: data.phone,
      city: data.city,
      source: data.source ?? null,
      status: 'NEW',
      created_at: now,
      updated_at: now,
    };
    const result: CreateLeadResult = { lead_id: row.id, status: 'NEW' };
    if (key === undefined) {
      await this.#leadInserts.add(row);
    } else {
      const written = await this.#idempotent(org.id, SCOPES.createLead, key, data, 201, result, (trx) =>
        new LeadRepository(trx).insert(row),
      );
      if (written.replayed) return CreateLeadResult.parse(written.body);
    }
    this.#journal.leadCreated(org, {
      ...data,
      id: row.id,
      source: data.source ?? null,
      status: 'NEW',
      createdAt: now,
    });
    return result;
  }

  async scheduleVisit(
    orgId: string,
    input: unknown,
    options: WriteOptions = {},
  ): Promise<ScheduleVisitResult> {
    options.signal?.throwIfAborted();
    const key = idempotencyKeyOf(options);
    const parsed = parseWith(ScheduleVisitInput, input);
    const data = { ...parsed, lead_id: parsed.lead_id.toLowerCase() };
    const org = await this.#org(orgId);
    const now = this.#clock.now();
    const visitTime = parseIsoWithOffset(data.visit_time)!;
    const notes = data.notes ? data.notes : null;
    const result: ScheduleVisitResult = { visit_id: randomUUID(), status: 'SCHEDULED' };
    const write = async (db: Kysely<Schema>) => {
      const lead = await new LeadRepository(db).findById(org.id, data.lead_id);
      if (!lead) throw leadNotFound();
      await new VisitRepository(db).insert({
        id: result.visit_id,
        org_id: org.id,
        lead_id: lead.id,
        visit_time: visitTime,
        notes,
        status: 'SCHEDULED',
        created_at: now,
      });
      return lead;
    };
    let lead: Awaited<ReturnType<typeof write>>;
    if (key === undefined) {
      lead = await write(this.#db);
    } else {
      const written = await this.#idempotent(org.id, SCOPES.scheduleVisit, key, data, 201, result, write);
      if (written.replayed) return ScheduleVisitResult.parse(written.body);
      lead = written.value;
    }
    this.#journal.visitScheduled(org, {
      id: result.visit_id,
      leadId: lead.id,
      leadName: lead.name,
      visitTime,
      notes,
      status: 'SCHEDULED',
      createdAt: now,
    });
    return result;
  }

  async updateLeadStatus(
    orgId: string,
    leadId: unknown,
    input: unknown,
    options: WriteOptions = {},
  ): Promise<UpdateLeadStatusResult> {
    options.signal?.throwIfAborted();
    const key = idempotencyKeyOf(options);
    const { lead_id } = parseWith(LeadIdParams, { lead_id: leadId }, 'path');
    const data = parseWith(UpdateLeadStatusInput, input);
    const org = await this.#org(orgId);
    const now = this.#clock.now();
    const notes = data.notes ? data.notes : null;
    const result: UpdateLeadStatusResult = { lead_id, status: data.status };
    const write = async (trx: Kysely<Schema>) => {
      const leads = new LeadRepository(trx);
      const lead = await leads.findByIdForUpdate(org.id, lead_id);
      if (!lead) throw leadNotFound();
      await leads.updateStatus(org.id, lead_id, data.status, now);
      await new LeadStatusChangeRepository(trx).insert({
        id: randomUUID(),
        org_id: org.id,
        lead_id,
        old_status: lead.status,
        new_status: data.status,
        notes,
        changed_at: now,
      });
      return lead;
    };
    let lead: Awaited<ReturnType<typeof write>>;
    if (key === undefined) {
      lead = await this.#db.transaction().execute(write);
    } else {
      const written = await this.#idempotent(
        org.id,
        SCOPES.updateLeadStatus,
        key,
        { lead_id, ...data },
        200,
        result,
        write,
      );
      if (written.replayed) return UpdateLeadStatusResult.parse(written.body);
      lead = written.value;
    }
    this.#journal.statusUpdated(org, {
      leadId: lead_id,
      leadName: lead.name,
      oldStatus: lead.status,
      newStatus: data.status,
      notes,
      updatedAt: now,
    });
    return result;
  }

  /** The lead, or null when the organisation has no lead with that id. A malformed id is a VALIDATION_ERROR. */
  async getLead(orgId: string, leadId: unknown): Promise<Lead | null> {
    const { lead_id } = parseWith(LeadIdParams, { lead_id: leadId }, 'path');
    const org = await this.#org(orgId);
    const row = await new LeadRepository(this.#db).findById(org.id, lead_id);
    return row ? toLead(row, org.timeZone) : null;
  }

  /** Newest first. `query` is LeadQuery's input (a query string's values are accepted as text). */
  async listLeads(orgId: string, query: unknown = {}): Promise<Page<Lead>> {
    const q = parseWith(LeadQuery, query ?? {}, 'query');
    const org = await this.#org(orgId);
    const { rows, total } = await new LeadRepository(this.#db).list(
      org.id,
      {
        status: q.status,
        city: q.city,
        source: q.source,
        phone: q.phone,
        nameContains: q.q,
        idPrefix: q.id_prefix,
      },
      q,
    );
    return { items: rows.map((r) => toLead(r, org.timeZone)), total, limit: q.limit, offset: q.offset };
  }

  /** Soonest first. */
  async listVisits(orgId: string, query: unknown = {}): Promise<Page<Visit>> {
    const q = parseWith(VisitQuery, query ?? {}, 'query');
    const org = await this.#org(orgId);
    const { rows, total } = await new VisitRepository(this.#db).list(
      org.id,
      {
        leadId: q.lead_id,
        status: q.status,
        from: q.from ? parseIsoWithOffset(q.from)! : undefined,
        to: q.to ? parseIsoWithOffset(q.to)! : undefined,
      },
      q,
    );
    return { items: rows.map((r) => toVisit(r, org.timeZone)), total, limit: q.limit, offset: q.offset };
  }

  /** The lead's status changes, oldest first; NOT_FOUND when there is no such lead. */
  async leadHistory(orgId: string, leadId: unknown): Promise<LeadStatusChange[]> {
    const { lead_id } = parseWith(LeadIdParams, { lead_id: leadId }, 'path');
    const org = await this.#org(orgId);
    const lead = await new LeadRepository(this.#db).findById(org.id, lead_id);
    if (!lead) throw leadNotFound();
    const rows = await new LeadStatusChangeRepository(this.#db).listForLead(org.id, lead_id);
    return rows.map((r) => toStatusChange(r, org.timeZone));
  }

  /** The CrmGateway port for one organisation, in process. Unexpected failures become retriable CRM_ERRORs. */
  gatewayFor(orgId: string): CrmGateway {
    return {
      createLead: (input, options) => asGatewayCall(this.createLead(orgId, input, options)),
      scheduleVisit: (input, options) => asGatewayCall(this.scheduleVisit(orgId, input, options)),
      updateLeadStatus: (leadId, input, options) =>
        asGatewayCall(this.updateLeadStatus(orgId, leadId, input, options)),
      getLead: (leadId, options) => {
        options?.signal?.throwIfAborted();
        return asGatewayCall(this.getLead(orgId, leadId));
      },
      listLeads: (query, options) => {
        options?.signal?.throwIfAborted();
        return asGatewayCall(this.listLeads(orgId, query));
      },
    };
  }

  /** Opens the organisation's CSV logs now (creating them with headers); returns their folder's files, or null. */
  async openCsvLogs(orgId: string): Promise<{ leads: string; visits: string; updates: string } | null> {
    if (!this.#journal.enabled) return null;
    const log = await this.#journal.open(await this.#org(orgId));
    return log && { leads: log.leads.path, visits: log.visits.path, updates: log.updates.path };
  }

  /** Forgets idempotency keys older than their TTL (24 h); returns how many. */
  purgeExpiredIdempotencyKeys(): Promise<number> {
    return new IdempotencyKeyRepository(this.#db, this.#ttlMs).deleteExpired(this.#clock.now());
  }

  /** Finishes pending writes and flushes the CSV logs. The database is the caller's to close. */
  async close(): Promise<void> {
    await this.#leadInserts.drain();
    await this.#journal.close();
  }

  /**
   * Runs `write` in a transaction that first claims the idempotency key with the answer `response`. A retry with
   * the same request gets the stored answer back (`replayed`); a different request under the key is a CONFLICT.
   */
  async #idempotent<T>(
    orgId: string,
    scope: string,
    key: string,
    request: unknown,
    status: number,
    response: unknown,
    write: (trx: Kysely<Schema>) => Promise<T>,
  ): Promise<Written<T>> {
    const requestHash = hashRequest(request);
    // A second round is only needed when the stored key expired and was purged between claim and read.
    for (let round = 0; round < 2; round++) {
      const outcome = await this.#db.transaction().execute(async (trx) => {
        const claimed = await new IdempotencyKeyRepository(trx, this.#ttlMs).claim({
          orgId,
          scope,
          key,
          requestHash,
          responseStatus: status,
          responseBody: response,
          now: this.#clock.now(),
        });
        return claimed ? { claimed, value: await write(trx) } : { claimed };
      });
      if (outcome.claimed) return { replayed: false, value: outcome.value as T };
      const stored = await new IdempotencyKeyRepository(this.#db, this.#ttlMs).find(orgId, scope, key);
      if (!stored) continue;
      if (stored.requestHash !== requestHash) {
        throw new RoomanError(
          'CONFLICT',
          'This Idempotency-Key was already used with a different request; use a new key for a new request',
          { field: 'Idempotency-Key' },
        );
      }
      return { replayed: true, body: stored.body };
    }
    throw new RoomanError('INTERNAL_ERROR', 'Could not settle the idempotency key; retry the request');
  }
}

function idempotencyKeyOf(options: WriteOptions): string | undefined {
  if (options.idempotencyKey === undefined) return undefined;
  const parsed = IdempotencyKey.safeParse(options.idempotencyKey);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'is invalid';
    throw new RoomanError('VALIDATION_ERROR', `Idempotency-Key: ${message}`, { field: 'Idempotency-Key' });
  }
  return parsed.data;
}

async function asGatewayCall<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (isRoomanError(error) || (error instanceof Error && error.name === 'AbortError')) throw error;
    throw new RoomanError('CRM_ERROR', `The built-in CRM failed: ${(error as Error).message}`, {
      retriable: true,
      cause: error,
    });
  }
}
