/**
 * The phone-calls page: places calls (now or at a time), starts campaigns from a CSV file, shows a campaign's
 * progress (counts and a chart of the states over time, polled every 2 s) with pause/resume/cancel, and lists live
 * calls with their transcript so far, to hang up or transfer. Everything goes through /api/calls and /api/campaigns;
 * the API key is the header's (web/js/api-key.js), sent by web/js/api.js.
 */
import './header.js';
import { api } from './api.js';
import { onApiKeyChange } from './api-key.js';
import { notify, notifyError } from './notice.js';

const POLL_MS = 2000;
const STATES = ['done', 'failed', 'dialing', 'pending', 'cancelled'];
const MAX_SAMPLES = 120;

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
// ---- place a call ----

$('place-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
  /** @type {Record<string, unknown>} */
  const body = { to: String(form.get('to')) };
  if (form.get('agent')) body.agent = String(form.get('agent'));
  try {
    if (form.get('context')) body.context = JSON.parse(String(form.get('context')));
    if (form.get('at')) body.at = new Date(String(form.get('at'))).toISOString();
    const result = await api('/api/calls', { body });
    notify(
      result.scheduled
        ? `Scheduled for ${new Date(result.scheduled.due_at).toLocaleString()}`
        : `Calling ${result.to}…`,
    );
    void refreshLive();
  } catch (error) {
    notifyError(error);
  }
});

// ---- campaigns ----

$('campaign-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
  const file = /** @type {File} */ (form.get('file'));
  const query = new URLSearchParams();
  for (const name of ['name', 'concurrency', 'max_attempts'])
    if (form.get(name)) query.set(name, String(form.get(name)));
  query.set('window', `${form.get('start')}-${form.get('end')}`);
  try {
    const campaign = await api(`/api/campaigns?${query}`, { csv: await file.text() });
    notify(`Campaign "${campaign.name}" started with ${campaign.total} numbers`);
    selected = campaign.id;
    samples = [];
    await refreshCampaigns();
  } catch (error) {
    notifyError(error);
  }
});

/** @type {string | null} */
let selected = null;
/** @type {Record<string, number>[]} */
let samples = [];

async function refreshCampaigns() {
  const { campaigns } = await api('/api/campaigns?limit=20');
  const list = $('campaigns');
  list.replaceChildren(
    ...campaigns.map((/** @type {any} */ c) => {
      const item = document.createElement('li');
      const open = document.createElement('button');
      open.type = 'button';
      open.className = 'secondary';
      open.textContent = c.name;
      open.addEventListener('click', () => {
        selected = c.id;
        samples = [];
        void refreshCampaigns();
      });
      const bar = document.createElement('progress');
      bar.max = c.total;
      bar.value = c.counts.done + c.counts.failed + c.counts.cancelled;
      const status = document.createElement('span');
      status.textContent = `${c.status} · ${bar.value}/${c.total}`;
      item.append(open, bar, status);
      return item;
    }),
  );
  if (!selected) return;
  const campaign =
    campaigns.find((/** @type {any} */ c) => c.id === selected) ?? (await api(`/api/campaigns/${selected}`));
  showCampaign(campaign);
}

/** @param {any} campaign */
function showCampaign(campaign) {
  $('campaign-detail').hidden = false;
  $('campaign-name').textContent = `${campaign.name} (${campaign.status})`;
  const counts = $('campaign-counts');
  counts.replaceChildren(
    ...[...STATES, 'attempts'].map((state) => {
      const box = document.createElement('div');
      const dt = document.createElement('dt');
      dt.textContent = state;
      const dd = document.createElement('dd');
      dd.textContent = String(state === 'attempts' ? campaign.attempts : campaign.counts[state]);
      box.append(dt, dd);
      return box;
    }),
  );
  samples.push(campaign.counts);
  if (samples.length > MAX_SAMPLES) samples.shift();
  drawChart(samples, campaign.total);
}

const SVG = 'http://www.w3.org/2000/svg';

/** Stacked bars, one per sample, oldest on the left: how the rows moved from pending to done or failed. */
function drawChart(/** @type {Record<string, number>[]} */ series, /** @type {number} */ total) {
  const chart = $('campaign-chart');
  const width = 600 / MAX_SAMPLES;
  const bars = [];
  series.forEach((counts, i) => {
    let y = 160;
    for (const state of STATES) {
      const h = total > 0 ? (counts[state] / total) * 160 : 0;
      if (h <= 0) continue;
      y -= h;
      const rect = document.createElementNS(SVG, 'rect');
      rect.setAttribute('x', String(i * width));
      rect.setAttribute('y', String(y));
      rect.setAttribute('width', String(Math.max(width - 1, 1)));
      rect.setAttribute('height', String(h));
      rect.setAttribute('class', state);
      bars.push(rect);
    }
  });
  chart.replaceChildren(...bars);
}

for (const button of document.querySelectorAll('#campaign-detail [data-action]')) {
  button.addEventListener('click', async () => {
    if (!selected) return;
    try {
      showCampaign(
        await api(`/api/campaigns/${selected}/${/** @type {HTMLElement} */ (button).dataset.action}`, {
          method: 'POST',
        }),
      );
    } catch (error) {
      notifyError(error);
    }
  });
}

// ---- live calls ----

async function refreshLive() {
  const { calls } = await api('/api/calls?live=true');
  $('live-empty').hidden = calls.length > 0;
  $('live').replaceChildren(
    ...calls.map((/** @type {any} */ call) => {
      const item = document.createElement('li');
      const head = document.createElement('div');
      head.className = 'head';
      const who = document.createElement('strong');
      who.textContent = `${call.direction === 'inbound' ? call.from : call.to}`;
      const state = document.createElement('span');
      state.textContent = `${call.status} · agent ${call.agent}`;
      const hangup = document.createElement('button');
      hangup.type = 'button';
      hangup.className = 'secondary danger';
      hangup.textContent = 'Hang up';
      hangup.addEventListener('click', () => manage(`/api/calls/${call.id}/hangup`, {}));
      const transfer = document.createElement('button');
      transfer.type = 'button';
      transfer.className = 'secondary';
      transfer.textContent = 'Transfer';
      transfer.addEventListener('click', () => {
        const to = prompt("Transfer to which number? (empty: the agent's transfer number)") ?? undefined;
        if (to !== undefined) void manage(`/api/calls/${call.id}/transfer`, to ? { to } : {});
      });
      head.append(who, state, hangup, transfer);
      const tail = document.createElement('p');
      tail.className = 'transcript-tail';
      tail.textContent = call.transcript
        .slice(-3)
        .map((/** @type {any} */ e) => `${e.role === 'user' ? 'Caller' : 'Agent'}: ${e.text}`)
        .join(' · ');
      item.append(head, tail);
      return item;
    }),
  );
}

/** @param {string} path @param {unknown} body */
async function manage(path, body) {
  try {
    await api(path, { body });
    await refreshLive();
  } catch (error) {
    notifyError(error);
  }
}

async function refresh() {
  try {
    await Promise.all([refreshCampaigns(), refreshLive()]);
  } catch (error) {
    notifyError(error);
  }
}

async function poll() {
  await refresh();
  setTimeout(poll, POLL_MS);
}
onApiKeyChange(() => void refresh());
void poll();
