/**
 * The widget's UI (web/widget.js loads this): a floating call button and a small call panel in an open shadow root,
 * so the host page's CSS does not leak in (and ours does not leak out). The same CallClient as the page's button.
 */
import { CallClient } from './call-client.js';

const CSS = `
:host { all: initial; }
* { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.fab { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; border: 0; border-radius: 999px;
  padding: 14px 20px; background: #1f6feb; color: #fff; font-size: 15px; font-weight: 600; cursor: pointer;
  box-shadow: 0 6px 20px rgba(0,0,0,.25); }
.fab:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid #f2cc60; outline-offset: 2px; }
.panel { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: min(360px, calc(100vw - 40px));
  max-height: min(520px, calc(100vh - 40px)); display: flex; flex-direction: column; background: #fff; color: #1b2330;
  border-radius: 14px; box-shadow: 0 10px 30px rgba(0,0,0,.3); overflow: hidden; font-size: 14px; }
.panel[hidden], .fab[hidden] { display: none; }
header { display: flex; align-items: center; gap: 8px; padding: 10px 12px; background: #1f6feb; color: #fff; }
header strong { flex: 1; }
.log { list-style: none; margin: 0; padding: 10px; overflow-y: auto; flex: 1; display: flex; flex-direction: column;
  gap: 6px; min-height: 160px; }
.log li { padding: 7px 10px; border-radius: 10px; max-width: 85%; line-height: 1.35; }
.log li.user { align-self: flex-end; background: #1f6feb; color: #fff; }
.log li.agent { align-self: flex-start; background: #eef1f6; }
.log li.partial { opacity: .7; font-style: italic; }
form { display: flex; gap: 6px; padding: 8px; border-top: 1px solid #d9dee7; }
input { flex: 1; padding: 8px; border: 1px solid #d9dee7; border-radius: 8px; font-size: 14px; }
button { border: 1px solid #1f6feb; background: #1f6feb; color: #fff; border-radius: 8px; padding: 7px 10px;
  font-size: 13px; cursor: pointer; }
header button { background: rgba(255,255,255,.15); border-color: rgba(255,255,255,.6); }
header button.hangup { background: #cf222e; border-color: #cf222e; }
.status { padding: 0 12px 8px; color: #5b6677; font-size: 12px; min-height: 1em; }
`;

const STATES = /** @type {Record<string, string>} */ ({
  listening: 'Listening…',
  thinking: 'Thinking…',
  speaking: 'Speaking…',
});

/** @param {{ origin: string, key?: string }} options */
export function mountWidget(options) {
  const host = document.createElement('div');
  host.setAttribute('data-rooman-widget', '');
  const root = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  root.adoptedStyleSheets = [sheet];

  const fab = el('button', { class: 'fab', type: 'button', 'aria-label': 'Call Rooman' }, 'Call Rooman');
  const state = el('span', { 'data-state': '', role: 'status', 'aria-live': 'polite' }, 'Connecting…');
  const mute = el('button', { type: 'button', 'aria-pressed': 'false' }, 'Mute');
  const hangUp = el('button', { type: 'button', class: 'hangup' }, 'Hang up');
  const log = el('ol', { class: 'log', role: 'log', 'aria-label': 'Conversation with Rooman' });
  const input = /** @type {HTMLInputElement} */ (
    el('input', { type: 'text', 'aria-label': 'Message', maxlength: '4000', placeholder: 'Type a message' })
  );
  const form = el('form', {}, input, el('button', { type: 'submit' }, 'Send'));
  const status = el('p', { class: 'status' });
  const panel = el(
    'section',
    { class: 'panel', role: 'dialog', 'aria-label': 'Call with Rooman', hidden: '' },
    el('header', {}, el('strong', {}, 'Rooman'), state, mute, hangUp),
    log,
    form,
    status,
  );
  root.append(fab, panel);
  document.body.append(host);

  /** @type {CallClient | null} */
  let call = null;
  /** @type {HTMLElement | null} */
  let partial = null;

  /** @param {'user' | 'agent'} who @param {string} text */
  const line = (who, text) => {
    const item = el('li', { class: who }, text);
    log.append(item);
    item.scrollIntoView({ block: 'end' });
    return item;
  };

  const close = () => {
    call = null;
    partial = null;
    panel.hidden = true;
    fab.hidden = false;
    fab.focus();
  };

  /** @param {import('./call-client.js').CallEvent} event */
  const onEvent = (event) => {
    if (event.type === 'state') state.textContent = STATES[String(event.state)] ?? '';
    else if (event.type === 'user.partial') {
      if (partial) partial.textContent = String(event.text);
      else {
        partial = line('user', String(event.text));
        partial.classList.add('partial');
      }
    } else if (event.type === 'user.final') {
      if (partial && event.source === 'speech') {
        partial.textContent = String(event.text);
        partial.classList.remove('partial');
        partial = null;
      } else line('user', String(event.text));
    } else if (event.type === 'agent.text' || event.type === 'filler') line('agent', String(event.text));
    else if (event.type === 'error')
      status.textContent = String(/** @type {{ details?: string }} */ (event.error)?.details ?? 'error');
    else if (event.type === 'ended' || event.type === 'closed') if (call) close();
  };

  fab.addEventListener('click', async () => {
    fab.hidden = true;
    panel.hidden = false;
    log.replaceChildren();
    status.textContent = '';
    state.textContent = 'Connecting…';
    const client = new CallClient({
      origin: options.origin,
      ...(options.key ? { key: options.key } : {}),
      onEvent,
      onMicrophone: (s) => {
        if (s === 'unavailable') status.textContent = 'No microphone: type your messages.';
      },
    });
    call = client;
    try {
      await client.start();
      input.focus();
    } catch (error) {
      status.textContent = `The call did not start: ${error instanceof Error ? error.message : String(error)}`;
      call = null;
    }
  });
  hangUp.addEventListener('click', () => {
    if (call) call.hangUp();
    else close();
  });
  mute.addEventListener('click', () => {
    const muted = mute.getAttribute('aria-pressed') !== 'true';
    call?.setMuted(muted);
    mute.setAttribute('aria-pressed', String(muted));
    mute.textContent = muted ? 'Unmute' : 'Mute';
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || !call) return;
    call.sendText(text);
    input.value = '';
  });
  return host;
}

/**
 * @param {string} tag
 * @param {Record<string, string>} attributes
 * @param {...(Node | string)} children
 * @returns {HTMLElement}
 */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}
