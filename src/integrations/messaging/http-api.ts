/**
 * One HTTP call to a provider's API, its failures sorted the same way for every channel: no answer (network error,
 * the attempt's timeout) and 5xx / 429 may succeed later; 401 / 403 mean the credentials are bad; any other 4xx is a
 * refusal that will not change. The JSON body is returned whatever the status, for the provider's own error text.
 */
import { DeliveryError } from './channel.ts';

export interface ApiRequest {
  provider: string;
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON, or as a form when `form` is set. */
  json?: unknown;
  form?: Record<string, string>;
  signal: AbortSignal;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** Seconds (or an HTTP date) in Retry-After, as ms. */
export function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** POSTs and reads the answer; throws a DeliveryError only when no answer came. */
export async function postApi(request: ApiRequest): Promise<ApiAnswer> {
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  let body: string;
  if (request.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(request.form).toString();
  } else {
    headers['content-type'] = 'application/json; charset=utf-8';
    body = JSON.stringify(request.json ?? {});
  }
  let response: Response;
  try {
    response = await fetch(request.url, { method: 'POST', headers, body, signal: request.signal });
  } catch (error) {
    const timedOut = request.signal.aborted;
    throw new DeliveryError(
      timedOut
        ? `${request.provider}: no answer in time`
        : `${request.provider}: could not reach the API (${(error as Error).message})`,
      { retriable: true, cause: error },
    );
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new DeliveryError(`${request.provider}: the answer was cut off`, { retriable: true, cause: error });
  }
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a proxy's HTML error page): kept as text for the error message.
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** The DeliveryError for a non-2xx answer, worded with the provider's own description when it gave one. */
export function httpFailure(
  provider: string,
  answer: ApiAnswer,
  description: string | undefined,
): DeliveryError {
  const { status } = answer;
  const said = description ? `: ${description}` : '';
  if (status === 401 || status === 403) {
    return new DeliveryError(`${provider} refused the credentials (HTTP ${status})${said}`, {
      retriable: false,
      authBroken: true,
      status,
    });
  }
  if (status === 429 || status >= 500) {
    return new DeliveryError(`${provider} answered HTTP ${status}${said}`, {
      retriable: true,
      status,
      retryAfterMs: retryAfterMs(answer.headers),
    });
  }
  return new DeliveryError(`${provider} refused the message (HTTP ${status})${said}`, {
    retriable: false,
    status,
  });
}
