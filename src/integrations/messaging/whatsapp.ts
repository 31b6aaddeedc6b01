/**
 * WhatsApp Business Cloud API (Meta Graph API): `POST {base}/{version}/{phone-number-id}/messages` with a bearer
 * token and a text message. The recipient is the number's digits without the `+`. Errors come as
 * `{error: {message, type, code, error_subcode}}`; code 190 is an expired or revoked token.
 */
import { type ChannelClient, type Delivery, DeliveryError, type OutgoingMessage } from './channel.ts';
import { httpFailure, postApi } from './http-api.ts';

export const WHATSAPP_API_BASE_URL = 'https://graph.facebook.com';
export const WHATSAPP_API_VERSION = 'v21.0';

export interface WhatsAppOptions {
  token: string;
  phoneNumberId: string;
  /** Override of https://graph.facebook.com (tests point it at a fake). */
  apiBaseUrl?: string | undefined;
  apiVersion?: string | undefined;
}

interface GraphAnswer {
  messages?: { id?: string }[];
  error?: { message?: string; code?: number; error_subcode?: number; type?: string };
}

/** Graph error codes that are throttling, not a refusal of the message. */
const RATE_LIMIT_CODES = new Set([4, 80007, 130429, 131048, 131056]);

export class WhatsAppClient implements ChannelClient {
  readonly provider = 'whatsapp';
  readonly #url: string;
  readonly #token: string;

  constructor(options: WhatsAppOptions) {
    const base = (options.apiBaseUrl ?? WHATSAPP_API_BASE_URL).replace(/\/+$/, '');
    const version = options.apiVersion ?? WHATSAPP_API_VERSION;
    this.#url = `${base}/${version}/${encodeURIComponent(options.phoneNumberId)}/messages`;
    this.#token = options.token;
  }

  async send(message: OutgoingMessage, signal: AbortSignal): Promise<Delivery> {
    const text = message.subject ? `*${message.subject}*\n\n${message.body}` : message.body;
    const answer = await postApi({
      provider: 'WhatsApp',
      url: this.#url,
      headers: { authorization: `Bearer ${this.#token}` },
      json: {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: message.to.replace(/^\+/, ''),
        type: 'text',
        text: { preview_url: false, body: text },
      },
      signal,
    });
    const body = (typeof answer.body === 'object' && answer.body ? answer.body : {}) as GraphAnswer;
    const id = body.messages?.[0]?.id;
    if (answer.status >= 200 && answer.status < 300 && id) return { providerMessageId: id };
    const error = body.error;
    const description = error?.message ? `${error.message} (code ${error.code ?? '?'})` : undefined;
    if (error?.code === 190) {
      throw new DeliveryError(`WhatsApp token is expired or revoked: ${error.message ?? ''}`.trim(), {
        retriable: false,
        authBroken: true,
        status: answer.status,
      });
    }
    if (error?.code !== undefined && RATE_LIMIT_CODES.has(error.code)) {
      throw new DeliveryError(`WhatsApp is throttling: ${description}`, {
        retriable: true,
        status: answer.status,
      });
    }
    if (answer.status >= 200 && answer.status < 300) {
      throw new DeliveryError('WhatsApp answered without a message id', {
        retriable: true,
        status: answer.status,
      });
    }
    throw httpFailure('WhatsApp', answer, description);
  }
}
