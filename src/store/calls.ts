/**
 * Phone calls (migration 0008): the call records the Twilio channel writes as calls come in and go out, the status
 * history Twilio's callbacks report, the live-call registry (rows an instance is bridging, kept fresh by a
 * heartbeat, so any instance can list the live calls of every instance) and the numbers that route inbound calls.
 */
import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { CallEventTable, CallTable, Schema } from './schema.ts';

export const CALL_DIRECTIONS = ['inbound', 'outbound'] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

/** Twilio's CallStatus values, plus `initiated` (the StatusCallbackEvent of a call just placed). */
export const CALL_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'failed',
  'no-answer',
  'canceled',
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const FINAL_CALL_STATUSES: readonly CallStatus[] = [
  'completed',
  'busy',
  'failed',
  'no-answer',
  'canceled',
];

/**
 * How far along a call a status is. Callbacks arrive as separate requests, possibly out of order: a status only
 * replaces one of a lower rank, so a late `ringing` never overwrites `in-progress`, nor anything a final status.
 */
const RANK: Record<CallStatus, number> = {
  queued: 0,
  initiated: 1,
  ringing: 2,
  'in-progress': 3,
  completed: 4,
  busy: 4,
  failed: 4,
  'no-answer': 4,
  canceled: 4,
};

/** How often a bridging instance refreshes its calls' heartbeat, and when a silent one's calls stop being live. */
export const LIVE_HEARTBEAT_MS = 5_000;
export const LIVE_STALE_MS = 15_000;

export interface CallError {
  /** Twilio's error code, or our own reason (`media_protocol`, `session_failed`…). */
  code: string | number;
  message: string;
}

export interface CallRecord {
  id: string;
  orgId: string;
  direction: CallDirection;
  callSid: string | null;
  streamSid: string | null;
  from: string;
  to: string;
  agent: string;
  context: Record<string, unknown>;
  status: CallStatus;
  answeredBy: string | null;
  durationSeconds: number | null;
  /** The transcript (GET /api/sessions/:id). */
  sessionId: string | null;
  instanceId: string | null;
  heartbeatAt: Date | null;
  error: CallError | null;
  createdAt: Date;
  updatedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
}

export interface NewCall {
  id?: string;
  orgId: string;
  direction: CallDirection;
  callSid?: string | null;
  from: string;
  to: string;
  agent: string;
  context?: Record<string, unknown>;
  status?: CallStatus;
  at?: Date;
}

export interface StatusUpdate {
  status: CallStatus;
  /** Where it came from: `status-callback`, `voice-webhook`, `rest`, `media-stream`… */
  source: string;
  /** Twilio's SequenceNumber, when a callback carried one. */
  sequenceNumber?: number | null;
  /** When it happened (Twilio's Timestamp); defaults to when it was received. */
  occurredAt?: Date;
  answeredBy?: string | null;
  durationSeconds?: number | null;
  error?: CallError | null;
  /** Anything else worth keeping with the event (the callback's fields). */
  detail?: Record<string, unknown>;
}

export interface CallEvent {
  status: CallStatus;
  sequenceNumber: number | null;
  source: string;
  detail: Record<string, unknown> | null;
  occurredAt: Date;
  receivedAt: Date;
}

export interface CallPage {
  items: CallRecord[];
  total: number;
  limit: number;
  offset: number;
}

type CallRow = Selectable<CallTable>;

const toRecord = (row: CallRow): CallRecord => ({
  id: row.id,
  orgId: row.org_id,
  direction: row.direction,
  callSid: row.call_sid,
  streamSid: row.stream_sid,
  from: row.from_number,
  to: row.to_number,
  agent: row.agent,
  context: (row.context ?? {}) as Record<string, unknown>,
  status: row.status as CallStatus,
  answeredBy: row.answered_by,
  durationSeconds: row.duration_seconds,
  sessionId: row.session_id,
  instanceId: row.instance_id,
  heartbeatAt: row.heartbeat_at,
  error: (row.error ?? null) as CallError | null,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  answeredAt: row.answered_at,
  endedAt: row.ended_at,
});

const json = (value: unknown): string => JSON.stringify(value);

export class CallRepository {
  readonly #db: Kysely<Schema>;

  /** `db` may be a transaction. */
  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  async create(input: NewCall): Promise<CallRecord> {
    const at = input.at ?? new Date();
    const status = input.status ?? (input.direction === 'inbound' ? 'ringing' : 'queued');
    const id = input.id ?? randomUUID();
    const row = await this.#db
      .insertInto('calls')
      .values({
        id,
        org_id: input.orgId,
        direction: input.direction,
        call_sid: input.callSid ?? null,
        from_number: input.from,
        to_number: input.to,
        agent: input.agent,
        context: json(input.context ?? {}),
        status,
        created_at: at,
        updated_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.#insertEvent(row.id, row.org_id, { status, source: 'created' }, at);
    return toRecord(row);
  }

  async findById(orgId: string, id: string): Promise<CallRecord | undefined> {
    const row = await this.#db
      .selectFrom('calls')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** By our id, across organisations: for a signed Twilio webhook that carries the call id it was placed with. */
  async findByIdAcrossOrgs(id: string): Promise<CallRecord | undefined> {
    const row = await this.#db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  /** By Twilio's CallSid, across organisations: a webhook learns the organisation from the call. */
  async findBySid(callSid: string): Promise<CallRecord | undefined> {
    const row = await this.#db
      .selectFrom('calls')
      .selectAll()
      .where('call_sid', '=', callSid)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** Stores the CallSid Twilio gave an outbound call once the REST request returned. */
  async attachSid(orgId: string, id: string, callSid: string, at: Date = new Date()): Promise<void> {
    await this.#db
      .updateTable('calls')
      .set({ call_sid: callSid, updated_at: at })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }

  /** A status callback by CallSid; undefined when no call has that sid. */
  async recordStatusBySid(
    callSid: string,
    update: StatusUpdate,
    receivedAt: Date = new Date(),
  ): Promise<CallRecord | undefined> {
    const call = await this.findBySid(callSid);
    return call && this.recordStatus(call.orgId, call.id, update, receivedAt);
  }

  /**
   * Keeps the event and moves the call's status forward if the event is further along (see RANK): one UPDATE, so
   * concurrent callbacks on several instances cannot move a call backwards.
   */
  async recordStatus(
    orgId: string,
    id: string,
    update: StatusUpdate,
    receivedAt: Date = new Date(),
  ): Promise<CallRecord | undefined> {
    const occurredAt = update.occurredAt ?? receivedAt;
    const lower = CALL_STATUSES.filter((s) => RANK[s] < RANK[update.status]);
    const final = FINAL_CALL_STATUSES.includes(update.status);
    return this.#db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable('calls')
        .set((eb) => ({
          status:
            lower.length > 0
              ? sql<string>`case when ${eb.ref('status')} in (${sql.join(lower.map((s) => sql.lit(s)))}) then ${update.status} else ${eb.ref('status')} end`
              : eb.ref('status'),
          ...(update.answeredBy != null ? { answered_by: update.answeredBy } : {}),
          ...(update.durationSeconds != null ? { duration_seconds: update.durationSeconds } : {}),
          ...(update.error != null ? { error: json(update.error) } : {}),
          answered_at:
            update.status === 'in-progress'
              ? sql<Date>`coalesce(${eb.ref('answered_at')}, ${occurredAt})`
              : eb.ref('answered_at'),
          ended_at: final ? sql<Date>`coalesce(${eb.ref('ended_at')}, ${occurredAt})` : eb.ref('ended_at'),
          updated_at: receivedAt,
        }))
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      await new CallRepository(tx).#insertEvent(id, orgId, update, receivedAt);
      return toRecord(row);
    });
  }

  async #insertEvent(callId: string, orgId: string, update: StatusUpdate, receivedAt: Date): Promise<void> {
    await this.#db
      .insertInto('call_events')
      .values({
        call_id: callId,
        org_id: orgId,
        status: update.status,
        sequence_number: update.sequenceNumber ?? null,
        source: update.source,
        detail: update.detail ? json(update.detail) : null,
        occurred_at: update.occurredAt ?? receivedAt,
        received_at: receivedAt,
      })
      .execute();
  }

  async events(orgId: string, id: string): Promise<CallEvent[]> {
    const rows = await this.#db
      .selectFrom('call_events')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('call_id', '=', id)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      status: r.status as CallStatus,
      sequenceNumber: r.sequence_number,
      source: r.source,
      detail: (r.detail ?? null) as Record<string, unknown> | null,
      occurredAt: r.occurred_at,
      receivedAt: r.received_at,
    }));
  }

  /** The media stream of the call is being bridged by `instanceId`: the call joins the live registry. */
  async markLive(
    orgId: string,
    id: string,
    live: { instanceId: string; sessionId?: string | null; streamSid?: string | null },
    at: Date = new Date(),
  ): Promise<void> {
    await this.#db
      .updateTable('calls')
      .set((eb) => ({
        instance_id: live.instanceId,
        heartbeat_at: at,
        session_id: live.sessionId ?? eb.ref('session_id'),
        stream_sid: live.streamSid ?? eb.ref('stream_sid'),
        updated_at: at,
      }))
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }

  /** One statement for all the calls an instance bridges; returns how many rows were refreshed. */
  async heartbeat(instanceId: string, ids: readonly string[], at: Date = new Date()): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.#db
      .updateTable('calls')
      .set({ heartbeat_at: at })
      .where('instance_id', '=', instanceId)
      .where('id', 'in', ids)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** The bridge ended (the caller hung up, the stream stopped, or the call failed): the call leaves the registry. */
  async endLive(orgId: string, id: string, end: { at?: Date; error?: CallError | null } = {}): Promise<void> {
    const at = end.at ?? new Date();
    await this.#db
      .updateTable('calls')
      .set((eb) => ({
        heartbeat_at: null,
        ended_at: sql<Date>`coalesce(${eb.ref('ended_at')}, ${at})`,
        ...(end.error ? { error: json(end.error) } : {}),
        updated_at: at,
      }))
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }

  /** Records a failure on the call (a provider error, a broken media stream) without ending it. */
  async recordError(orgId: string, id: string, error: CallError, at: Date = new Date()): Promise<void> {
    await this.#db
      .updateTable('calls')
      .set({ error: json(error), updated_at: at })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }

  /** Calls being bridged right now by a live instance (heartbeat younger than `staleAfterMs`), oldest first. */
  async listLive(orgId: string, options: { now?: Date; staleAfterMs?: number } = {}): Promise<CallRecord[]> {
    const now = options.now ?? new Date();
    const since = new Date(now.getTime() - (options.staleAfterMs ?? LIVE_STALE_MS));
    const rows = await this.#db
      .selectFrom('calls')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('ended_at', 'is', null)
      .where('heartbeat_at', '>', since)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  /** The organisation's calls, newest first. */
  async list(
    orgId: string,
    page: { limit: number; offset: number; direction?: CallDirection },
  ): Promise<CallPage> {
    let rows = this.#db.selectFrom('calls').where('org_id', '=', orgId);
    if (page.direction) rows = rows.where('direction', '=', page.direction);
    const [items, total] = await Promise.all([
      rows
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      rows.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: items.map(toRecord), total: total.n, limit: page.limit, offset: page.offset };
  }
}

export interface PhoneNumberRoute {
  number: string;
  orgId: string;
  agent: string;
}

/** Dialled numbers → the organisation and agent that answer them. */
export class PhoneNumberRepository {
  readonly #db: Kysely<Schema>;

  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  /** Routes `number` (E.164) to the organisation's agent; a number already routed elsewhere moves. */
  async assign(
    orgId: string,
    number: string,
    agent: string,
    at: Date = new Date(),
  ): Promise<PhoneNumberRoute> {
    await this.#db
      .insertInto('phone_numbers')
      .values({ number, org_id: orgId, agent, created_at: at })
      .onConflict((oc) => oc.column('number').doUpdateSet({ org_id: orgId, agent }))
      .execute();
    return { number, orgId, agent };
  }

  async find(number: string): Promise<PhoneNumberRoute | undefined> {
    const row = await this.#db
      .selectFrom('phone_numbers')
      .selectAll()
      .where('number', '=', number)
      .executeTakeFirst();
    return row && { number: row.number, orgId: row.org_id, agent: row.agent };
  }

  async list(orgId: string): Promise<PhoneNumberRoute[]> {
    const rows = await this.#db
      .selectFrom('phone_numbers')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('number')
      .execute();
    return rows.map((row) => ({ number: row.number, orgId: row.org_id, agent: row.agent }));
  }

  async remove(orgId: string, number: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('phone_numbers')
      .where('org_id', '=', orgId)
      .where('number', '=', number)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

export type { CallEventTable, CallTable };
