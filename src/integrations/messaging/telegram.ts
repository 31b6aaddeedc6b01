/**
 * Telegram Bot API: `POST {base}/bot{token}/sendMessage` with `{chat_id, text}`. The answer is always
 * `{ok, result | error_code, description, parameters.retry_after}`; a 429 carries the wait Telegram asks for.
 */
import { type ChannelClient, type Delivery, DeliveryError, type OutgoingMessage } from './channel.ts';
import { httpFailure, postApi } from './http-api.ts';

export const TELEGRAM_API_BASE_URL = 'https://api.telegram.org';

export interface TelegramOptions {
  botToken: string;
  /** Override of https://api.telegram.org (tests point it at a fake). */
  apiBaseUrl?: string | undefined;
}

interface TelegramAnswer {
  ok?: boolean;
  result?: { message_id?: number; chat?: { id?: number } };
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
}

export class TelegramClient implements ChannelClient {
  readonly provider = 'telegram';
  readonly #url: string;

  constructor(options: TelegramOptions) {
    const base = (options.apiBaseUrl ?? TELEGRAM_API_BASE_URL).replace(/\/+$/, '');
    this.#url = `${base}/bot${options.botToken}/sendMessage`;
  }

  async send(message: OutgoingMessage, signal: AbortSignal): Promise<Delivery> {
    // A numeric chat id goes as a number; a @channel username as text.
    const chatId = /^-?\d+$/.test(message.to) ? Number(message.to) : message.to;
    const text = message.subject ? `${message.subject}\n\n${message.body}` : message.body;
    const answer = await postApi({
      provider: 'Telegram',
      url: this.#url,
      json: { chat_id: chatId, text },
      signal,
    });
    const body = (typeof answer.body === 'object' && answer.body ? answer.body : {}) as TelegramAnswer;
    if (answer.status >= 200 && answer.status < 300 && body.ok === true) {
      return { providerMessageId: String(body.result?.message_id ?? '') || undefined };
    }
    const failure = httpFailure('Telegram', answer, body.description);
    const wait = body.parameters?.retry_after;
    if (wait !== undefined && failure.retriable) {
      throw new DeliveryError(failure.message, {
        retriable: true,
        status: failure.status,
        retryAfterMs: wait * 1000,
      });
    }
    throw failure;
  }
}
