/**
 * The one send-message operation: every message is written to the outbox table as QUEUED (under the caller's
 * idempotency key, in the same transaction), then delivered by the MessageDispatcher: at once for a message meant
 * for now, at its time for a scheduled one. The channel's configured client (SMTP, Gmail, Telegram, WhatsApp,
 * Slack, Twilio SMS) delivers it; a channel with none configured is delivered to the outbox itself (a log block),
 * so the embedded default works with no accounts at all.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { WriteOptions } from '../../core/crm.ts';
import { RoomanError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { MessageSender, SendMessageInput, SendMessageResult } from '../../core/messages.ts';
import { type Clock, parseIsoWithOffset, systemClock, toZonedIso } from '../../core/time.ts';
import { type DeliveryPolicy, MessageDispatcher } from '../../jobs/message-dispatcher.ts';
import { hashRequest, IdempotencyKeyRepository } from '../../store/idempotency.ts';
import { OrganisationRepository } from '../../store/organisations.ts';
import { OutboxRepository } from '../../store/outbox.ts';
import type { Schema } from '../../store/schema.ts';
import type { ChannelClients } from './channel.ts';
import { SMS_MAX_LENGTH } from './twilio-sms.ts';

export interface OutboxSenderOptions {
  db: Kysely<Schema>;
  logger: Logger;
  clock?: Clock;
  /** Log a block per message delivered to the built-in outbox (config `csvLogs`). */
  blocks?: boolean;
  /** The configured channel clients; none: everything goes to the built-in outbox. */
  channels?: ChannelClients;
  policy?: Partial<DeliveryPolicy>;
  /**
   * How long `send` waits for a message meant for now to be delivered before answering QUEUED/SENDING (delivery
   * goes on; a talking caller should not wait on a slow provider). Default 5 s.
   */
  immediateWaitMs?: number;
  random?: () => number;
}

/** A `send_at` this far in the past is taken as "now" (a clock a little behind); further back it is refused. */
const PAST_GRACE_MS = 60_000;
/** Messages are scheduled at most this far ahead. */
const MAX_AHEAD_MS = 366 * 24 * 60 * 60_000;

export class OutboxSender {
  readonly #db: Kysely<Schema>;
  readonly #clock: Clock;
  readonly #immediateWaitMs: number;
  readonly #logger: Logger;
  /** Delivers what this sender queues; the server also runs it on a timer for scheduled messages and retries. */
  readonly dispatcher: MessageDispatcher;

  constructor(options: OutboxSenderOptions) {
    this.#db = options.db;
    this.#clock = options.clock ?? systemClock;
    this.#immediateWaitMs = options.immediateWaitMs ?? 5000;
    this.#logger = options.logger;
    this.dispatcher = new MessageDispatcher({
      db: options.db,
      logger: options.logger,
      clock: this.#clock,
      blocks: options.blocks ?? true,
      ...(options.channels ? { channels: options.channels } : {}),
      ...(options.policy ? { policy: options.policy } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
  }

  senderFor(orgId: string): MessageSender {
    return { send: (input, options) => this.send(orgId, input, options) };
  }

  /** `input` must already be valid (SendMessageInput's output: the address in the channel's form). */
  async send(orgId: string, input: SendMessageInput, options: WriteOptions = {}): Promise<SendMessageResult> {
    options.signal?.throwIfAborted();
    const org = await new OrganisationRepository(this.#db).findById(orgId);
    if (!org) throw new RoomanError('NOT_FOUND', 'Organisation not found');
    const id = randomUUID();
    const queuedAt = this.#clock.now();
    const sendAt = this.#checkSendAt(input.send_at, queuedAt);
    if (input.channel === 'sms' && input.body.length > SMS_MAX_LENGTH) {
      const message = `must be at most ${SMS_MAX_LENGTH} characters for sms`;
      throw new RoomanError('VALIDATION_ERROR', `body: ${message}`, {
        field: 'body',
        issues: [{ field: 'body', message }],
      });
    }
    const row = {
      id,
      org_id: org.id,
      channel: input.channel,
      recipient: input.to,
      subject: input.subject ?? null,
      body: input.body,
      created_at: queuedAt,
      send_at: sendAt,
    };
    const key = options.idempotencyKey;
    const queued = await this.#db.transaction().execute(async (trx) => {
      if (key !== undefined) {
        const keys = new IdempotencyKeyRepository(trx);
        const requestHash = hashRequest(input);
        const claimed = await keys.claim({
          orgId: org.id,
          scope: 'outbox.send',
          key,
          requestHash,
          responseStatus: 201,
          responseBody: { message_id: id },
          now: queuedAt,
        });
        if (!claimed) {
          const stored = await keys.find(org.id, 'outbox.send', key);
          if (stored?.requestHash !== requestHash) {
            throw new RoomanError(
              'CONFLICT',
              'This idempotency key was already used for a different message',
            );
          }
          return { replayed: (stored.body as { message_id: string }).message_id };
        }
      }
      await new OutboxRepository(trx).enqueue(row);
      return { replayed: undefined };
    });
    if (queued.replayed) {
      const stored = await new OutboxRepository(this.#db).findById(org.id, queued.replayed);
      return {
        message_id: queued.replayed,
        status: stored?.status ?? 'QUEUED',
        ...(stored?.send_at ? { send_at: toZonedIso(stored.send_at, org.timeZone) } : {}),
      };
    }
    if (sendAt && sendAt.getTime() > queuedAt.getTime()) {
      return { message_id: id, status: 'QUEUED', send_at: toZonedIso(sendAt, org.timeZone) };
    }
    const delivered = await this.#deliverSoon(id);
    return {
      message_id: id,
      status: delivered?.status ?? 'SENDING',
      ...(delivered?.last_error ? { error: delivered.last_error } : {}),
    };
  }

  /** Delivers at once, waiting a bounded time for the answer; undefined when it is still under way. */
  async #deliverSoon(id: string) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.#immediateWaitMs);
    });
    try {
      // A failure here leaves the message queued (or claimed until its lease ends): the dispatcher job sends it.
      const row = await Promise.race([
        this.dispatcher.deliverNow(id).catch((err: unknown) => {
          this.#logger.warn(
            { err, message_id: id },
            'message queued; sending it now failed, the dispatcher will',
          );
          return undefined;
        }),
        waited,
      ]);
      return row;
    } finally {
      clearTimeout(timer);
    }
  }

  #checkSendAt(text: string | undefined, now: Date): Date | null {
    if (text === undefined) return null;
    const at = parseIsoWithOffset(text);
    if (!at) return refuseSendAt('must be an ISO-8601 date and time with offset');
    if (at.getTime() < now.getTime() - PAST_GRACE_MS) return refuseSendAt(`${text} is in the past`);
    if (at.getTime() > now.getTime() + MAX_AHEAD_MS) return refuseSendAt('must be within a year');
    return at;
  }
}

function refuseSendAt(message: string): never {
  throw new RoomanError('VALIDATION_ERROR', `send_at: ${message}`, {
    field: 'send_at',
    issues: [{ field: 'send_at', message }],
  });
}
