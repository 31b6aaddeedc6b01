/**
 * The port every real message channel implements: take one message, hand it to the provider, say what the provider
 * called it. Failures are DeliveryErrors that say whether another attempt may succeed (a timeout, a 5xx, a 429) or
 * not (a recipient the provider refuses), and whether the account's connection itself is broken (a revoked token),
 * so the dispatcher can retry, give up, or tell the user to reconnect.
 */
import type { Channel } from '../../core/understanding.ts';

export interface OutgoingMessage {
  /** The outbox id: stable across attempts, so providers that take an idempotency key get the same one. */
  id: string;
  orgId: string;
  channel: Channel;
  /** Already in the channel's form (E.164, lower-cased e-mail, @handle, #channel). */
  to: string;
  subject: string | null;
  body: string;
}

export interface Delivery {
  /** The provider's own id for the message (Telegram message_id, Slack ts, Twilio SID…), when it gives one. */
  providerMessageId?: string | undefined;
}

export interface ChannelClient {
  /** Stored with the message: `smtp`, `gmail`, `telegram`, `whatsapp`, `slack`, `twilio`. */
  readonly provider: string;
  /** Rejects with a DeliveryError; gives up when `signal` aborts (the dispatcher's per-attempt timeout). */
  send(message: OutgoingMessage, signal: AbortSignal): Promise<Delivery>;
}

/** The configured client of each channel; a channel without one is delivered to the built-in outbox. */
export type ChannelClients = Partial<Record<Channel, ChannelClient>>;

export interface DeliveryErrorOptions {
  retriable: boolean;
  /** The provider refused the credentials: the connection must be renewed by a person. */
  authBroken?: boolean;
  /** HTTP status (or SMTP reply code) of the provider's answer. */
  status?: number;
  /** A wait the provider asked for (Retry-After, Telegram retry_after), in ms. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class DeliveryError extends Error {
  readonly retriable: boolean;
  readonly authBroken: boolean;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: DeliveryErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeliveryError';
    this.retriable = options.retriable;
    this.authBroken = options.authBroken ?? false;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Anything thrown while sending, as a DeliveryError: unknown errors (a socket reset, a bug) count as retriable. */
export function asDeliveryError(error: unknown, provider: string): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DeliveryError(`${provider}: ${message}`, { retriable: true, cause: error });
}
