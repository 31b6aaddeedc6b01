/**
 * The page's notice line under the header (`#notice`, a polite live region made by web/js/header.js): a status, or
 * an error in red. A "needs an API key" error goes away by itself once a request with a key succeeds.
 */

/** @returns {HTMLElement | null} */
const noticeLine = () => document.getElementById('notice');

/** @param {string} text @param {boolean} [error] */
export function notify(text, error = false) {
  const notice = noticeLine();
  if (!notice) return;
  notice.textContent = text;
  notice.classList.toggle('error', error);
  notice.hidden = false;
  delete notice.dataset.keyRefused;
}

/** @param {unknown} error @returns {string} what to show for a caught error (an ApiError's message is readable) */
export function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

/** @param {unknown} error */
export function notifyError(error) {
  notify(messageOf(error), true);
  const notice = noticeLine();
  if (notice && /** @type {{ keyRefused?: boolean }} */ (error)?.keyRefused) notice.dataset.keyRefused = '';
}

export function clearNotice() {
  const notice = noticeLine();
  if (!notice) return;
  notice.hidden = true;
  notice.textContent = '';
  notice.classList.remove('error');
  delete notice.dataset.keyRefused;
}

/** Called after a request the server took: a 401 shown earlier is no longer true. */
export function clearAuthNotice() {
  if (noticeLine()?.dataset.keyRefused !== undefined) clearNotice();
}
