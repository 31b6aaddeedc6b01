/**
 * The conversation id: the bot keeps a conversation's state (a half-filled lead, a pending yes/no) per session_id.
 * Kept in sessionStorage so a reload continues the conversation but a new tab starts its own.
 */
const KEY = 'rooman.session_id';

/** @returns {string | undefined} */
export function currentSessionId() {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined; // storage disabled: every turn starts afresh, which still works
  }
}

/** @param {string} id */
export function rememberSessionId(id) {
  try {
    sessionStorage.setItem(KEY, id);
  } catch {
    // storage disabled; see above
  }
}

export function forgetSessionId() {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // storage disabled; see above
  }
}
