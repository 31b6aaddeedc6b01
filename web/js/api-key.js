/**
 * The API key, one for every page: typed once in the header's field, kept in this browser's localStorage (so the
 * other pages and a reload use it too) and sent by web/js/api.js as `Authorization: Bearer …`. Empty means open
 * mode: no header is sent. Pages listen with `onApiKeyChange` to reload what they show.
 */
const STORAGE = 'rooman-api-key';

/** @type {Set<(key: string) => void>} */
const listeners = new Set();

/** @returns {string} the key, or '' in open mode */
export function apiKey() {
  try {
    return localStorage.getItem(STORAGE) ?? '';
  } catch {
    return ''; // storage disabled: open mode
  }
}

/** @param {string} key an empty key forgets it */
export function saveApiKey(key) {
  const trimmed = key.trim();
  try {
    if (trimmed) localStorage.setItem(STORAGE, trimmed);
    else localStorage.removeItem(STORAGE);
  } catch {
    // storage disabled: the key cannot be kept
  }
  markApiKey(null);
  for (const listener of listeners) listener(trimmed);
}

/** @param {(key: string) => void} listener called after the key changed (here or in another tab) */
export function onApiKeyChange(listener) {
  listeners.add(listener);
}

/**
 * Shows on the header's field whether the server took the key: `rejected` marks it invalid (a 401), `null` clears
 * the mark.
 * @param {'rejected' | null} state
 */
export function markApiKey(state) {
  const input = document.getElementById('api-key');
  if (!input) return;
  if (state === 'rejected') input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

/** Binds the header's field: shows the kept key, keeps what is typed (on change or Enter). */
export function bindApiKeyField(/** @type {HTMLInputElement} */ input) {
  // The calls and calendar pages once kept the key per tab (sessionStorage): adopt it once.
  try {
    const old = sessionStorage.getItem(STORAGE);
    if (old !== null) {
      sessionStorage.removeItem(STORAGE);
      if (!apiKey() && old.trim()) localStorage.setItem(STORAGE, old.trim());
    }
  } catch {
    // storage disabled
  }
  input.value = apiKey();
  input.addEventListener('change', () => {
    if (input.value.trim() !== apiKey()) saveApiKey(input.value);
  });
  // Another tab saved a key: this page follows.
  window.addEventListener('storage', (event) => {
    if (event.key !== STORAGE) return;
    input.value = apiKey();
    markApiKey(null);
    for (const listener of listeners) listener(input.value);
  });
}
