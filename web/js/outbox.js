/**
 * The messages page: lists the organisation's messages (`GET /api/messages`) with their delivery status, attempts
 * and last error; sends or schedules one (`POST /api/messages`, field errors shown by their fields); cancels a
 * queued one (`POST /api/messages/{id}/cancel`) or retries a failed one (`…/retry`). Refreshes itself every 5 s
 * while anything is still on its way. Requests go through web/js/api.js (the header's API key).
 */
import './header.js';
import { ApiError, api } from './api.js';
import { onApiKeyChange } from './api-key.js';
import { messageOf } from './notice.js';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const CHANNEL_NAMES = {
  email: 'E-mail',
  whatsapp: 'WhatsApp',
  sms: 'SMS',
  telegram: 'Telegram',
  slack: 'Slack',
};

/** "2025-09-19T15:00:00+05:30" → "19 Sep, 15:00" (as written, in the organisation's zone). */
function shortTime(iso) {
  if (!iso) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso);
  if (!m) return iso;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][
    Number(m[2]) - 1
  ];
  return `${Number(m[3])} ${month} ${m[1]}, ${m[4]}:${m[5]}`;
}

function cell(text, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

function row(message) {
  const tr = document.createElement('tr');
  tr.dataset.id = message.id;
  tr.dataset.status = message.status;
  tr.append(
    cell(shortTime(message.created_at)),
    cell(CHANNEL_NAMES[message.channel] ?? message.channel),
    cell(message.to),
  );
  const text = cell('', 'message');
  if (message.subject) {
    const subject = document.createElement('span');
    subject.className = 'subject';
    subject.textContent = message.subject;
    text.append(subject);
  }
  text.append(message.body.length > 160 ? `${message.body.slice(0, 160)}…` : message.body);
  tr.append(text);
  const status = cell('');
  const tag = document.createElement('span');
  tag.className = `tag status-${message.status.toLowerCase()}`;
  tag.textContent = message.status;
  status.append(tag);
  if (message.provider) {
    const provider = document.createElement('span');
    provider.className = 'provider';
    provider.textContent = `via ${message.provider}`;
    status.append(provider);
  }
  tr.append(status);
  const when =
    message.status === 'SENT'
      ? `sent ${shortTime(message.sent_at)}`
      : message.status === 'QUEUED'
        ? `${message.attempts > 0 ? 'retry' : 'due'} ${shortTime(message.next_attempt_at)}`
        : shortTime(message.send_at);
  tr.append(
    cell(when, 'when'),
    cell(String(message.attempts), 'attempts'),
    cell(message.last_error ?? '', 'last-error'),
  );
  const actions = cell('');
  if (message.status === 'QUEUED') actions.append(actionButton(message, 'cancel', 'Cancel'));
  if (message.status === 'FAILED') actions.append(actionButton(message, 'retry', 'Retry'));
  tr.append(actions);
  return tr;
}

/** A row's Cancel or Retry button, named with the recipient for screen readers. */
function actionButton(message, action, label) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = `secondary ${action}`;
  button.textContent = label;
  button.setAttribute('aria-label', `${label} the message to ${message.to}`);
  button.addEventListener('click', () => void act(message.id, action, button));
  return button;
}

let refreshTimer;

async function load() {
  clearTimeout(refreshTimer);
  const params = new URLSearchParams({ limit: '100' });
  const status = /** @type {HTMLSelectElement} */ ($('filter-status')).value;
  const channel = /** @type {HTMLSelectElement} */ ($('filter-channel')).value;
  if (status) params.set('status', status);
  if (channel) params.set('channel', channel);
  const summary = $('messages-summary');
  let page;
  try {
    page = await api(`/api/messages?${params}`);
  } catch (error) {
    summary.textContent = `Could not load the messages: ${messageOf(error)}`;
    return;
  }
  const tbody = /** @type {HTMLTableElement} */ ($('messages')).tBodies[0];
  tbody.replaceChildren(...page.messages.map(row));
  $('messages-empty').hidden = page.total > 0;
  const waiting = page.messages.filter((m) => m.status === 'QUEUED' || m.status === 'SENDING').length;
  summary.textContent = `${page.total} message${page.total === 1 ? '' : 's'}${waiting ? `, ${waiting} on the way` : ''}.`;
  if (waiting) refreshTimer = setTimeout(() => void load(), 5000);
}

/** Cancels a queued message or retries a failed one. */
async function act(id, action, button) {
  button.disabled = true;
  let failure;
  try {
    await api(`/api/messages/${id}/${action}`, { method: 'POST' });
  } catch (error) {
    failure = `Could not ${action} it: ${messageOf(error)}`;
  }
  await load();
  if (failure) $('messages-summary').textContent = failure;
}

/** A datetime-local value ("2025-09-20T09:00") as ISO-8601 with this browser's offset. */
function withOffset(local) {
  const at = new Date(local);
  const off = -at.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const pad = (n) => String(Math.abs(n)).padStart(2, '0');
  return `${local.length === 16 ? `${local}:00` : local}${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

const FIELD_INPUTS = {
  to: 'compose-to',
  body: 'compose-body',
  subject: 'compose-subject',
  send_at: 'compose-send-at',
  channel: 'compose-channel',
};

async function send(event) {
  event.preventDefault();
  const form = /** @type {HTMLFormElement} */ (event.target);
  const data = new FormData(form);
  const payload = { channel: data.get('channel'), to: data.get('to'), body: data.get('body') };
  if (data.get('subject')) payload.subject = data.get('subject');
  if (data.get('send_at')) payload.send_at = withOffset(String(data.get('send_at')));
  const errors = $('compose-errors');
  errors.hidden = true;
  errors.replaceChildren();
  for (const id of Object.values(FIELD_INPUTS)) $(id).removeAttribute('aria-invalid');
  const button = /** @type {HTMLButtonElement} */ ($('compose-send'));
  button.disabled = true;
  const status = $('compose-status');
  let m;
  try {
    m = await api('/api/messages', { body: payload });
  } catch (error) {
    status.textContent = 'Not sent.';
    const issues =
      error instanceof ApiError && error.issues.length
        ? error.issues
        : [{ field: '', message: messageOf(error) }];
    for (const issue of issues) {
      const li = document.createElement('li');
      li.textContent = issue.field ? `${issue.field}: ${issue.message}` : String(issue.message);
      errors.append(li);
      const input = FIELD_INPUTS[issue.field];
      if (input) $(input).setAttribute('aria-invalid', 'true');
    }
    errors.hidden = false;
    return;
  } finally {
    button.disabled = false;
  }
  status.textContent =
    m.status === 'QUEUED' && m.scheduled
      ? `Scheduled for ${shortTime(m.send_at)}.`
      : `${m.status === 'SENT' ? 'Sent' : m.status}.`;
  form.reset();
  await load();
}

/** Which channels really deliver here; the others go to the outbox (nothing leaves the machine). */
async function loadChannels() {
  let body;
  try {
    body = await api('/api/message-channels');
  } catch {
    return; // the list above says what went wrong
  }
  $('channels').textContent = `Channels: ${body.channels
    .map(
      (c) =>
        `${CHANNEL_NAMES[c.channel]} ${c.configured ? `by ${c.provider}` : 'to the outbox (no account configured)'}`,
    )
    .join(' · ')}.`;
}

// Both channel lists (compose and filter) from the one table of names.
for (const id of ['compose-channel', 'filter-channel']) {
  $(id).append(
    ...Object.entries(CHANNEL_NAMES).map(([value, name]) => {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = name;
      return option;
    }),
  );
}
$('compose').addEventListener('submit', (e) => void send(e));
$('refresh').addEventListener('click', () => void load());
$('filter-status').addEventListener('change', () => void load());
$('filter-channel').addEventListener('change', () => void load());
onApiKeyChange(() => {
  void load();
  void loadChannels();
});
void load();
void loadChannels();
