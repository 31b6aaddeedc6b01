/**
 * The shared part of the fake messaging providers (Telegram, WhatsApp, Slack, Gmail): a real HTTP server on
 * 127.0.0.1 that records every request, answers through the provider's own handler, and can be told to misbehave
 * for the next requests: answer a status with a body, hang (hold the request, deliver nothing), or reset the
 * connection. A hung or failed request delivers nothing, as a provider that never got to it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedApiRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Parsed JSON or form body. */
  body: unknown;
}

export type ApiFault =
  | { kind: 'status'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'reset' };

export interface ApiAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type ApiHandler = (request: RecordedApiRequest) => ApiAnswer;

export class FakeApiServer {
  readonly requests: RecordedApiRequest[] = [];
  readonly #server: Server;
  readonly #faults: ApiFault[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #handler: ApiHandler;
  #url = '';

  constructor(handler: ApiHandler) {
    this.#handler = handler;
    this.#server = createServer((req, res) => void this.#serve(req, res));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  get url(): string {
    return this.#url;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** The next requests meet these faults, one each, in order. */
  fail(...faults: ApiFault[]): void {
    this.#faults.push(...faults);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const type = req.headers['content-type'] ?? '';
    let body: unknown = text;
    if (type.startsWith('application/json')) body = text ? JSON.parse(text) : undefined;
    else if (type.startsWith('application/x-www-form-urlencoded'))
      body = Object.fromEntries(new URLSearchParams(text));
    const request = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body };
    this.requests.push(request);
    const fault = this.#faults.shift();
    if (fault?.kind === 'hang') return; // held until the client gives up or the server closes
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    const answer = fault ?? this.#handler(request);
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body));
  }
}

/** The bearer token of a request, if any. */
export const bearer = (request: RecordedApiRequest): string | undefined =>
  /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];

/** A parsed RFC 822 message: headers by lower-case name (unfolded, encoded words decoded) and the decoded text. */
export interface ParsedMail {
  headers: Record<string, string>;
  text: string;
}

/** Enough of RFC 822/2047 to read what nodemailer writes for a text message. */
export function parseRfc822(raw: string): ParsedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const bodyText = raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  let text = bodyText;
  if (encoding === 'quoted-printable') text = decodeQuotedPrintable(bodyText);
  else if (encoding === 'base64') text = Buffer.from(bodyText.replace(/\s+/g, ''), 'base64').toString('utf8');
  return { headers, text: text.replace(/\r\n$/, '').replace(/\r\n/g, '\n') };
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => `%${hex}`)
    .replace(/%(?![0-9A-F]{2})/gi, '%25');
  return decodeURIComponent(bytes);
}

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BQ])\?([^?]*)\?=/gi, (_, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}
