/**
 * The page's call button: a voice call over `/ws/voice` shown in the conversation panel as it happens (the
 * caller's words live as partials, then final; the agent's replies; a reply cut off by the caller marked so).
 * The message box keeps working in a call: typed text goes over the call's socket.
 */
import { apiKey } from './api-key.js';
import { CallClient } from './call-client.js';
import { addBubble, settleBubble } from './transcript.js';

const STATES = /** @type {Record<string, string>} */ ({
  listening: 'Listening…',
  thinking: 'Thinking…',
  speaking: 'Rooman is speaking…',
});

/**
 * @param {{
 *   button: HTMLButtonElement,
 *   bar: HTMLElement,
 *   transcript: HTMLOListElement,
 *   status: HTMLElement,
 *   onToolResult?: () => void,
 * }} ui
 */
export function setupCall(ui) {
  const stateLine = /** @type {HTMLElement} */ (ui.bar.querySelector('[data-call-state]'));
  const mute = /** @type {HTMLButtonElement} */ (ui.bar.querySelector('[data-call-mute]'));
  const hangUp = /** @type {HTMLButtonElement} */ (ui.bar.querySelector('[data-call-hangup]'));
  /** @type {CallClient | null} */
  let call = null;
  /** @type {HTMLLIElement | null} */
  let partial = null;
  /** @type {Map<number, HTMLLIElement>} */
  const replies = new Map();

  function showIdle() {
    ui.button.hidden = false;
    ui.button.disabled = false;
    ui.bar.hidden = true;
    mute.setAttribute('aria-pressed', 'false');
    mute.textContent = 'Mute';
    partial = null;
    replies.clear();
  }

  /** @param {import('./call-client.js').CallEvent} event */
  function onEvent(event) {
    switch (event.type) {
      case 'state':
        stateLine.textContent = STATES[String(event.state)] ?? '';
        break;
      case 'user.partial':
        if (!partial) {
          partial = addBubble(ui.transcript, 'user', String(event.text), { pending: true });
          partial.classList.add('partial');
        } else settleText(partial, String(event.text));
        break;
      case 'user.final': {
        if (partial && event.source === 'speech') {
          settleBubble(partial, String(event.text));
          partial.classList.remove('partial');
          partial = null;
        } else addBubble(ui.transcript, 'user', String(event.text));
        break;
      }
      case 'agent.text':
      case 'filler': {
        const bubble = addBubble(ui.transcript, 'agent', String(event.text));
        bubble.dataset.turn = String(event.turn);
        if (event.type === 'filler') bubble.classList.add('filler');
        else replies.set(Number(event.turn), bubble);
        break;
      }
      case 'agent.interrupted': {
        const bubble = replies.get(Number(event.turn));
        if (bubble) {
          bubble.classList.add('interrupted');
          bubble.title = `Heard before you spoke: ${String(event.played_text)}`;
        }
        break;
      }
      case 'tool.result':
        ui.onToolResult?.();
        break;
      case 'error':
        ui.status.textContent = `Call: ${String(/** @type {{ details?: string }} */ (event.error)?.details ?? 'error')}`;
        break;
      case 'ended':
      case 'closed':
        if (call) {
          call = null;
          ui.status.textContent = 'The call ended.';
          showIdle();
        }
        break;
    }
  }

  async function start() {
    ui.button.disabled = true;
    ui.status.textContent = 'Connecting the call…';
    const key = apiKey();
    const client = new CallClient({
      origin: location.origin,
      ...(key ? { key } : {}),
      onEvent,
      onMicrophone: (state, detail) => {
        if (state === 'unavailable')
          ui.status.textContent = `No microphone (${detail}); type your messages, Rooman still speaks.`;
      },
    });
    call = client;
    try {
      await client.start();
      ui.button.hidden = true;
      ui.bar.hidden = false;
      if (ui.status.textContent === 'Connecting the call…')
        ui.status.textContent = 'In a call: speak or type.';
      hangUp.focus();
    } catch (error) {
      call = null;
      ui.status.textContent = `The call did not start: ${error instanceof Error ? error.message : String(error)}`;
      showIdle();
    }
  }

  ui.button.addEventListener('click', () => void start());
  hangUp.addEventListener('click', () => {
    call?.hangUp();
  });
  mute.addEventListener('click', () => {
    if (!call) return;
    const muted = mute.getAttribute('aria-pressed') !== 'true';
    call.setMuted(muted);
    mute.setAttribute('aria-pressed', String(muted));
    mute.textContent = muted ? 'Unmute' : 'Mute';
  });
  showIdle();

  return {
    /** Whether typed text should go over the call. */
    active: () => call !== null && !ui.bar.hidden,
    /** @param {string} text */
    sendText: (text) => call?.sendText(text),
  };
}

/**
 * @param {HTMLLIElement} item
 * @param {string} text
 */
function settleText(item, text) {
  const body = item.querySelector('p');
  if (body) body.textContent = text;
}
