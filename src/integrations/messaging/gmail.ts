/**
 * Gmail API: `POST {base}/gmail/v1/users/me/messages/send` with `{raw}`, the RFC 822 message in base64url, sent as
 * the Google account the organisation connected. The access token comes from a provider (Google OAuth keeps and
 * refreshes it); a 401 means the grant was revoked or expired beyond refresh, so the connection is marked broken and
 * the error tells the user how to reconnect.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import { type ChannelClient, type Delivery, DeliveryError, type OutgoingMessage } from './channel.ts';
import { httpFailure, postApi } from './http-api.ts';
import { messageIdFor } from './smtp.ts';

export const GMAIL_API_BASE_URL = 'https://gmail.googleapis.com';

export interface GmailOptions {
  /** A valid access token for the organisation's connected Google account (refreshed by the caller). */
  accessToken: (orgId: string) => Promise<string>;
  /** Told when Google refuses the token, so the connection shows as broken. */
  markBroken?: (orgId: string, reason: string) => Promise<void>;
  /** What a person should do, e.g. "reconnect Google on the web page (Connect Google)". */
  reconnectHint?: string;
  /** The From header; default: the connected account (Gmail fills it in). */
  from?: string | undefined;
  /** Override of https://gmail.googleapis.com (tests point it at a fake). */
  apiBaseUrl?: string | undefined;
}

interface GoogleAnswer {
  id?: string;
  error?: { code?: number; message?: string; status?: string };
}

/** The message as RFC 822 text. */
export async function buildRfc822(message: OutgoingMessage, from: string | undefined): Promise<Buffer> {
  const composer = new MailComposer({
    ...(from ? { from } : {}),
    to: message.to,
    subject: message.subject ?? '',
    text: message.body,
    messageId: messageIdFor(message.id, from ?? 'rooman@gmail.com'),
  });
  return composer.compile().build();
}

export class GmailClient implements ChannelClient {
  readonly provider = 'gmail';
  readonly #options: GmailOptions;
  readonly #url: string;

  constructor(options: GmailOptions) {
    this.#options = options;
    const base = (options.apiBaseUrl ?? GMAIL_API_BASE_URL).replace(/\/+$/, '');
    this.#url = `${base}/gmail/v1/users/me/messages/send`;
  }

  async send(message: OutgoingMessage, signal: AbortSignal): Promise<Delivery> {
    const hint = this.#options.reconnectHint ?? 'reconnect the Google account';
    let token: string;
    try {
      token = await this.#options.accessToken(message.orgId);
    } catch (error) {
      if (error instanceof DeliveryError) throw error;
      throw new DeliveryError(`Gmail: no access token (${(error as Error).message}); ${hint}`, {
        retriable: false,
        authBroken: true,
        cause: error,
      });
    }
    const raw = (await buildRfc822(message, this.#options.from)).toString('base64url');
    const answer = await postApi({
      provider: 'Gmail',
      url: this.#url,
      headers: { authorization: `Bearer ${token}` },
      json: { raw },
      signal,
    });
    const body = (typeof answer.body === 'object' && answer.body ? answer.body : {}) as GoogleAnswer;
    if (answer.status >= 200 && answer.status < 300 && body.id) return { providerMessageId: body.id };
    if (answer.status === 401) {
      const reason = `Google refused the access token (${body.error?.message ?? 'HTTP 401'})`;
      await this.#options.markBroken?.(message.orgId, reason);
      throw new DeliveryError(`Gmail connection is broken: ${reason}; ${hint}`, {
        retriable: false,
        authBroken: true,
        status: 401,
      });
    }
    throw httpFailure('Gmail', answer, body.error?.message);
  }
}
