/**
 * Every page's one way to the server: sends the API key (web/js/api-key.js), sends JSON or CSV, and turns the
 * server's error body `{ error: { type, details, field, issues } }` into an ApiError whose message a person can read
 * (a 401 says to enter the key in the header, and marks the key field).
 */
import { apiKey, markApiKey } from './api-key.js';
import { clearAuthNotice } from './notice.js';

export class ApiError extends Error {
  /**
   * @param {string} message readable, ready to show
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {{ type?: string, details?: string, field?: string, issues?: { field: string, message: string }[] }} [error]
   */
  constructor(message, status, error = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.type = error.type ?? (status === 0 ? 'NETWORK_ERROR' : 'HTTP_ERROR');
    this.field = error.field;
    /** The server refused the API key (or wants one): the header's field is the fix. */
    this.keyRefused = refusesKey(status, error);
    /** The fields at fault, each with why (a form shows them by their inputs). */
    this.issues =
      error.issues ??
      (error.field && !refusesKey(status, error)
        ? [{ field: error.field, message: error.details ?? message }]
        : []);
  }
}

const TIMEOUT_MS = 15000;

/**
 * A 401 about the request's own key (the organisation resolver names `Authorization`); a 401 about something else
 * (a Google grant that was revoked, field `google`) is not the key field's business.
 * @param {number} status
 * @param {any} error
 */
function refusesKey(status, error) {
  return status === 401 && (!error?.field || error.field === 'Authorization' || error.field === 'key');
}

/**
 * @param {number} status
 * @param {any} error the body's `error`, when there is one
 */
function readable(status, error) {
  const details = typeof error?.details === 'string' ? error.details : undefined;
  if (refusesKey(status, error))
    return `${(details ?? 'This server needs an API key').replace(/\.$/, '')}. Enter the API key above.`;
  if (!details) return `The server answered ${status}.`;
  const issues = Array.isArray(error.issues) ? error.issues : [];
  // A validation error names each field at fault; the details alone may only say "invalid request".
  const named = issues
    .filter((/** @type {any} */ i) => i?.field && !details.includes(i.message))
    .map((/** @type {any} */ i) => `${i.field}: ${i.message}`);
  if (named.length) return `${details} (${named.join('; ')})`;
  return error.field && !issues.length && !details.includes(error.field)
    ? `${details} (${error.field})`
    : details;
}

/**
 * @param {string} path
 * @param {{ method?: string, body?: unknown, csv?: string, signal?: AbortSignal }} [init] `body` is sent as JSON
 *   (a POST unless `method` says otherwise), `csv` as text/csv
 * @returns {Promise<any>} the parsed JSON body (null when empty)
 */
export async function api(path, init = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  const key = apiKey();
  if (key) headers.authorization = `Bearer ${key}`;
  /** @type {string | undefined} */
  let body;
  if (init.csv !== undefined) {
    headers['content-type'] = 'text/csv';
    body = init.csv;
  } else if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  let response;
  try {
    response = await fetch(path, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      signal: init.signal ?? AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'is unreachable';
    throw new ApiError(`The server ${reason}. Is Rooman running?`, 0);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = json && typeof json === 'object' ? json.error : undefined;
    const failure = new ApiError(readable(response.status, error), response.status, error ?? {});
    if (failure.keyRefused) markApiKey('rejected');
    throw failure;
  }
  markApiKey(null);
  clearAuthNotice();
  return json;
}
