/**
 * Slack Web API: `POST {base}/api/chat.postMessage` with a bot token. Slack answers HTTP 200 with `ok: false` and an
 * error code for most failures, so the code decides: token problems break the connection, `ratelimited` and
 * internal errors are retried, anything else (`channel_not_found`, `not_in_channel`…) is a refusal.
 */
import { type ChannelClient, type Delivery, DeliveryError, type OutgoingMessage } from './channel.ts';
import { httpFailure, postApi, retryAfterMs } from './http-api.ts';

export const SLACK_API_BASE_URL = 'https://slack.com';

export interface SlackOptions {
  botToken: string;
  /** Override of https://slack.com (tests point it at a fake). */
  apiBaseUrl?: string | undefined;
}

interface SlackAnswer {
  ok?: boolean;
  error?: string;
  ts?: string;
  channel?: string;
}

const AUTH_ERRORS = new Set([
  'not_authed',
  'invalid_auth',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'no_permission',
  'missing_scope',
]);
const TRANSIENT_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

export class SlackClient implements ChannelClient {
  readonly provider = 'slack';
  readonly #url: string;
  readonly #token: string;

  constructor(options: SlackOptions) {
    const base = (options.apiBaseUrl ?? SLACK_API_BASE_URL).replace(/\/+$/, '');
    this.#url = `${base}/api/chat.postMessage`;
    this.#token = options.botToken;
  }

  async send(message: OutgoingMessage, signal: AbortSignal): Promise<Delivery> {
    const text = message.subject ? `*${message.subject}*\n${message.body}` : message.body;
    const answer = await postApi({
      provider: 'Slack',
      url: this.#url,
      headers: { authorization: `Bearer ${this.#token}` },
      json: { channel: message.to, text, unfurl_links: false },
      signal,
    });
    const body = (typeof answer.body === 'object' && answer.body ? answer.body : {}) as SlackAnswer;
    if (answer.status === 200 && body.ok === true) return { providerMessageId: body.ts };
    if (answer.status !== 200 || body.error === undefined) throw httpFailure('Slack', answer, body.error);
    if (AUTH_ERRORS.has(body.error)) {
      throw new DeliveryError(`Slack refused the bot token: ${body.error}`, {
        retriable: false,
        authBroken: true,
      });
    }
    if (TRANSIENT_ERRORS.has(body.error)) {
      throw new DeliveryError(`Slack: ${body.error}`, {
        retriable: true,
        retryAfterMs: retryAfterMs(answer.headers),
      });
    }
    throw new DeliveryError(`Slack refused the message: ${body.error}`, { retriable: false });
  }
}
