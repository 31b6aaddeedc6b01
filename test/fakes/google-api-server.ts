/**
 * A fake of the Google endpoints Rooman uses, as a real HTTP server on 127.0.0.1, for the official clients
 * (google-auth-library, @googleapis/calendar) to talk to:
 *
 * - OAuth 2.0: `GET /o/oauth2/v2/auth` consents at once (302 to the redirect URI with a code and the state);
 *   `POST /token` (form-encoded) exchanges a code (checking client, redirect URI and the PKCE S256 verifier) or a
 *   refresh token; a revoked refresh token or a used code answers 400 `{"error":"invalid_grant"}` as Google does.
 * - Calendar v3 on one calendar per account: `GET /calendar/v3/calendars/primary`, and `…/events` list (pages,
 *   `syncToken` → changes since, `nextSyncToken` on the last page, 410 `fullSyncRequired` for a stale token),
 *   insert, get, patch, delete (a deleted event stays, `status: "cancelled"`, for incremental sync).
 *   A request without a live access token answers 401 like Google.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGoogleEvent {
  id: string;
  status: 'confirmed' | 'cancelled';
  summary?: string;
  description?: string;
  start?: { dateTime?: string; date?: string; timeZone?: string };
  end?: { dateTime?: string; date?: string; timeZone?: string };
  recurrence?: string[];
  attendees?: { email: string }[];
  reminders?: { useDefault: boolean; overrides?: { method: string; minutes: number }[] };
  extendedProperties?: { private?: Record<string, string> };
  recurringEventId?: string;
  originalStartTime?: { dateTime?: string; timeZone?: string };
  etag: string;
  updated: string;
  /** Not sent: the change counter incremental sync works from. */
  seq: number;
}

export interface FakeGoogleRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface FakeGoogleOptions {
  clientId: string;
  clientSecret: string;
  account?: string;
  timeZone?: string;
  /** Events per list page (Google's default is 250; small here to exercise paging). */
  pageSize?: number;
  /** Access tokens live this long (seconds). */
  accessTokenSeconds?: number;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
};
const googleError = (res: ServerResponse, status: number, message: string, reason: string) =>
  json(res, status, { error: { code: status, message, errors: [{ domain: 'global', reason, message }] } });

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export class FakeGoogleApi {
  readonly options: Required<FakeGoogleOptions>;
  readonly requests: FakeGoogleRequest[] = [];
  readonly #server: Server;
  readonly #codes = new Map<
    string,
    { redirectUri: string; challenge: string | null; scope: string; used: boolean }
  >();
  readonly #refreshTokens = new Map<string, { scope: string; revoked: boolean }>();
  readonly #accessTokens = new Map<string, number>();
  readonly #events = new Map<string, FakeGoogleEvent>();
  #seq = 0;
  /** Sync tokens of an older generation are stale (410). */
  #generation = 1;
  #nextId = 1;
  baseUrl = '';

  constructor(options: FakeGoogleOptions) {
    this.options = {
      account: 'owner@example.com',
      timeZone: 'Asia/Kolkata',
      pageSize: 2,
      accessTokenSeconds: 3600,
      ...options,
    };
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => json(res, 500, { error: String(error) }));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** The user revokes Rooman's access in their Google account: refresh and access tokens stop working. */
  revokeAll(): void {
    for (const grant of this.#refreshTokens.values()) grant.revoked = true;
    this.#accessTokens.clear();
  }

  /** Access tokens expire now (the next API call needs a refresh). */
  expireAccessTokens(): void {
    this.#accessTokens.clear();
  }

  /** Every sync token issued so far becomes stale: the next incremental list answers 410. */
  invalidateSyncTokens(): void {
    this.#generation += 1;
  }

  /** Events as Google holds them (cancelled ones too). */
  events(): FakeGoogleEvent[] {
    return [...this.#events.values()].sort((a, b) => a.seq - b.seq);
  }

  /** An event the user makes in Google Calendar. */
  addEvent(
    event: Omit<FakeGoogleEvent, 'id' | 'etag' | 'updated' | 'seq' | 'status'> & { id?: string },
  ): FakeGoogleEvent {
    return this.#store({ status: 'confirmed', ...event, id: event.id ?? this.#newId() });
  }

  /** The user edits or deletes an event in Google Calendar. */
  changeEvent(id: string, changes: Partial<FakeGoogleEvent>): FakeGoogleEvent {
    const current = this.#events.get(id);
    if (!current) throw new Error(`no event ${id}`);
    return this.#store({ ...current, ...changes });
  }

  #newId(): string {
    return `ev${String(this.#nextId++).padStart(4, '0')}${randomBytes(3).toString('hex')}`;
  }

  #store(event: Omit<FakeGoogleEvent, 'etag' | 'updated' | 'seq'>): FakeGoogleEvent {
    this.#seq += 1;
    const stored = {
      ...event,
      seq: this.#seq,
      etag: `"${this.#seq}"`,
      updated: new Date().toISOString(),
    } as FakeGoogleEvent;
    this.#events.set(stored.id, stored);
    return stored;
  }

  #public(event: FakeGoogleEvent) {
    const { seq: _seq, ...rest } = event;
    return { kind: 'calendar#event', ...rest };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const text = await readBody(req);
    const type = String(req.headers['content-type'] ?? '');
    const body: unknown = type.includes('application/json')
      ? JSON.parse(text || '{}')
      : type.includes('x-www-form-urlencoded')
        ? Object.fromEntries(new URLSearchParams(text))
        : text;
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body });

    if (req.method === 'GET' && url.pathname === '/o/oauth2/v2/auth') return this.#authorize(url, res);
    if (req.method === 'POST' && url.pathname === '/token')
      return this.#token(body as Record<string, string>, res);

    const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const expires = auth ? this.#accessTokens.get(auth) : undefined;
    if (!expires || expires < Date.now()) {
      return googleError(res, 401, 'Request had invalid authentication credentials.', 'authError');
    }
    const m = /^\/calendar\/v3\/calendars\/([^/]+)(\/events(?:\/([^/]+))?)?$/.exec(url.pathname);
    if (!m) return googleError(res, 404, 'Not Found', 'notFound');
    const [, calendarId, events, eventId] = m;
    if (calendarId !== 'primary' && decodeURIComponent(calendarId!) !== this.options.account) {
      return googleError(res, 404, 'Not Found', 'notFound');
    }
    if (!events) {
      return json(res, 200, {
        kind: 'calendar#calendar',
        id: this.options.account,
        summary: this.options.account,
        timeZone: this.options.timeZone,
      });
    }
    if (!eventId && req.method === 'GET') return this.#list(url.searchParams, res);
    if (!eventId && req.method === 'POST') {
      const input = body as Partial<FakeGoogleEvent>;
      if (!input.start || !input.end) return googleError(res, 400, 'Missing time', 'required');
      const { id: _ignored, ...rest } = input;
      return json(res, 200, this.#public(this.#store({ ...rest, id: this.#newId(), status: 'confirmed' })));
    }
    const current = eventId ? this.#events.get(decodeURIComponent(eventId)) : undefined;
    if (!current) return googleError(res, 404, 'Not Found', 'notFound');
    if (req.method === 'GET') return json(res, 200, this.#public(current));
    if (req.method === 'PATCH') {
      if (current.status === 'cancelled')
        return googleError(res, 410, 'Resource has been deleted', 'deleted');
      const { id: _i, etag: _e, updated: _u, seq: _s, ...changes } = body as Partial<FakeGoogleEvent>;
      return json(res, 200, this.#public(this.#store({ ...current, ...changes })));
    }
    if (req.method === 'DELETE') {
      if (current.status === 'cancelled')
        return googleError(res, 410, 'Resource has been deleted', 'deleted');
      this.#store({ ...current, status: 'cancelled' });
      res.writeHead(204).end();
      return;
    }
    return googleError(res, 405, 'Method not allowed', 'methodNotAllowed');
  }

  #authorize(url: URL, res: ServerResponse) {
    const q = url.searchParams;
    if (q.get('client_id') !== this.options.clientId) return json(res, 400, { error: 'invalid_client' });
    if (q.get('response_type') !== 'code') return json(res, 400, { error: 'unsupported_response_type' });
    const redirectUri = q.get('redirect_uri');
    if (!redirectUri) return json(res, 400, { error: 'invalid_request' });
    const challenge = q.get('code_challenge');
    if (challenge && q.get('code_challenge_method') !== 'S256')
      return json(res, 400, { error: 'invalid_request' });
    const code = `4/${randomBytes(12).toString('base64url')}`;
    this.#codes.set(code, { redirectUri, challenge, scope: q.get('scope') ?? '', used: false });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', q.get('state') ?? '');
    back.searchParams.set('scope', q.get('scope') ?? '');
    res.writeHead(302, { location: back.toString() }).end();
  }

  #token(form: Record<string, string>, res: ServerResponse) {
    if (form.client_id !== this.options.clientId || form.client_secret !== this.options.clientSecret) {
      return json(res, 401, {
        error: 'invalid_client',
        error_description: 'The OAuth client was not found.',
      });
    }
    const access = () => {
      const token = `ya29.${randomBytes(16).toString('base64url')}`;
      this.#accessTokens.set(token, Date.now() + this.options.accessTokenSeconds * 1000);
      return token;
    };
    if (form.grant_type === 'authorization_code') {
      const grant = this.#codes.get(form.code ?? '');
      if (!grant || grant.used || grant.redirectUri !== form.redirect_uri) {
        return json(res, 400, { error: 'invalid_grant', error_description: 'Malformed auth code.' });
      }
      if (grant.challenge) {
        const expected = createHash('sha256')
          .update(form.code_verifier ?? '')
          .digest('base64url');
        if (expected !== grant.challenge) {
          return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid code verifier.' });
        }
      }
      grant.used = true;
      const refresh = `1//${randomBytes(16).toString('base64url')}`;
      this.#refreshTokens.set(refresh, { scope: grant.scope, revoked: false });
      return json(res, 200, {
        access_token: access(),
        expires_in: this.options.accessTokenSeconds,
        refresh_token: refresh,
        scope: grant.scope,
        token_type: 'Bearer',
      });
    }
    if (form.grant_type === 'refresh_token') {
      const grant = this.#refreshTokens.get(form.refresh_token ?? '');
      if (!grant || grant.revoked) {
        return json(res, 400, {
          error: 'invalid_grant',
          error_description: 'Token has been expired or revoked.',
        });
      }
      return json(res, 200, {
        access_token: access(),
        expires_in: this.options.accessTokenSeconds,
        scope: grant.scope,
        token_type: 'Bearer',
      });
    }
    return json(res, 400, { error: 'unsupported_grant_type' });
  }

  #list(q: URLSearchParams, res: ServerResponse) {
    const syncToken = q.get('syncToken');
    let since = 0;
    if (syncToken) {
      const m = /^st-(\d+)-(\d+)$/.exec(syncToken);
      since = Number(m?.[2] ?? Number.NaN);
      if (!m || Number(m[1]) !== this.#generation) {
        return googleError(
          res,
          410,
          'Sync token is no longer valid, a full sync is required.',
          'fullSyncRequired',
        );
      }
    }
    // A full sync leaves deleted events out unless asked; an incremental one always includes them.
    const showDeleted = syncToken !== null || q.get('showDeleted') === 'true';
    // timeMin (full sync only; Google refuses it with a sync token): events ending at or after it; a series always.
    const timeMin = q.get('timeMin');
    if (syncToken && timeMin) return googleError(res, 400, 'Invalid sync token with timeMin', 'invalid');
    const endsAfter = (e: FakeGoogleEvent) =>
      !timeMin ||
      Boolean(e.recurrence?.length) ||
      !e.end?.dateTime ||
      Date.parse(e.end.dateTime) >= Date.parse(timeMin);
    const all = this.events().filter(
      (e) => e.seq > since && (showDeleted || e.status !== 'cancelled') && endsAfter(e),
    );
    const offset = Number(q.get('pageToken') ?? 0);
    const size = Math.min(Number(q.get('maxResults') ?? this.options.pageSize), this.options.pageSize);
    const page = all.slice(offset, offset + size);
    const more = offset + size < all.length;
    json(res, 200, {
      kind: 'calendar#events',
      timeZone: this.options.timeZone,
      items: page.map((e) => this.#public(e)),
      ...(more
        ? { nextPageToken: String(offset + size) }
        : { nextSyncToken: `st-${this.#generation}-${this.#seq}` }),
    });
  }
}
