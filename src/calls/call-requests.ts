/**
 * Calls still to be placed (migration 0009): scheduled calls and campaign rows, with their campaign. States:
 * `pending` (waits for `due_at`), `dialing` (claimed by an instance; its call is under way), then `done`,
 * `failed` or `cancelled`. A retry puts a row back to `pending` with a later `due_at`.
 */
import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import { RoomanError } from '../core/errors.ts';
import type { CallRequestTable, CampaignTable, Schema } from '../store/schema.ts';
import type { RetryOutcome } from './shapes.ts';

export const REQUEST_STATES = ['pending', 'dialing', 'done', 'failed', 'cancelled'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export const CAMPAIGN_STATUSES = ['running', 'paused', 'cancelled', 'completed'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export interface CallRequest {
  id: string;
  orgId: string;
  campaignId: string | null;
  rowNumber: number | null;
  to: string;
  agent: string;
  context: Record<string, unknown>;
  /** The callee's possible zones (one, or every zone of the number's country). */
  zones: string[];
  state: RequestState;
  attempts: number;
  dueAt: Date;
  claimedBy: string | null;
  lastCallId: string | null;
  outcome: string | null;
  lastError: { code: string | number; message: string } | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Campaign {
  id: string;
  orgId: string;
  name: string;
  agent: string;
  status: CampaignStatus;
  concurrency: number;
  window: { startMin: number; endMin: number };
  maxAttempts: number;
  retryBackoffSeconds: number;
  retryOn: RetryOutcome[];
  defaultTimeZone: string;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export const toRequest = (row: Selectable<CallRequestTable>): CallRequest => ({
  id: row.id,
  orgId: row.org_id,
  campaignId: row.campaign_id,
  rowNumber: row.row_number,
  to: row.to_number,
  agent: row.agent,
  context: (row.context ?? {}) as Record<string, unknown>,
  zones: row.time_zone.split(','),
  state: row.state as RequestState,
  attempts: row.attempts,
  dueAt: row.due_at,
  claimedBy: row.claimed_by,
  lastCallId: row.last_call_id,
  outcome: row.outcome,
  lastError: (row.last_error ?? null) as CallRequest['lastError'],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const toCampaign = (row: Selectable<CampaignTable>): Campaign => ({
  id: row.id,
  orgId: row.org_id,
  name: row.name,
  agent: row.agent,
  status: row.status as CampaignStatus,
  concurrency: row.concurrency,
  window: { startMin: row.window_start_min, endMin: row.window_end_min },
  maxAttempts: row.max_attempts,
  retryBackoffSeconds: row.retry_backoff_s,
  retryOn: row.retry_on as RetryOutcome[],
  defaultTimeZone: row.default_time_zone,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  finishedAt: row.finished_at,
});

export interface NewRequest {
  to: string;
  agent: string;
  context: Record<string, unknown>;
  zones: string[];
  dueAt: Date;
}

export interface NewCampaign {
  name: string;
  agent: string;
  concurrency: number;
  window: { startMin: number; endMin: number };
  maxAttempts: number;
  retryBackoffSeconds: number;
  retryOn: RetryOutcome[];
  defaultTimeZone: string;
  targets: (NewRequest & { rowNumber: number })[];
}

export type StateCounts = Record<RequestState, number>;

export interface CampaignProgress {
  campaign: Campaign;
  counts: StateCounts;
  /** How the last attempt of each row ended (completed, busy, no-answer, machine, provider_error …). */
  outcomes: Record<string, number>;
  /** Calls placed so far, retries included. */
  attempts: number;
  /** When the next pending row is due (the window may hold it back). */
  nextDueAt: Date | null;
}

const INSERT_CHUNK = 500;

export class CallRequestRepository {
  readonly #db: Kysely<Schema>;

  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  /** `id`: chosen by the caller (an idempotent request names its row before writing it). */
  async schedule(orgId: string, input: NewRequest, at: Date, id?: string): Promise<CallRequest> {
    const row = await this.#db
      .insertInto('call_requests')
      .values({ ...this.#values(orgId, null, null, input, at), ...(id ? { id } : {}) })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRequest(row);
  }

  #values(orgId: string, campaignId: string | null, rowNumber: number | null, input: NewRequest, at: Date) {
    return {
      id: randomUUID(),
      org_id: orgId,
      campaign_id: campaignId,
      row_number: rowNumber,
      to_number: input.to,
      agent: input.agent,
      context: JSON.stringify(input.context),
      time_zone: input.zones.join(','),
      state: 'pending',
      due_at: input.dueAt,
      created_at: at,
      updated_at: at,
    };
  }

  async findRequest(orgId: string, id: string): Promise<CallRequest | undefined> {
    const row = await this.#db
      .selectFrom('call_requests')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRequest(row);
  }

  /** Scheduled calls (not campaign rows), newest first. */
  async listScheduled(orgId: string, page: { limit: number; offset: number }): Promise<CallRequest[]> {
    const rows = await this.#db
      .selectFrom('call_requests')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('campaign_id', 'is', null)
      .orderBy('due_at', 'desc')
      .orderBy('id')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return rows.map(toRequest);
  }

  /** Cancels a scheduled call that has not been dialled yet. */
  async cancelScheduled(orgId: string, id: string, at: Date): Promise<CallRequest> {
    const row = await this.#db
      .updateTable('call_requests')
      .set({ state: 'cancelled', updated_at: at })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    if (row) return toRequest(row);
    const existing = await this.findRequest(orgId, id);
    if (!existing) throw new RoomanError('NOT_FOUND', `No scheduled call ${id}`);
    throw new RoomanError(
      'CONFLICT',
      `Scheduled call ${id} is ${existing.state}; only a pending one can be cancelled`,
    );
  }

  async createCampaign(orgId: string, input: NewCampaign, at: Date, id?: string): Promise<Campaign> {
    return this.#db.transaction().execute(async (tx) => {
      const campaignId = id ?? randomUUID();
      const row = await tx
        .insertInto('campaigns')
        .values({
          id: campaignId,
          org_id: orgId,
          name: input.name,
          agent: input.agent,
          status: 'running',
          concurrency: input.concurrency,
          window_start_min: input.window.startMin,
          window_end_min: input.window.endMin,
          max_attempts: input.maxAttempts,
          retry_backoff_s: input.retryBackoffSeconds,
          retry_on: JSON.stringify(input.retryOn),
          default_time_zone: input.defaultTimeZone,
          created_at: at,
          updated_at: at,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      for (let i = 0; i < input.targets.length; i += INSERT_CHUNK) {
        await tx
          .insertInto('call_requests')
          .values(
            input.targets
              .slice(i, i + INSERT_CHUNK)
              .map((t) => this.#values(orgId, campaignId, t.rowNumber, t, at)),
          )
          .execute();
      }
      return toCampaign(row);
    });
  }

  async findCampaign(orgId: string, id: string): Promise<Campaign | undefined> {
    const row = await this.#db
      .selectFrom('campaigns')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toCampaign(row);
  }

  async listCampaigns(orgId: string, page: { limit: number; offset: number }): Promise<Campaign[]> {
    const rows = await this.#db
      .selectFrom('campaigns')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return rows.map(toCampaign);
  }

  async progress(orgId: string, id: string): Promise<CampaignProgress | undefined> {
    const campaign = await this.findCampaign(orgId, id);
    if (!campaign) return undefined;
    const [states, outcomes, totals] = await Promise.all([
      this.#db
        .selectFrom('call_requests')
        .select(['state', sql<number>`count(*)::int`.as('n')])
        .where('campaign_id', '=', id)
        .groupBy('state')
        .execute(),
      this.#db
        .selectFrom('call_requests')
        .select(['outcome', sql<number>`count(*)::int`.as('n')])
        .where('campaign_id', '=', id)
        .where('outcome', 'is not', null)
        .groupBy('outcome')
        .execute(),
      this.#db
        .selectFrom('call_requests')
        .select([
          sql<number>`coalesce(sum(attempts), 0)::int`.as('attempts'),
          sql<Date | null>`min(due_at) filter (where state = 'pending')`.as('next_due'),
        ])
        .where('campaign_id', '=', id)
        .executeTakeFirstOrThrow(),
    ]);
    const counts = Object.fromEntries(REQUEST_STATES.map((s) => [s, 0])) as StateCounts;
    for (const r of states) counts[r.state as RequestState] = r.n;
    return {
      campaign,
      counts,
      outcomes: Object.fromEntries(outcomes.map((o) => [o.outcome as string, o.n])),
      attempts: totals.attempts,
      nextDueAt: totals.next_due ? new Date(totals.next_due) : null,
    };
  }

  async campaignTargets(
    orgId: string,
    id: string,
    page: { limit: number; offset: number },
  ): Promise<CallRequest[]> {
    const rows = await this.#db
      .selectFrom('call_requests')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('campaign_id', '=', id)
      .orderBy('row_number')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return rows.map(toRequest);
  }

  /**
   * Pause, resume or cancel. Cancelling also cancels the rows not yet dialled (calls in progress go on);
   * a finished campaign stays as it is.
   */
  async setCampaignStatus(
    orgId: string,
    id: string,
    action: 'pause' | 'resume' | 'cancel',
    at: Date,
  ): Promise<Campaign> {
    const from: Record<typeof action, CampaignStatus[]> = {
      pause: ['running'],
      resume: ['paused'],
      cancel: ['running', 'paused'],
    };
    const to: Record<typeof action, CampaignStatus> = {
      pause: 'paused',
      resume: 'running',
      cancel: 'cancelled',
    };
    return this.#db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable('campaigns')
        .set({
          status: to[action],
          updated_at: at,
          ...(action === 'cancel' ? { finished_at: at } : {}),
        })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where('status', 'in', from[action])
        .returningAll()
        .executeTakeFirst();
      if (!row) {
        const existing = await new CallRequestRepository(tx).findCampaign(orgId, id);
        if (!existing) throw new RoomanError('NOT_FOUND', `No campaign ${id}`);
        if (existing.status === to[action]) return existing;
        throw new RoomanError('CONFLICT', `Campaign ${id} is ${existing.status}; it cannot ${action}`);
      }
      if (action === 'cancel') {
        await tx
          .updateTable('call_requests')
          .set({ state: 'cancelled', updated_at: at })
          .where('campaign_id', '=', id)
          .where('state', '=', 'pending')
          .execute();
      }
      return toCampaign(row);
    });
  }
}
