/**
 * An organisation's Google account: the OAuth 2.0 authorization-code flow (PKCE S256, a one-use `state` kept in
 * the database), and access tokens for whoever needs one (the calendar sync, the Gmail channel) through
 * `accessToken(orgId, scope)`. Tokens are sealed with AES-256-GCM at rest. The official google-auth-library does
 * the protocol; its endpoints are overridden only to point tests at a fake.
 *
 * When Google refuses the refresh token (`invalid_grant`: the user revoked access, or the grant expired) the
 * connection is marked BROKEN with the reason, and every later request fails at once with a message that says
 * how to reconnect, instead of retrying a grant that will never work again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { CodeChallengeMethod, type Credentials, OAuth2Client } from 'google-auth-library';
import type { Kysely } from 'kysely';
import { RoomanError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { type Clock, systemClock } from '../../core/time.ts';
import { GoogleConnectionRepository, type GoogleConnectionRow } from '../../store/google-connections.ts';
import type { Schema } from '../../store/schema.ts';
import type { SecretBox } from './secret-box.ts';

/** The scopes Rooman asks for, by short name. */
export const GOOGLE_SCOPES = {
  calendar: 'https://www.googleapis.com/auth/calendar',
  'gmail.send': 'https://www.googleapis.com/auth/gmail.send',
} as const;
export type GoogleScopeName = keyof typeof GOOGLE_SCOPES;
export const isGoogleScopeName = (name: string): name is GoogleScopeName =>
  Object.hasOwn(GOOGLE_SCOPES, name);

export interface GoogleSettings {
  clientId: string;
  clientSecret: string;
  /** `{publicUrl}/oauth/google/callback`. */
  redirectUri: string;
  /** Override of Google's OAuth endpoints (tests). */
  oauthBaseUrl?: string | undefined;
  /** Override of https://www.googleapis.com (tests). */
  apiBaseUrl?: string | undefined;
}

export interface GoogleConnectionsOptions {
  db: Kysely<Schema>;
  box: SecretBox;
  settings: GoogleSettings;
  logger: Logger;
  clock?: Clock;
  /** Where a person connects or reconnects Google (the web page's Google section). */
  connectUrl: string;
}

/** A connect flow must finish within this time. */
const STATE_TTL_MS = 10 * 60_000;
/** An access token is refreshed when it has less than this left. */
const REFRESH_MARGIN_MS = 2 * 60_000;

export interface GoogleStatus {
  connected: boolean;
  status: 'NOT_CONNECTED' | 'CONNECTED' | 'BROKEN';
  account: string | null;
  scopes: string[];
  broken_reason: string | null;
  connect_url: string;
  last_synced_at: string | null;
  last_sync_error: string | null;
}

/** The OAuth client of the official library, with the endpoints moved when a base URL is given. */
export function googleOAuthClient(settings: GoogleSettings): OAuth2Client {
  const base = settings.oauthBaseUrl;
  return new OAuth2Client({
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    redirectUri: settings.redirectUri,
    ...(base
      ? {
          endpoints: {
            oauth2AuthBaseUrl: `${base}/o/oauth2/v2/auth`,
            oauth2TokenUrl: `${base}/token`,
            oauth2RevokeUrl: `${base}/revoke`,
            tokenInfoUrl: `${base}/tokeninfo`,
          },
        }
      : {}),
  });
}

const hashState = (state: string) => createHash('sha256').update(state).digest('hex');

/** Whether an error from the OAuth client is Google refusing the grant itself. */
export function isInvalidGrant(error: unknown): boolean {
  const data = (error as { response?: { data?: { error?: unknown } } })?.response?.data;
  return data?.error === 'invalid_grant' || /invalid_grant/.test(String((error as Error)?.message));
}

export class GoogleConnections {
  readonly #repo: GoogleConnectionRepository;
  readonly #box: SecretBox;
  readonly #settings: GoogleSettings;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly connectUrl: string;

  constructor(options: GoogleConnectionsOptions) {
    this.#repo = new GoogleConnectionRepository(options.db);
    this.#box = options.box;
    this.#settings = options.settings;
    this.#logger = options.logger.child({ component: 'google' });
    this.#clock = options.clock ?? systemClock;
    this.connectUrl = options.connectUrl;
  }

  get settings(): GoogleSettings {
    return this.#settings;
  }

  /** What a person should do when the connection is broken (used in error messages). */
  get reconnectHint(): string {
    return `reconnect Google at ${this.connectUrl}`;
  }

  /** Starts a connect flow for the organisation: the Google consent URL to send the person to. */
  async startUrl(orgId: string, scopes: GoogleScopeName[] = ['calendar']): Promise<string> {
    const client = googleOAuthClient(this.#settings);
    const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
    const state = randomBytes(32).toString('base64url');
    const now = this.#clock.now();
    const wanted = [...new Set(scopes)].map((s) => GOOGLE_SCOPES[s]);
    await this.#repo.saveState({
      state_hash: hashState(state),
      org_id: orgId,
      provider: 'google',
      scopes: wanted,
      code_verifier: this.#box.seal(codeVerifier),
      expires_at: new Date(now.getTime() + STATE_TTL_MS),
    });
    return client.generateAuthUrl({
      access_type: 'offline',
      // Consent every time, so Google always returns a refresh token (it gives one only on first consent).
      prompt: 'consent',
      include_granted_scopes: true,
      scope: wanted,
      state,
      code_challenge: codeChallenge!,
      code_challenge_method: CodeChallengeMethod.S256,
    });
  }

  /** Finishes a flow on the callback: checks the state, exchanges the code, stores the sealed tokens. */
  async finish(query: { state?: string; code?: string; error?: string }): Promise<{ orgId: string }> {
    if (!query.state) throw new RoomanError('VALIDATION_ERROR', 'state: missing', { field: 'state' });
    const stored = await this.#repo.takeState(hashState(query.state), this.#clock.now());
    if (!stored) {
      throw new RoomanError('VALIDATION_ERROR', 'state: unknown or expired; start connecting again', {
        field: 'state',
      });
    }
    if (query.error) {
      throw new RoomanError('VALIDATION_ERROR', `Google did not grant access (${query.error})`, {
        field: 'error',
      });
    }
    if (!query.code) throw new RoomanError('VALIDATION_ERROR', 'code: missing', { field: 'code' });
    const client = googleOAuthClient(this.#settings);
    let tokens: Credentials;
    try {
      ({ tokens } = await client.getToken({
        code: query.code,
        codeVerifier: this.#box.open(stored.code_verifier),
        redirect_uri: this.#settings.redirectUri,
      }));
    } catch (error) {
      throw new RoomanError('VALIDATION_ERROR', `Google refused the authorization code: ${describe(error)}`, {
        field: 'code',
        cause: error,
      });
    }
    if (!tokens.refresh_token) {
      throw new RoomanError('VALIDATION_ERROR', 'Google returned no refresh token; connect again', {
        field: 'code',
      });
    }
    const granted = tokens.scope ? tokens.scope.split(/\s+/).filter(Boolean) : stored.scopes;
    let account: string | null = null;
    if (tokens.access_token && granted.includes(GOOGLE_SCOPES.calendar)) {
      account = await this.#primaryCalendarId(tokens.access_token).catch(() => null);
    }
    await this.#repo.connect({
      orgId: stored.org_id,
      accountEmail: account,
      scopes: granted,
      refreshToken: this.#box.seal(tokens.refresh_token),
      accessToken: tokens.access_token ? this.#box.seal(tokens.access_token) : null,
      accessExpiresAt: tokens.expiry_date ? new Date(tokens.expiry_date) : null,
      at: this.#clock.now(),
    });
    this.#logger.info({ org_id: stored.org_id, account, scopes: granted }, 'google: connected');
    return { orgId: stored.org_id };
  }

  async #primaryCalendarId(accessToken: string): Promise<string | null> {
    const base = (this.#settings.apiBaseUrl ?? 'https://www.googleapis.com').replace(/\/+$/, '');
    const res = await fetch(`${base}/calendar/v3/calendars/primary`, {
      headers: { authorization: `Bearer ${accessToken}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) return null;
    return ((await res.json()) as { id?: string }).id ?? null;
  }

  /**
   * A valid access token for the organisation's Google account with `scope` granted (a short name or the full
   * URL). Refreshes when it is about to expire. Fails with UNAUTHORIZED (and how to reconnect) when there is no
   * connection, the scope was not granted, or Google refused the grant.
   */
  async accessToken(
    orgId: string,
    scope: GoogleScopeName | string = 'calendar',
    options: { fresh?: boolean } = {},
  ): Promise<string> {
    const wanted = isGoogleScopeName(scope) ? GOOGLE_SCOPES[scope] : scope;
    const row = await this.#repo.find(orgId);
    if (!row) throw this.#problem('Google is not connected');
    if (row.status === 'BROKEN') throw this.#problem(`The Google connection is broken: ${row.broken_reason}`);
    if (!row.scopes.includes(wanted)) throw this.#problem(`Google did not grant ${wanted}`);
    const now = this.#clock.now().getTime();
    const valid = row.access_expires_at && row.access_expires_at.getTime() - REFRESH_MARGIN_MS > now;
    if (row.access_token && valid && !options.fresh) {
      return this.#box.open(row.access_token);
    }
    return this.#refresh(row);
  }

  async #refresh(row: GoogleConnectionRow): Promise<string> {
    const client = googleOAuthClient(this.#settings);
    client.setCredentials({ refresh_token: this.#box.open(row.refresh_token) });
    try {
      const { credentials } = await client.refreshAccessToken();
      const token = credentials.access_token;
      if (!token) throw new Error('Google returned no access token');
      const expires = credentials.expiry_date ? new Date(credentials.expiry_date) : null;
      await this.#repo.saveAccessToken(row.org_id, this.#box.seal(token), expires, this.#clock.now());
      return token;
    } catch (error) {
      if (isInvalidGrant(error)) {
        const reason = `Google refused the refresh token (${describe(error)}): access was revoked or has expired`;
        await this.markBroken(row.org_id, reason);
        throw this.#problem(`The Google connection is broken: ${reason}`);
      }
      throw new RoomanError('INTERNAL_ERROR', `Google token refresh failed: ${describe(error)}`, {
        retriable: true,
        cause: error,
      });
    }
  }

  /** Marks the connection broken (Google refused its tokens); the reason is shown with the reconnect link. */
  async markBroken(orgId: string, reason: string): Promise<void> {
    await this.#repo.markBroken(orgId, reason, this.#clock.now());
    this.#logger.warn({ org_id: orgId, reason }, `google: connection broken; ${this.reconnectHint}`);
  }

  async status(orgId: string): Promise<GoogleStatus> {
    const row = await this.#repo.find(orgId);
    return {
      connected: row?.status === 'CONNECTED',
      status: row?.status ?? 'NOT_CONNECTED',
      account: row?.account_email ?? null,
      scopes: row?.scopes ?? [],
      broken_reason: row?.broken_reason ?? null,
      connect_url: this.connectUrl,
      last_synced_at: row?.last_synced_at ? row.last_synced_at.toISOString() : null,
      last_sync_error: row?.last_sync_error ?? null,
    };
  }

  async disconnect(orgId: string): Promise<boolean> {
    return this.#repo.remove(orgId);
  }

  #problem(what: string): RoomanError {
    return new RoomanError('UNAUTHORIZED', `${what}; ${this.reconnectHint}`, { field: 'google' });
  }
}

function describe(error: unknown): string {
  const data = (error as { response?: { data?: { error?: string; error_description?: string } } })?.response
    ?.data;
  if (data?.error) return data.error_description ? `${data.error}: ${data.error_description}` : data.error;
  return error instanceof Error ? error.message : String(error);
}
