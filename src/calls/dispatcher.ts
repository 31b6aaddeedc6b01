/**
 * The outbound dialler: one `tick()` settles the calls that ended (done, or back to pending for a retry with
 * backoff), claims what is due — scheduled calls, and campaign rows within their campaign's concurrency limit and
 * calling window — and places those calls. Every instance runs it against the shared database:
 *
 * - rows are claimed with `FOR UPDATE SKIP LOCKED`, so two dispatchers never take the same row (never dial twice);
 * - a campaign's rows are claimed while its campaign row is locked, so its concurrency limit holds across
 *   instances (a dispatcher that finds the campaign locked skips it until the next tick);
 * - settling a row is one guarded UPDATE (`state = 'dialing'`): whichever instance sees the end first settles it.
 *
 * All times come from the injected clock, so tests move through windows and backoffs without waiting.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Logger } from '../core/logger.ts';
import { type Clock, systemClock } from '../core/time.ts';
import { describeTwilioFailure } from '../integrations/twilio/client.ts';
import { type CallStatus, FINAL_CALL_STATUSES } from '../store/calls.ts';
import type { Database } from '../store/database.ts';
import { BUILTIN_AGENT } from './agents.ts';
import { type CallRequest, type Campaign, toCampaign, toRequest } from './call-requests.ts';
import { isOpen, nextOpening } from './calling-window.ts';
import type { OutboundCalls } from './outbound.ts';
import type { RetryOutcome } from './shapes.ts';

export interface DispatcherOptions {
  db: Database['db'];
  outbound: OutboundCalls;
  logger: Logger;
  clock?: Clock;
  /** Names this instance in `claimed_by` (default: random). */
  instanceId?: string;
  /** Most calls one tick places (default 20). */
  batchSize?: number;
  /** A dialing call with no news for this long is asked about at Twilio (lost callbacks), default 60 s. */
  statusPollMs?: number;
  /** A claimed row whose call was never recorded (an instance died while dialling) is given up after this. */
  claimTimeoutMs?: number;
}

export interface TickReport {
  settled: number;
  placed: number;
  failed: number;
}

export class CallDispatcher {
  readonly instanceId: string;
  readonly #db: Database['db'];
  readonly #outbound: OutboundCalls;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #batch: number;
  readonly #pollMs: number;
  readonly #claimTimeoutMs: number;

  constructor(options: DispatcherOptions) {
    this.#db = options.db;
    this.#outbound = options.outbound;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.instanceId = options.instanceId ?? `dialler-${randomBytes(4).toString('hex')}`;
    this.#batch = options.batchSize ?? 20;
    this.#pollMs = options.statusPollMs ?? 60_000;
    this.#claimTimeoutMs = options.claimTimeoutMs ?? 120_000;
  }

  async tick(): Promise<TickReport> {
    const settled = (await this.#settle()) + (await this.#recover());
    const claimed = [...(await this.#claimScheduled()), ...(await this.#claimCampaigns())];
    const results = await Promise.all(claimed.map(({ request, campaign }) => this.#place(request, campaign)));
    await this.#finishCampaigns();
    return {
      settled,
      placed: results.filter((ok) => ok).length,
      failed: results.filter((ok) => !ok).length,
    };
  }

  /** Rows whose call has ended: done, failed, or pending again for a retry. */
  async #settle(): Promise<number> {
    const now = this.#clock.now();
    const rows = await this.#db
      .selectFrom('call_requests as r')
      .innerJoin('calls as c', 'c.id', 'r.last_call_id')
      .leftJoin('campaigns as k', 'k.id', 'r.campaign_id')
      .selectAll('r')
      .select([
        'c.status as call_status',
        'c.answered_by as answered_by',
        'k.status as campaign_status',
        'k.max_attempts as max_attempts',
        'k.retry_on as retry_on',
        'k.retry_backoff_s as retry_backoff_s',
      ])
      .where('r.state', '=', 'dialing')
      .where('c.status', 'in', [...FINAL_CALL_STATUSES])
      .limit(200)
      .execute();
    let settled = 0;
    for (const row of rows) {
      const status = row.call_status as CallStatus;
      const outcome =
        status === 'completed' ? (row.answered_by?.startsWith('machine_') ? 'machine' : 'completed') : status;
      const policy =
        row.campaign_id && row.campaign_status !== 'cancelled'
          ? {
              maxAttempts: row.max_attempts ?? 1,
              retryOn: (row.retry_on ?? []) as RetryOutcome[],
              backoffS: row.retry_backoff_s ?? 600,
            }
          : undefined;
      const retry = policy?.retryOn.includes(outcome as RetryOutcome) && row.attempts < policy.maxAttempts;
      const state = retry ? 'pending' : outcome === 'completed' || outcome === 'machine' ? 'done' : 'failed';
      const result = await this.#db
        .updateTable('call_requests')
        .set({
          state,
          outcome,
          updated_at: now,
          ...(retry && policy
            ? { due_at: backoff(now, policy.backoffS, row.attempts), claimed_by: null }
            : {}),
        })
        .where('id', '=', row.id)
        .where('state', '=', 'dialing')
        .where('last_call_id', '=', row.last_call_id)
        .executeTakeFirst();
      settled += Number(result.numUpdatedRows);
    }
    return settled;
  }

  /**
   * Calls that went quiet: asks Twilio where a dialing call stands when no callback came for a while (a lost
   * callback must not hold a campaign slot forever); gives up rows an instance claimed but never dialled.
   */
  async #recover(): Promise<number> {
    const now = this.#clock.now();
    const abandoned = await this.#db
      .updateTable('call_requests')
      .set({
        state: 'failed',
        outcome: 'interrupted',
        last_error: JSON.stringify({
          code: 'interrupted',
          message: 'the instance placing this call stopped before Twilio answered; not redialled',
        }),
        updated_at: now,
      })
      .where('state', '=', 'dialing')
      .where('last_call_id', 'is', null)
      .where('claimed_at', '<', new Date(now.getTime() - this.#claimTimeoutMs))
      .executeTakeFirst();
    const quiet = await this.#db
      .selectFrom('call_requests as r')
      .innerJoin('calls as c', 'c.id', 'r.last_call_id')
      .select(['c.id', 'c.org_id', 'c.call_sid'])
      .where('r.state', '=', 'dialing')
      .where('c.call_sid', 'is not', null)
      .where('c.status', 'not in', [...FINAL_CALL_STATUSES])
      .where('c.updated_at', '<', new Date(now.getTime() - this.#pollMs))
      .limit(20)
      .execute();
    let polled = 0;
    for (const call of quiet) {
      try {
        const { client } = this.#outbound.requireConfigured();
        const fetched = await client.calls(call.call_sid as string).fetch();
        await this.#outbound.calls.recordStatus(
          call.org_id,
          call.id,
          {
            status: fetched.status as CallStatus,
            source: 'rest-poll',
            answeredBy: fetched.answeredBy ?? null,
            durationSeconds: fetched.duration ? Number(fetched.duration) : null,
          },
          now,
        );
        polled++;
      } catch (error) {
        this.#logger.warn(
          { callId: call.id, err: describeTwilioFailure(error) },
          'dialler: status poll failed',
        );
      }
    }
    if (polled > 0) return (await this.#settle()) + Number(abandoned.numUpdatedRows);
    return Number(abandoned.numUpdatedRows);
  }

  async #claimScheduled(): Promise<{ request: CallRequest; campaign?: Campaign }[]> {
    const now = this.#clock.now();
    const rows = await this.#db
      .updateTable('call_requests')
      .set((eb) => ({
        state: 'dialing',
        claimed_by: this.instanceId,
        claimed_at: now,
        attempts: eb(eb.ref('attempts'), '+', 1),
        last_call_id: null,
        updated_at: now,
      }))
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('call_requests')
          .select('id')
          .where('state', '=', 'pending')
          .where('campaign_id', 'is', null)
          .where('due_at', '<=', now)
          .orderBy('due_at')
          .limit(this.#batch)
          .forUpdate()
          .skipLocked(),
      )
      .returningAll()
      .execute();
    return rows.map((row) => ({ request: toRequest(row) }));
  }

  async #claimCampaigns(): Promise<{ request: CallRequest; campaign: Campaign }[]> {
    const now = this.#clock.now();
    return this.#db.transaction().execute(async (tx) => {
      const campaigns = await tx
        .selectFrom('campaigns')
        .selectAll()
        .where('status', '=', 'running')
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('call_requests')
              .select(sql.lit(1).as('one'))
              .whereRef('call_requests.campaign_id', '=', 'campaigns.id')
              .where('call_requests.state', '=', 'pending')
              .where('call_requests.due_at', '<=', now),
          ),
        )
        .orderBy('created_at')
        .limit(20)
        .forUpdate()
        .skipLocked()
        .execute();
      const claimed: { request: CallRequest; campaign: Campaign }[] = [];
      for (const row of campaigns) {
        const campaign = toCampaign(row);
        const room = this.#batch - claimed.length;
        if (room <= 0) break;
        const { n: dialing } = await tx
          .selectFrom('call_requests')
          .select(sql<number>`count(*)::int`.as('n'))
          .where('campaign_id', '=', campaign.id)
          .where('state', '=', 'dialing')
          .executeTakeFirstOrThrow();
        const free = Math.min(campaign.concurrency - dialing, room);
        if (free <= 0) continue;
        const candidates = (
          await tx
            .selectFrom('call_requests')
            .selectAll()
            .where('campaign_id', '=', campaign.id)
            .where('state', '=', 'pending')
            .where('due_at', '<=', now)
            .orderBy('due_at')
            .orderBy('row_number')
            .limit(Math.max(free * 4, 50))
            .forUpdate()
            .skipLocked()
            .execute()
        ).map(toRequest);
        const take: string[] = [];
        for (const request of candidates) {
          if (take.length < free && isOpen(now, request.zones, campaign.window)) {
            take.push(request.id);
            continue;
          }
          if (isOpen(now, request.zones, campaign.window)) continue; // open, but no room this tick
          // Outside the callee's hours: wait for the window instead of being looked at every tick.
          const opening = nextOpening(now, request.zones, campaign.window);
          await tx
            .updateTable('call_requests')
            .set(
              opening
                ? { due_at: opening, updated_at: now }
                : {
                    state: 'failed',
                    outcome: 'no_window',
                    last_error: JSON.stringify({
                      code: 'no_window',
                      message: `the calling window is never open in all of ${request.zones.join(', ')}`,
                    }),
                    updated_at: now,
                  },
            )
            .where('id', '=', request.id)
            .execute();
        }
        if (take.length === 0) continue;
        const rows = await tx
          .updateTable('call_requests')
          .set((eb) => ({
            state: 'dialing',
            claimed_by: this.instanceId,
            claimed_at: now,
            attempts: eb(eb.ref('attempts'), '+', 1),
            last_call_id: null,
            updated_at: now,
          }))
          .where('id', 'in', take)
          .returningAll()
          .execute();
        rows.sort((a, b) => (a.row_number ?? 0) - (b.row_number ?? 0));
        for (const r of rows) claimed.push({ request: toRequest(r), campaign });
      }
      return claimed;
    });
  }

  /** Places one claimed call; true when Twilio accepted it. */
  async #place(request: CallRequest, campaign: Campaign | undefined): Promise<boolean> {
    const now = () => this.#clock.now();
    try {
      const agent =
        (await this.#outbound.agents.find(request.orgId, request.agent)) ??
        (request.agent === BUILTIN_AGENT.name ? BUILTIN_AGENT : undefined);
      if (!agent) {
        await this.#fail(request, 'agent_missing', {
          code: 'agent_missing',
          message: `no agent named "${request.agent}"`,
        });
        return false;
      }
      const { call, failure } = await this.#outbound.place(request.orgId, {
        to: request.to,
        agent,
        context: request.context,
      });
      if (!failure) {
        await this.#db
          .updateTable('call_requests')
          .set({ last_call_id: call.id, updated_at: now() })
          .where('id', '=', request.id)
          .execute();
        return true;
      }
      const error = { code: failure.code ?? 'unreachable', message: failure.message };
      const retry =
        campaign?.retryOn.includes('provider_error') &&
        failure.retriable &&
        request.attempts < campaign.maxAttempts;
      await this.#db
        .updateTable('call_requests')
        .set({
          last_call_id: call.id,
          outcome: 'provider_error',
          last_error: JSON.stringify(error),
          updated_at: now(),
          ...(retry && campaign
            ? {
                state: 'pending',
                claimed_by: null,
                due_at: backoff(now(), campaign.retryBackoffSeconds, request.attempts),
              }
            : { state: 'failed' }),
        })
        .where('id', '=', request.id)
        .execute();
      return false;
    } catch (error) {
      // Our side failed (database, configuration): the row is put back and tried again in a minute.
      this.#logger.error({ err: error, requestId: request.id }, 'dialler: placing a call failed');
      await this.#db
        .updateTable('call_requests')
        .set({
          state: 'pending',
          claimed_by: null,
          attempts: Math.max(0, request.attempts - 1),
          due_at: new Date(now().getTime() + 60_000),
          last_error: JSON.stringify({ code: 'internal', message: (error as Error).message }),
          updated_at: now(),
        })
        .where('id', '=', request.id)
        .where('state', '=', 'dialing')
        .where('last_call_id', 'is', null)
        .execute()
        .catch(() => {});
      return false;
    }
  }

  async #fail(
    request: CallRequest,
    outcome: string,
    error: { code: string; message: string },
  ): Promise<void> {
    await this.#db
      .updateTable('call_requests')
      .set({ state: 'failed', outcome, last_error: JSON.stringify(error), updated_at: this.#clock.now() })
      .where('id', '=', request.id)
      .execute();
  }

  /** A running campaign with nothing left to dial or settle is completed. */
  async #finishCampaigns(): Promise<void> {
    const now = this.#clock.now();
    await this.#db
      .updateTable('campaigns')
      .set({ status: 'completed', finished_at: now, updated_at: now })
      .where('status', '=', 'running')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('call_requests')
              .select(sql.lit(1).as('one'))
              .whereRef('call_requests.campaign_id', '=', 'campaigns.id')
              .where('call_requests.state', 'in', ['pending', 'dialing']),
          ),
        ),
      )
      .execute();
  }
}

/** Retry n (1-based attempts so far) waits backoff × 2^(n−1). */
function backoff(now: Date, baseSeconds: number, attempts: number): Date {
  return new Date(now.getTime() + baseSeconds * 1000 * 2 ** Math.max(0, attempts - 1));
}
