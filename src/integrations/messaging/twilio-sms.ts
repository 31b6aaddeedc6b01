/**
 * SMS through Twilio's Messages API with the official SDK (src/integrations/twilio/client.ts, whose base URL tests
 * point at a fake). Twilio's own failure description decides: no answer, 429 and 5xx are retried; 401 is the
 * account's credentials; any other 4xx (21211 invalid number, 21610 unsubscribed) is a refusal.
 */
import { describeTwilioFailure, type TwilioClient } from '../twilio/client.ts';
import { type ChannelClient, type Delivery, DeliveryError, type OutgoingMessage } from './channel.ts';

/** Where Twilio posts delivery reports, under the public URL. */
export const SMS_STATUS_PATH = '/twilio/sms/status';

/** Twilio refuses longer bodies (error 21617). */
export const SMS_MAX_LENGTH = 1600;

export interface TwilioSmsOptions {
  client: TwilioClient;
  /** The sending number (E.164) or a Messaging Service SID (MG…). */
  from: string;
  /**
   * Where Twilio reports delivery (`…/twilio/sms/status`, public); the outbox id is added as `?message=`, so a report
   * that arrives before the SID is stored still finds its message.
   */
  statusCallbackUrl?: string | undefined;
}

export class TwilioSmsClient implements ChannelClient {
  readonly provider = 'twilio';
  readonly #client: TwilioClient;
  readonly #from: string;
  readonly #statusCallbackUrl: string | undefined;

  constructor(options: TwilioSmsOptions) {
    this.#client = options.client;
    this.#from = options.from;
    this.#statusCallbackUrl = options.statusCallbackUrl;
  }

  async send(message: OutgoingMessage, signal: AbortSignal): Promise<Delivery> {
    signal.throwIfAborted();
    const sender = this.#from.startsWith('MG') ? { messagingServiceSid: this.#from } : { from: this.#from };
    const body = message.subject ? `${message.subject}: ${message.body}` : message.body;
    try {
      const statusCallback = this.#statusCallbackUrl
        ? `${this.#statusCallbackUrl}?message=${encodeURIComponent(message.id)}`
        : undefined;
      const sent = await this.#client.messages.create({
        to: message.to,
        body,
        ...sender,
        ...(statusCallback ? { statusCallback } : {}),
      });
      return { providerMessageId: sent.sid };
    } catch (error) {
      const failure = describeTwilioFailure(error);
      const what = failure.code
        ? `Twilio error ${failure.code}: ${failure.message}`
        : `Twilio: ${failure.message}`;
      throw new DeliveryError(what, {
        retriable: failure.retriable,
        authBroken: failure.status === 401,
        ...(failure.status !== undefined ? { status: failure.status } : {}),
        cause: error,
      });
    }
  }
}
