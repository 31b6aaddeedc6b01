/**
 * The calendar page: the Google connection's status (connected, broken with the reason, or not connected) with
 * the connect / reconnect link, a sync button, and the iCalendar subscribe links (make, list, revoke). Everything
 * goes through /api/google/* and /api/calendar/feeds with web/js/api.js (the header's API key).
 */
import './header.js';
import { api } from './api.js';
import { apiKey, onApiKeyChange } from './api-key.js';
import { notify, notifyError } from './notice.js';

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

const STATUS_WORDS = { CONNECTED: 'connected', BROKEN: 'broken: reconnect', NOT_CONNECTED: 'not connected' };

async function refresh() {
  try {
    const status = await api('/api/google/status');
    const connect = /** @type {HTMLAnchorElement} */ ($('google-connect'));
    if (!status.configured) {
      $('google-status').textContent = 'not configured (set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET)';
      connect.hidden = true;
    } else {
      $('google-status').textContent = STATUS_WORDS[/** @type {keyof typeof STATUS_WORDS} */ (status.status)];
      $('google-account').textContent = status.account ? `(${status.account})` : '';
      connect.hidden = false;
      connect.textContent = status.status === 'NOT_CONNECTED' ? 'Connect Google' : 'Reconnect Google';
      const problem = $('google-problem');
      problem.hidden = !status.broken_reason;
      problem.textContent = status.broken_reason ? `Why: ${status.broken_reason}` : '';
      $('google-synced').textContent = status.last_sync_error
        ? `Last sync failed: ${status.last_sync_error}`
        : status.last_synced_at
          ? `Last synced ${new Date(status.last_synced_at).toLocaleString()}`
          : '';
      $('google-sync').hidden = !status.connected;
      $('google-disconnect').hidden = status.status === 'NOT_CONNECTED';
    }
    const { feeds } = await api('/api/calendar/feeds');
    const list = $('feeds');
    list.replaceChildren(
      ...feeds
        .filter((/** @type {{revoked_at: string|null}} */ f) => !f.revoked_at)
        .map((/** @type {{feed_id: string, user: string|null, created_at: string}} */ f) => {
          const item = document.createElement('li');
          item.textContent = `${f.user ?? 'everyone'} · made ${new Date(f.created_at).toLocaleString()} `;
          const revoke = document.createElement('button');
          revoke.type = 'button';
          revoke.className = 'secondary danger';
          revoke.textContent = 'Revoke';
          revoke.addEventListener('click', async () => {
            await api(`/api/calendar/feeds/${f.feed_id}`, { method: 'DELETE' });
            notify('Link revoked.');
            await refresh();
          });
          item.append(revoke);
          return item;
        }),
    );
  } catch (error) {
    notifyError(error);
  }
}

// With an API key the start URL is fetched (a link cannot send the key), then followed.
$('google-connect').addEventListener('click', async (event) => {
  if (!apiKey()) return;
  event.preventDefault();
  try {
    const { url } = await api('/oauth/google/start?format=json');
    window.location.assign(url);
  } catch (error) {
    notifyError(error);
  }
});
$('google-sync').addEventListener('click', async () => {
  try {
    const result = await api('/api/google/sync', { method: 'POST' });
    notify(`Synced: ${result.pushed} sent to Google, ${result.pulled} taken from it.`);
  } catch (error) {
    notifyError(error);
  }
  await refresh();
});
$('google-disconnect').addEventListener('click', async () => {
  await api('/api/google/connection', { method: 'DELETE' }).catch(notifyError);
  await refresh();
});
$('feed-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const user = /** @type {HTMLInputElement} */ ($('feed-user')).value.trim();
  try {
    const feed = await api('/api/calendar/feeds', { body: user ? { user } : {} });
    $('feed-url').textContent = feed.url;
    notify('Subscribe link made: add it to your calendar app as a calendar "from URL".');
  } catch (error) {
    notifyError(error);
  }
  await refresh();
});

const params = new URLSearchParams(window.location.search);
if (params.get('connected')) notify('Google is connected.');
if (params.get('error')) notify(`Google was not connected: ${params.get('error')}`, true);
onApiKeyChange(() => void refresh());
void refresh();
