/**
 * The outbox: every message the assistant sends, org-scoped, with where it is on its way. The table is also the
 * delivery queue shared by every instance: a dispatcher claims due rows with `FOR UPDATE SKIP LOCKED` (two
 * dispatchers never take the same row), holds them under a claim token and a lease, and every later transition
 * names that token, so a dispatcher whose lease ran out (and whose row another one took over) changes nothing.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { MessageStatus } from '../core/messages.ts';
import type { Channel } from '../core/understanding.ts';
import type { Schema, Timestamp } from './schema.ts';

export interface OutboxMessageTable {
  id: string;
  org_id: string;
  channel: Channel;
  /** In the channel's form: E.164, an e-mail address, @handle… */
  recipient: string;
  subject: string | null;
  body: string;
  status: MessageStatus;
  created_at: Timestamp;
  sent_at: Timestamp | null;
  /** The time asked for, when the message was scheduled; null for "now". */
  send_at: Timestamp | null;
  /** When a dispatcher should next try it: `send_at`, then later after each failed attempt. */
  due_at: Timestamp;
  attempts: number;
  last_error: string | null;
  claim_token: string | null;
  /** A claim older than this is taken to be abandoned (its instance died) and may be taken over. */
  claimed_until: Timestamp | null;
  /** Who delivered it: smtp, gmail, telegram, whatsapp, slack, twilio, or outbox (the built-in log). */
  provider: string | null;
  provider_message_id: string | null;
  updated_at: Timestamp;
}

export type OutboxMessageRow = Selectable<OutboxMessageTable>;

type OutboxSchema = Schema & { outbox_messages: OutboxMessageTable };

export interface NewOutboxMessage {
  id: string;
  org_id: string;
  channel: Channel;
  recipient: string;
  subject: string | null;
  body: string;
  created_at: Date;
  send_at?: Date | null;
}

export interface OutboxQuery {
  status?: MessageStatus | undefined;
  channel?: Channel | undefined;
  /** Only messages scheduled for a time (true) or sent at once (false). */
  scheduled?: boolean | undefined;
  limit: number;
  offset: number;
}

/** A sent message a delivery report says was lost: FAILED with the report's reason, no longer claimed. */
const undelivered = (at: Date, reason: string) =>
  ({ status: 'FAILED', last_error: reason, updated_at: at, claim_token: null, claimed_until: null }) as const;

export class OutboxRepository {
  readonly #db: Kysely<OutboxSchema>;

  /** `db` may be a transaction. */
  constructor(db: Kysely<Schema>) {
    this.#db = db.withTables<{ outbox_messages: OutboxMessageTable }>();
  }

  async enqueue(row: NewOutboxMessage): Promise<void> {
    await this.#db
      .insertInto('outbox_messages')
      .values({
        ...row,
        send_at: row.send_at ?? null,
        due_at: row.send_at ?? row.created_at,
        status: 'QUEUED',
        sent_at: null,
        attempts: 0,
        updated_at: row.created_at,
      })
      .execute();
  }

  /**
   * Claims up to `limit` messages due at `now` (and claims abandoned past their lease), oldest due first, for the
   * holder of `token` until `now + leaseMs`; each claim counts as an attempt. Rows another transaction is claiming
   * are skipped, not waited for.
   */
  async claimDue(now: Date, options: { token: string; leaseMs: number; limit: number; id?: string }) {
    const until = new Date(now.getTime() + options.leaseMs);
    let due = this.#db
      .selectFrom('outbox_messages')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'QUEUED'), eb('due_at', '<=', now)]),
          eb.and([eb('status', '=', 'SENDING'), eb('claimed_until', '<', now)]),
        ]),
      )
      .orderBy('due_at')
      .limit(options.limit)
      .forUpdate()
      .skipLocked();
    if (options.id !== undefined) due = due.where('id', '=', options.id);
    return this.#db
      .updateTable('outbox_messages')
      .set({
        status: 'SENDING',
        claim_token: options.token,
        claimed_until: until,
        attempts: sql<number>`attempts + 1`,
        updated_at: now,
      })
      .where('id', 'in', due)
      .returningAll()
      .execute();
  }

  /** The provider took it. False when the claim was lost (another dispatcher took the row over). */
  async markSent(
    id: string,
    token: string,
    at: Date,
    delivery: { provider: string; providerMessageId?: string | undefined },
  ): Promise<boolean> {
    const r = await this.#db
      .updateTable('outbox_messages')
      .set({
        status: 'SENT',
        sent_at: at,
        updated_at: at,
        provider: delivery.provider,
        provider_message_id: delivery.providerMessageId ?? null,
        last_error: null,
        claim_token: null,
        claimed_until: null,
      })
      .where('id', '=', id)
      .where('claim_token', '=', token)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** Back in the queue for another attempt at `retryAt`. */
  async markForRetry(id: string, token: string, at: Date, retryAt: Date, error: string): Promise<boolean> {
    const r = await this.#db
      .updateTable('outbox_messages')
      .set({
        status: 'QUEUED',
        due_at: retryAt,
        last_error: error,
        updated_at: at,
        claim_token: null,
        claimed_until: null,
      })
      .where('id', '=', id)
      .where('claim_token', '=', token)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** Given up: refused by the provider, or out of attempts. */
  async markFailed(id: string, token: string, at: Date, error: string, provider?: string): Promise<boolean> {
    const r = await this.#db
      .updateTable('outbox_messages')
      .set({
        status: 'FAILED',
        last_error: error,
        updated_at: at,
        claim_token: null,
        claimed_until: null,
        ...(provider ? { provider } : {}),
      })
      .where('id', '=', id)
      .where('claim_token', '=', token)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /**
   * The provider reported, after accepting it, that the message did not arrive (an SMS Twilio could not deliver).
   * Also taken while the message is still SENDING (the report beat the provider's answer): its claim is dropped, so
   * the dispatcher's SENT no longer applies. False when the message is not (or no longer) sent or on its way.
   */
  async markUndelivered(id: string, at: Date, reason: string): Promise<boolean> {
    const r = await this.#db
      .updateTable('outbox_messages')
      .set(undelivered(at, reason))
      .where('id', '=', id)
      .where('status', 'in', ['SENT', 'SENDING'])
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /**
   * A delivery report named by the provider's own id (a WhatsApp `wamid`) says the message was lost: as
   * `markUndelivered`. Returns the message's id and organisation, or undefined when no sent message has that id
   * (an unknown id, or a report about a message already marked).
   */
  async markUndeliveredByProviderId(
    provider: string,
    providerMessageId: string,
    at: Date,
    reason: string,
  ): Promise<{ id: string; orgId: string } | undefined> {
    const row = await this.#db
      .updateTable('outbox_messages')
      .set(undelivered(at, reason))
      .where('provider', '=', provider)
      .where('provider_message_id', '=', providerMessageId)
      .where('status', 'in', ['SENT', 'SENDING'])
      .returning(['id', 'org_id'])
      .executeTakeFirst();
    return row ? { id: row.id, orgId: row.org_id } : undefined;
  }

  /** Withdraws a message still waiting in the queue; undefined when there is no such message. */
  async cancel(orgId: string, id: string, at: Date): Promise<OutboxMessageRow | undefined> {
    const cancelled = await this.#db
      .updateTable('outbox_messages')
      .set({ status: 'CANCELLED', updated_at: at })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('status', '=', 'QUEUED')
      .returningAll()
      .executeTakeFirst();
    return cancelled;
  }

  /**
   * Puts a FAILED message back in the queue, due at `at`, with a fresh budget of attempts (after the cause was
   * fixed: a reconnected account, a corrected number). Undefined when there is no such failed message.
   */
  async retry(orgId: string, id: string, at: Date): Promise<OutboxMessageRow | undefined> {
    return this.#db
      .updateTable('outbox_messages')
      .set({ status: 'QUEUED', due_at: at, attempts: 0, updated_at: at })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('status', '=', 'FAILED')
      .returningAll()
      .executeTakeFirst();
  }

  async findById(orgId: string, id: string): Promise<OutboxMessageRow | undefined> {
    return this.#db
      .selectFrom('outbox_messages')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Newest first. */
  async list(orgId: string, limit = 50): Promise<OutboxMessageRow[]> {
    return (await this.page(orgId, { limit, offset: 0 })).items;
  }

  /** Newest first, filtered, with the total for paging. */
  async page(orgId: string, query: OutboxQuery): Promise<{ items: OutboxMessageRow[]; total: number }> {
    let base = this.#db.selectFrom('outbox_messages').where('org_id', '=', orgId);
    if (query.status) base = base.where('status', '=', query.status);
    if (query.channel) base = base.where('channel', '=', query.channel);
    if (query.scheduled !== undefined) base = base.where('send_at', query.scheduled ? 'is not' : 'is', null);
    const [items, count] = await Promise.all([
      base
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(query.limit)
        .offset(query.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: Number(count.n) };
  }
}
