/**
 * The Twilio REST client: the official SDK, with its base URL overridable so tests (and self-hosted Twilio-compatible
 * gateways) get the same requests the SDK sends to https://api.twilio.com — same paths, Basic auth, form bodies.
 * Phone calls (outbound, campaigns, hang-up, transfer) and SMS both use it.
 */
import twilio from 'twilio';
import { RoomanError } from '../../core/errors.ts';

export type TwilioClient = twilio.Twilio;

export interface TwilioClientOptions {
  accountSid: string;
  authToken: string;
  /** Replaces `https://<product>.twilio.com` (scheme, host, port, path prefix); undefined keeps Twilio's own. */
  apiBaseUrl?: string | undefined;
  /** Per-request timeout in milliseconds (default 15 s: a dialler must not hang on one slow request). */
  timeoutMs?: number;
}

/** The SDK's own HTTP client, pointed at another origin. The SDK builds every URI against *.twilio.com. */
function rebasedRequestClient(base: string, timeoutMs: number): twilio.RequestClient {
  const client = new twilio.RequestClient({ timeout: timeoutMs, keepAlive: true });
  const origin = base.replace(/\/+$/, '');
  const send = client.request.bind(client);
  client.request = ((opts: Parameters<typeof send>[0]) => {
    const uri = new URL(opts.uri);
    if (!uri.hostname.endsWith('.twilio.com')) return send(opts);
    return send({ ...opts, uri: `${origin}${uri.pathname}${uri.search}` });
  }) as typeof client.request;
  return client;
}

export function createTwilioClient(options: TwilioClientOptions): TwilioClient {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const httpClient = options.apiBaseUrl
    ? rebasedRequestClient(options.apiBaseUrl, timeoutMs)
    : new twilio.RequestClient({ timeout: timeoutMs, keepAlive: true });
  // `env: {}` so the SDK does not read TWILIO_* from process.env behind the config's back.
  return twilio(options.accountSid, options.authToken, { httpClient, env: {} });
}

/** What a failed Twilio request said, in a form that can be stored and decided on. */
export interface TwilioFailure {
  /** Twilio's error code (21211 invalid To number …), or undefined for network errors. */
  code: number | undefined;
  /** HTTP status, or undefined when no answer came. */
  status: number | undefined;
  message: string;
  /** Whether the same request may succeed later: no answer, 429 or 5xx. A 4xx about the request never will. */
  retriable: boolean;
}

/** Reads a RestException (Twilio's JSON error) or a network error thrown by the SDK. */
export function describeTwilioFailure(error: unknown): TwilioFailure {
  if (error instanceof twilio.RestException) {
    const status = error.status;
    return {
      code: error.code,
      status,
      message: error.message || `Twilio answered ${status}`,
      retriable: status === 429 || status >= 500,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: undefined, status: undefined, message: `Twilio unreachable: ${message}`, retriable: true };
}

/** The same failure as a RoomanError, for API answers. */
export function twilioError(error: unknown, field?: string): RoomanError {
  return failureError(describeTwilioFailure(error), field, error);
}

/** A described failure as a RoomanError: Twilio refusing the request (400) is the caller's input, the rest ours. */
export function failureError(failure: TwilioFailure, field?: string, cause?: unknown): RoomanError {
  const details = failure.code
    ? `Twilio error ${failure.code}: ${failure.message}`
    : `Twilio: ${failure.message}`;
  // 400 is Twilio refusing the request itself (21211 invalid To …); 401/404 are our account's problem, not the caller's.
  if (failure.status === 400)
    return new RoomanError('VALIDATION_ERROR', details, {
      upstreamStatus: failure.status,
      ...(field ? { field } : {}),
      ...(cause !== undefined ? { cause } : {}),
    });
  return new RoomanError('INTERNAL_ERROR', details, {
    retriable: failure.retriable,
    ...(failure.status !== undefined ? { upstreamStatus: failure.status } : {}),
    ...(cause !== undefined ? { cause } : {}),
  });
}
