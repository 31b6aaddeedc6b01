/**
 * The dashboard page: key numbers and charts from `GET /api/stats`, the latest calls from `GET /api/sessions`
 * (each opens its transcript from `GET /api/sessions/{id}`), refreshed every 10 s while the page is visible.
 * A keyed deployment needs an API key: the header's field (web/js/api-key.js).
 */
import { clearNotice, notifyError } from './notice.js';
import './header.js';
import { api } from './api.js';
import { onApiKeyChange } from './api-key.js';
import { barChart, lineChart } from './charts.js';

const REFRESH_MS = 10_000;
const RANGES = {
  '24h': { bucket: 'hour', spanMs: 24 * 3_600_000 },
  '7d': { bucket: 'day', spanMs: 7 * 86_400_000 },
  '30d': { bucket: 'day', spanMs: 30 * 86_400_000 },
};

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const rangeSelect = /** @type {HTMLSelectElement} */ ($('range'));
const autoRefresh = /** @type {HTMLInputElement} */ ($('auto-refresh'));

const STATUS_NAMES = {
  NEW: 'New',
  IN_PROGRESS: 'In progress',
  FOLLOW_UP: 'Follow-up',
  WON: 'Won',
  LOST: 'Lost',
  QUEUED: 'Queued',
  SENDING: 'Sending',
  SENT: 'Sent',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
};
/** @param {string} status */
const statusName = (status) => STATUS_NAMES[status] ?? status;

/** @param {number | null} ms */
function latency(ms) {
  if (ms === null || ms === undefined) return '–';
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
/** Token counts: whole below 10,000, then compact ("12.3K", "4.1M"). @param {number} n */
const tokens = (n) => (n < 10_000 ? String(Math.round(n)) : compact.format(n));

/** Bucket labels in the organisation's zone: "21 Nov" by the day, "14:00" by the hour. */
function bucketLabels(stats) {
  const options =
    stats.bucket === 'hour'
      ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
      : { day: 'numeric', month: 'short' };
  const format = new Intl.DateTimeFormat('en-GB', { ...options, timeZone: stats.time_zone });
  return stats.buckets.map((iso) => format.format(new Date(iso)));
}

/** @param {string} id @param {string} text */
function setText(id, text) {
  const element = $(id);
  if (element.textContent !== text) element.textContent = text;
}

function renderCards(stats) {
  setText('card-leads', String(stats.leads.total));
  setText('card-leads-note', `${stats.leads.by_status.WON ?? 0} won`);
  setText('card-visits', String(stats.visits.total));
  setText('card-meetings', String(stats.meetings.upcoming));
  setText('card-messages', String(stats.messages.total));
  const failed = stats.messages.by_status.FAILED ?? 0;
  setText('card-messages-note', failed ? `${failed} failed` : 'none failed');
  setText('card-calls', String(stats.sessions.total));
  setText(
    'card-calls-note',
    `${stats.phone_calls.total} phone call${stats.phone_calls.total === 1 ? '' : 's'} placed or taken`,
  );
  setText('card-p50', latency(stats.latency.p50_ms));
  setText('card-p95', latency(stats.latency.p95_ms));
  setText(
    'card-turns-note',
    `${stats.latency.measured} spoken turn${stats.latency.measured === 1 ? '' : 's'} measured`,
  );
  const usage = stats.usage;
  setText('card-tokens', tokens(usage.input_tokens + usage.output_tokens));
  setText('card-tokens-note', `${tokens(usage.input_tokens)} in · ${tokens(usage.output_tokens)} out`);
}

/** Tokens in and out per bucket (stacked), and each model's totals under the chart. */
function renderUsage(stats, labels, per, when) {
  const usage = stats.usage;
  $('tokens-chart').replaceChildren(
    barChart({
      id: 'chart-tokens',
      title: `Model tokens per ${per}, input and output`,
      description: `${usage.input_tokens} input and ${usage.output_tokens} output tokens over ${usage.calls} model calls in the range.`,
      labels,
      series: [
        { name: 'Input', values: usage.per_bucket.input_tokens },
        { name: 'Output', values: usage.per_bucket.output_tokens },
      ],
      xLabel: when,
      yLabel: 'Tokens',
      stacked: true,
      integer: true,
      format: tokens,
    }),
  );
  const models = usage.by_model.map((m) => {
    const item = document.createElement('li');
    item.textContent = `${m.provider} ${m.model}: ${tokens(m.input_tokens)} in, ${tokens(m.output_tokens)} out (${m.calls} call${m.calls === 1 ? '' : 's'})`;
    return item;
  });
  if (models.length === 0) {
    const none = document.createElement('li');
    none.textContent = 'No model calls in the range.';
    models.push(none);
  }
  $('token-models').replaceChildren(...models);
}

function renderCharts(stats) {
  const labels = bucketLabels(stats);
  const per = stats.bucket === 'hour' ? 'hour' : 'day';
  const when = stats.bucket === 'hour' ? 'Hour' : 'Day';
  $('latency-chart').replaceChildren(
    lineChart({
      id: 'chart-latency',
      title: `Reply latency per ${per} (speech end to first audio)`,
      description: `Median (p50) and 95th percentile (p95) in milliseconds for each ${per}; overall p50 ${latency(stats.latency.p50_ms)}, p95 ${latency(stats.latency.p95_ms)}.`,
      labels,
      series: [
        { name: 'p50', values: stats.latency.per_bucket.p50_ms },
        { name: 'p95', values: stats.latency.per_bucket.p95_ms },
      ],
      xLabel: when,
      yLabel: 'Milliseconds',
      wide: true,
      format: (v) => String(Math.round(v)),
    }),
  );
  renderUsage(stats, labels, per, when);
  const channels = Object.keys(stats.sessions.per_bucket).sort();
  $('calls-chart').replaceChildren(
    barChart({
      id: 'chart-calls',
      title: `Calls per ${per}, by channel`,
      description: `${stats.sessions.total} calls in the range: ${channels.map((c) => `${c} ${stats.sessions.by_channel[c]}`).join(', ') || 'none'}.`,
      labels,
      series: channels.length
        ? channels.map((c) => ({ name: c, values: stats.sessions.per_bucket[c] }))
        : [{ name: 'calls', values: labels.map(() => 0) }],
      xLabel: when,
      yLabel: 'Calls',
      stacked: true,
      integer: true,
    }),
  );
  const leadStatuses = Object.keys(stats.leads.by_status);
  $('leads-chart').replaceChildren(
    barChart({
      id: 'chart-leads-status',
      title: 'Leads by status',
      description: `${stats.leads.total} leads created in the range, by their status now.`,
      labels: leadStatuses.map(statusName),
      series: [{ name: 'Leads', values: leadStatuses.map((s) => stats.leads.by_status[s]) }],
      xLabel: 'Status',
      yLabel: 'Leads',
      integer: true,
    }),
  );
  const messageStatuses = Object.keys(stats.messages.by_status);
  $('messages-chart').replaceChildren(
    barChart({
      id: 'chart-messages-status',
      title: 'Messages by status',
      description: `${stats.messages.total} messages created in the range, by where they are now.`,
      labels: messageStatuses.map(statusName),
      series: [{ name: 'Messages', values: messageStatuses.map((s) => stats.messages.by_status[s]) }],
      xLabel: 'Status',
      yLabel: 'Messages',
      integer: true,
    }),
  );
  $('activity-chart').replaceChildren(
    lineChart({
      id: 'chart-activity',
      title: `Leads created and visits booked per ${per}`,
      description: `${stats.leads.total} leads and ${stats.visits.total} visits in the range.`,
      labels,
      series: [
        { name: 'Leads', values: stats.leads.created },
        { name: 'Visits', values: stats.visits.booked },
      ],
      xLabel: when,
      yLabel: 'Count',
      integer: true,
    }),
  );
  const sources = stats.leads.by_source.map((s) => {
    const item = document.createElement('li');
    item.textContent = `${s.source ?? 'not given'}: ${s.count}`;
    return item;
  });
  if (sources.length === 0) {
    const none = document.createElement('li');
    none.textContent = 'No leads in the range.';
    sources.push(none);
  }
  $('sources').replaceChildren(...sources);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** @param {string} start @param {string | null} end */
function duration(start, end) {
  if (!end) return 'ongoing';
  const seconds = Math.max(0, Math.round((Date.parse(end) - Date.parse(start)) / 1000));
  return seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
}

function renderSessions(page) {
  const rows = page.sessions.map((s) => {
    const row = document.createElement('tr');
    row.dataset.id = s.id;
    const cells = [
      dateTime.format(new Date(s.started_at)),
      s.channel,
      duration(s.started_at, s.ended_at),
      String(s.entries),
    ];
    for (const text of cells) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.append(cell);
    }
    const linkCell = document.createElement('td');
    const link = document.createElement('a');
    link.href = `#session=${s.id}`;
    link.className = 'transcript-link';
    link.textContent = 'Read';
    link.setAttribute('aria-label', `Read the transcript of the ${s.channel} call of ${cells[0]}`);
    linkCell.append(link);
    row.append(linkCell);
    return row;
  });
  $('sessions-body').replaceChildren(...rows);
  $('sessions-table').hidden = rows.length === 0;
  $('sessions-empty').hidden = rows.length > 0;
}

async function showTranscript() {
  const match = /^#session=([0-9a-f-]{36})$/i.exec(location.hash);
  const panel = $('transcript-panel');
  if (!match) {
    panel.hidden = true;
    return;
  }
  try {
    const session = await api(`/api/sessions/${match[1]}`);
    setText('transcript-title', `Transcript of the ${session.channel} call`);
    setText(
      'transcript-meta',
      `${dateTime.format(new Date(session.started_at))} · ${duration(session.started_at, session.ended_at)} · ${session.entries.length} entries`,
    );
    const entries = session.entries.map((e) => {
      const item = document.createElement('li');
      item.className = `entry ${e.role}`;
      const who = document.createElement('span');
      who.className = 'who';
      who.textContent =
        e.role === 'user'
          ? 'Caller'
          : e.role === 'agent'
            ? 'Rooman'
            : e.role === 'tool'
              ? `Tool ${e.tool?.name ?? ''}`
              : 'System';
      const text = document.createElement('p');
      text.textContent = e.role === 'tool' ? JSON.stringify(e.tool?.args ?? {}) : e.text;
      if (e.interrupted) text.classList.add('interrupted');
      item.append(who, text);
      return item;
    });
    $('transcript-entries').replaceChildren(...entries);
    panel.hidden = false;
  } catch (error) {
    notifyError(error);
  }
}

let loading = false;
/** A refresh asked for while one runs (a new range, a new key) runs right after it, never dropped. */
let again = false;

async function refresh() {
  if (loading) {
    again = true;
    return;
  }
  loading = true;
  const range = RANGES[rangeSelect.value] ?? RANGES['7d'];
  const to = new Date();
  const from = new Date(to.getTime() - range.spanMs);
  const query = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), bucket: range.bucket });
  try {
    const [stats, sessions] = await Promise.all([api(`/api/stats?${query}`), api('/api/sessions?limit=10')]);
    renderCards(stats);
    renderCharts(stats);
    renderSessions(sessions);
    clearNotice();
    setText('updated', `Updated ${new Date().toLocaleTimeString()} · times in ${stats.time_zone}`);
    document.body.dataset.loaded = String(Number(document.body.dataset.loaded ?? 0) + 1);
  } catch (error) {
    notifyError(error);
    setText('updated', 'Not updated.');
  } finally {
    loading = false;
    if (again) {
      again = false;
      void refresh();
    }
  }
}

$('controls').addEventListener('submit', (event) => {
  event.preventDefault();
  void refresh();
});
rangeSelect.addEventListener('change', () => void refresh());
onApiKeyChange(() => {
  void refresh();
  void showTranscript();
});
$('transcript-close').addEventListener('click', (event) => {
  event.preventDefault();
  history.replaceState(null, '', location.pathname);
  $('transcript-panel').hidden = true;
});
window.addEventListener('hashchange', () => void showTranscript());

setInterval(() => {
  if (autoRefresh.checked && !document.hidden) void refresh();
}, REFRESH_MS);

void refresh();
void showTranscript();
