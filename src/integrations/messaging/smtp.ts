/**
 * E-mail over SMTP with nodemailer, one connection per message (SMTP_URL, e.g. `smtp://user:pass@host:587` or
 * `smtps://…:465`). The Message-ID is derived from the outbox id, so every attempt of one message carries the same
 * id and a receiving system that already has it can drop a repeat. SMTP reply codes decide the retry: 4xx and lost
 * connections are temporary, 535 is bad credentials, other 5xx are refusals (an unknown mailbox).
 */
import { createTransport } from 'nodemailer';
import { type ChannelClient, type Delivery, DeliveryError, type OutgoingMessage } from './channel.ts';

export interface SmtpOptions {
  /** `smtp://` or `smtps://` URL with credentials and options in the query (`?tls.rejectUnauthorized=false`). */
  url: string;
  /** The sender, `Rooman <assistant@example.com>`. */
  from: string;
  /** Socket timeouts, ms (the dispatcher's own per-attempt timeout still applies). */
  timeoutMs?: number;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

/** `<id@domain>` with the sender's domain, as RFC 5322 wants a Message-ID to be globally unique. */
export function messageIdFor(id: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'rooman.local';
  return `<${id}@${domain}>`;
}

export class SmtpClient implements ChannelClient {
  readonly provider = 'smtp';
  readonly #options: SmtpOptions;

  constructor(options: SmtpOptions) {
    this.#options = options;
  }

  async send(message: OutgoingMessage, signal: AbortSignal): Promise<Delivery> {
    signal.throwIfAborted();
    const timeout = this.#options.timeoutMs ?? 15_000;
    const transport = createTransport(this.#options.url, {
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    } as Parameters<typeof createTransport>[1]);
    const onAbort = () => transport.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const info = await transport.sendMail({
        from: this.#options.from,
        to: message.to,
        subject: message.subject ?? '',
        text: message.body,
        messageId: messageIdFor(message.id, this.#options.from),
      });
      if (info.rejected.length > 0) {
        throw new DeliveryError(`SMTP server refused the recipient ${message.to}`, { retriable: false });
      }
      return { providerMessageId: info.messageId };
    } catch (error) {
      if (error instanceof DeliveryError) throw error;
      if (signal.aborted) {
        throw new DeliveryError('SMTP: no answer in time', { retriable: true, cause: error });
      }
      throw classify(error as SmtpError);
    } finally {
      signal.removeEventListener('abort', onAbort);
      transport.close();
    }
  }
}

function classify(error: SmtpError): DeliveryError {
  const code = error.responseCode;
  const said = (error.response ?? error.message).trim();
  if (code === 535 || code === 534 || code === 530 || error.code === 'EAUTH') {
    return new DeliveryError(`SMTP server refused the credentials: ${said}`, {
      retriable: false,
      authBroken: true,
      status: code,
      cause: error,
    });
  }
  if (code !== undefined && code >= 500) {
    return new DeliveryError(`SMTP server refused the message: ${said}`, {
      retriable: false,
      status: code,
      cause: error,
    });
  }
  return new DeliveryError(`SMTP: ${said}`, { retriable: true, status: code, cause: error });
}
