/**
 * Delivers queued messages: every instance runs a dispatcher; each round claims the messages that are due (their
 * `send_at` reached, or their retry time) with `FOR UPDATE SKIP LOCKED`, so instances share the queue without
 * taking the same message. A claimed message goes to its channel's client under a per-attempt timeout:
 *
 * - the provider took it → SENT (with the provider's id);
 * - it failed in a way that may pass (no answer, a timeout, 5xx, 429) → QUEUED again, due after an exponential
 *   backoff with jitter, last error kept; after `maxAttempts` attempts → FAILED;
 * - it was refused (a bad recipient) or the credentials were (a revoked token) → FAILED at once, with the reason.
 *
 * A claim is a lease: if an instance dies holding one, the message is taken over once the lease runs out (longer
 * than any attempt), and every status change names the claim token, so a dispatcher that lost its claim changes
 * nothing. Sending is therefore exactly-once on our side; the one window left is a crash between the provider
 * accepting a message and the SENT row being written, where providers that honour an idempotency key (the stable
 * e-mail Message-ID) let a repeat be recognised.
 *
 * A channel with no client configured is delivered to the built-in outbox: shown in the log as a block and marked
 * SENT, as before real channels existed.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from '../core/logger.ts';
import { type Clock, systemClock, toZonedIso } from '../core/time.ts';
import { textBlock } from '../integrations/calendar/meeting-blocks.ts';
import {
  asDeliveryError,
  type ChannelClients,
  type DeliveryError,
  type OutgoingMessage,
} from '../integrations/messaging/channel.ts';
import { withRetry } from '../integrations/resilience/retry.ts';
import { OrganisationRepository } from '../store/organisations.ts';
import { type OutboxMessageRow, OutboxRepository } from '../store/outbox.ts';
import type { Schema } from '../store/schema.ts';

export interface DeliveryPolicy {
  /** One attempt gives up after this long (the provider hangs). */
  attemptTimeoutMs: number;
  /** Attempts in all before a message is FAILED. */
  maxAttempts: number;
  /** The wait after the first failed attempt; it doubles after each further one, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Messages claimed per round. */
  batchSize: number;
  /** How long a claim holds; past it the message is taken to be abandoned. Default 2 × attempt timeout + 30 s. */
  leaseMs?: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  attemptTimeoutMs: 15_000,
  maxAttempts: 8,
  baseDelayMs: 30_000,
  maxDelayMs: 60 * 60_000,
  batchSize: 20,
};

export interface MessageDispatcherOptions {
  db: Kysely<Schema>;
  logger: Logger;
  channels?: ChannelClients;
  clock?: Clock;
  policy?: Partial<DeliveryPolicy>;
  /** Log a block per message delivered to the built-in outbox (config `csvLogs`). */
  blocks?: boolean;
  /** Uniform in [0, 1): the jitter of retry waits (tests pin it). */
  random?: () => number;
}

const CHANNEL_NAMES = {
  email: 'E-MAIL',
  whatsapp: 'WHATSAPP',
  telegram: 'TELEGRAM',
  sms: 'SMS',
  slack: 'SLACK',
};

/** The wait before attempt `attempt + 1`: half the doubled cap fixed, half random, never below the provider's ask. */
export function retryDelay(
  attempt: number,
  policy: Pick<DeliveryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number,
  askedMs?: number,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.floor(cap / 2 + (random() * cap) / 2);
  return Math.min(policy.maxDelayMs, Math.max(jittered, askedMs ?? 0));
}

export class MessageDispatcher {
  readonly #db: Kysely<Schema>;
  readonly #outbox: OutboxRepository;
  readonly #logger: Logger;
  readonly #channels: ChannelClients;
  readonly #clock: Clock;
  readonly #policy: DeliveryPolicy & { leaseMs: number };
  readonly #blocks: boolean;
  readonly #random: () => number;
  /** Deliveries under way in this process, so stop() can wait for them. */
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: MessageDispatcherOptions) {
    this.#db = options.db;
    this.#outbox = new OutboxRepository(options.db);
    this.#logger = options.logger.child({ component: 'messages' });
    this.#channels = options.channels ?? {};
    this.#clock = options.clock ?? systemClock;
    const policy = { ...DEFAULT_DELIVERY_POLICY, ...options.policy };
    this.#policy = { ...policy, leaseMs: policy.leaseMs ?? policy.attemptTimeoutMs * 2 + 30_000 };
    this.#blocks = options.blocks ?? true;
    this.#random = options.random ?? Math.random;
  }

  /** Which provider delivers `channel` here (`outbox` when none is configured). */
  providerOf(channel: keyof ChannelClients): string {
    return this.#channels[channel]?.provider ?? 'outbox';
  }

  /** One round: claims what is due and delivers it; returns the messages as they ended up. */
  async runOnce(): Promise<OutboxMessageRow[]> {
    const token = randomUUID();
    const claimed = await this.#outbox.claimDue(this.#clock.now(), {
      token,
      leaseMs: this.#policy.leaseMs,
      limit: this.#policy.batchSize,
    });
    return Promise.all(claimed.map((row) => this.#track(this.#deliver(row, token))));
  }

  /**
   * Delivers one message now if it is due and nobody holds it (a message just queued by this instance); undefined
   * when another dispatcher has it or it is not due.
   */
  async deliverNow(id: string): Promise<OutboxMessageRow | undefined> {
    const token = randomUUID();
    const [row] = await this.#outbox.claimDue(this.#clock.now(), {
      token,
      leaseMs: this.#policy.leaseMs,
      limit: 1,
      id,
    });
    return row ? this.#track(this.#deliver(row, token)) : undefined;
  }

  /** Waits for the deliveries this process has under way. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work)).catch(() => {});
    return work;
  }

  async #deliver(row: OutboxMessageRow, token: string): Promise<OutboxMessageRow> {
    const client = this.#channels[row.channel];
    const log = this.#logger.child({ message_id: row.id, channel: row.channel, attempt: row.attempts });
    if (!client) return this.#deliverToOutbox(row, token);
    const message: OutgoingMessage = {
      id: row.id,
      orgId: row.org_id,
      channel: row.channel,
      to: row.recipient,
      subject: row.subject,
      body: row.body,
    };
    let failure: DeliveryError;
    try {
      const delivery = await withTimeout(
        (signal) => client.send(message, signal),
        this.#policy.attemptTimeoutMs,
        client.provider,
      );
      const at = this.#clock.now();
      // The provider has it: failing to record that now would send it again after the lease, so the write is
      // retried through a passing database hiccup.
      const kept = await withRetry(
        () =>
          this.#outbox.markSent(row.id, token, at, {
            provider: client.provider,
            providerMessageId: delivery.providerMessageId,
          }),
        { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 2000, shouldRetry: () => true },
      );
      if (!kept) log.warn('message sent, but its claim had been taken over meanwhile');
      log.info({ event: 'message.sent', provider: client.provider }, 'message sent');
      return {
        ...row,
        status: 'SENT',
        sent_at: at,
        provider: client.provider,
        provider_message_id: delivery.providerMessageId ?? null,
        last_error: null,
      };
    } catch (error) {
      failure = asDeliveryError(error, client.provider);
    }
    const at = this.#clock.now();
    if (failure.retriable && row.attempts < this.#policy.maxAttempts) {
      const delay = retryDelay(row.attempts, this.#policy, this.#random, failure.retryAfterMs);
      const retryAt = new Date(at.getTime() + delay);
      await this.#outbox.markForRetry(row.id, token, at, retryAt, failure.message);
      log.warn(
        { event: 'message.retry', error: failure.message, retry_at: retryAt.toISOString() },
        'message not sent; will retry',
      );
      return { ...row, status: 'QUEUED', due_at: retryAt, last_error: failure.message };
    }
    const reason = failure.retriable
      ? `${failure.message} (gave up after ${row.attempts} attempts)`
      : failure.message;
    await this.#outbox.markFailed(row.id, token, at, reason, client.provider);
    log.error({ event: 'message.failed', error: reason, auth_broken: failure.authBroken }, 'message failed');
    return { ...row, status: 'FAILED', last_error: reason, provider: client.provider };
  }

  async #deliverToOutbox(row: OutboxMessageRow, token: string): Promise<OutboxMessageRow> {
    const sentAt = this.#clock.now();
    if (this.#blocks) {
      const org = await new OrganisationRepository(this.#db).findById(row.org_id);
      this.#logger.info(
        { event: 'outbox.message_sent', message_id: row.id, channel: row.channel },
        textBlock(`✉️ MESSAGE SENT (${CHANNEL_NAMES[row.channel]})`, [
          ['Message ID', row.id],
          ['Channel', row.channel],
          ['To', row.recipient],
          ...(row.subject ? ([['Subject', row.subject]] as [string, string][]) : []),
          ['Message', row.body],
          ['Status', 'SENT'],
          ['Sent At', toZonedIso(sentAt, org?.timeZone ?? 'UTC', true)],
        ]),
      );
    }
    await this.#outbox.markSent(row.id, token, sentAt, { provider: 'outbox' });
    return { ...row, status: 'SENT', sent_at: sentAt, provider: 'outbox', last_error: null };
  }
}

/** Runs `attempt` with a signal that aborts after `ms`; also gives up on a client that ignores the signal. */
async function withTimeout<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  ms: number,
  provider: string,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = asDeliveryError(new Error(`no answer in ${ms} ms`), provider);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([attempt(controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export interface StartDispatcherOptions {
  dispatcher: MessageDispatcher;
  logger: Logger;
  /** How often to look for due messages; default 1 s (a scheduled message goes out within this of its time). */
  intervalMs?: number;
}

/**
 * Runs a round every `intervalMs` (never two at once in this process); returns a stop function that waits for the
 * round and the deliveries under way. Messages left claimed by a stop are taken over after their lease.
 */
export function startMessageDispatcher(options: StartDispatcherOptions): () => Promise<void> {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const round = () => {
    running = options.dispatcher.runOnce().catch((err: unknown) => {
      options.logger.warn({ err }, 'message dispatcher: round failed; trying again next round');
    });
    return running;
  };
  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    if (stopped) return;
    void round().finally(() => {
      if (!stopped) timer = setTimeout(loop, options.intervalMs ?? 1000).unref();
    });
  };
  loop();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
    await options.dispatcher.settle();
  };
}
