/**
 * The page's only way to the server: the bot API (`POST /bot/handle`) and the CRM API (`GET /crm/leads`).
 * Errors come back as `{ error: { type, details } }`; they are thrown as ApiError so callers can show `details`.
 */

export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {string} type the error type from the body, e.g. VALIDATION_ERROR
   */
  constructor(message, status, type) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.type = type;
  }
}

const TIMEOUT_MS = 15000;

/** @param {string} path @param {RequestInit} [init] */
async function requestJson(path, init = {}) {
  let response;
  try {
    response = await fetch(path, {
      ...init,
      headers: { accept: 'application/json', ...(init.headers ?? {}) },
      signal: init.signal ?? AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'is unreachable';
    throw new ApiError(`The server ${reason}. Is Rooman running?`, 0, 'NETWORK_ERROR');
  }
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const error = body && typeof body === 'object' ? body.error : undefined;
    throw new ApiError(
      error?.details ?? `The server answered ${response.status} ${response.statusText}`,
      response.status,
      error?.type ?? 'HTTP_ERROR',
    );
  }
  return body;
}

/**
 * Sends one turn to the bot.
 * @param {string} transcript what the person typed
 * @param {string | undefined} sessionId the conversation to continue; omitted for a new one
 * @returns {Promise<import('./types.js').BotResponse>}
 */
export function sendTurn(transcript, sessionId) {
  const body = sessionId ? { transcript, session_id: sessionId } : { transcript };
  return requestJson('/bot/handle', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/**
 * The most recent leads, newest first.
 * @param {number} [limit]
 * @returns {Promise<import('./types.js').Lead[]>}
 */
export async function listRecentLeads(limit = 20) {
  const body = await requestJson(`/crm/leads?limit=${encodeURIComponent(String(limit))}`);
  // The API answers a page `{ leads, total, limit, offset }`; a bare array is accepted too (the seed's mock CRM).
  const leads = Array.isArray(body) ? body : Array.isArray(body?.leads) ? body.leads : [];
  return [...leads].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
}
