/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 that keeps every message it accepts, with the
 * envelope and the parsed headers and text. It requires the given credentials (AUTH PLAIN/LOGIN without TLS, as on
 * loopback) and can be told to misbehave for the next messages: a temporary failure (451), a refusal (550), or
 * a hang (the DATA never answered; nothing is kept).
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { type ParsedMail, parseRfc822 } from './messaging-api-server.ts';

export interface ReceivedMail extends ParsedMail {
  envelopeFrom: string;
  envelopeTo: string[];
}

export type SmtpFault = 'tempfail' | 'reject' | 'hang';

export class FakeSmtpServer {
  readonly received: ReceivedMail[] = [];
  /** DATA commands seen, kept or not. */
  attempts = 0;
  readonly #server: SMTPServer;
  readonly #faults: SmtpFault[] = [];
  #port = 0;

  constructor(credentials: { user: string; pass: string }) {
    this.#server = new SMTPServer({
      authOptional: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 500,
      onAuth: (auth, _session, callback) => {
        if (auth.username === credentials.user && auth.password === credentials.pass)
          callback(null, { user: auth.username });
        else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onData: (stream, session, callback) => {
        this.attempts++;
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const fault = this.#faults.shift();
          if (fault === 'hang') return;
          if (fault === 'tempfail')
            return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
          if (fault === 'reject')
            return callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
          const mail = parseRfc822(Buffer.concat(chunks).toString('utf8'));
          this.received.push({
            ...mail,
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
          });
          callback();
        });
      },
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', () => resolve()));
    this.#port = (this.#server.server.address() as AddressInfo).port;
    return this;
  }

  get port(): number {
    return this.#port;
  }

  /** An SMTP_URL for this server with the given credentials. */
  url(user: string, pass: string): string {
    return `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${this.#port}`;
  }

  fail(...faults: SmtpFault[]): void {
    this.#faults.push(...faults);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
