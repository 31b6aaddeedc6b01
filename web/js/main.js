/** Wires the page together: the composer sends turns, the transcript, result and leads panels show what happened. */
import './header.js';
import { api } from './api.js';
import { onApiKeyChange } from './api-key.js';
import { setupCall } from './call.js';
import { refreshLeads } from './leads.js';
import { clearResult, showResult } from './result.js';
import { currentSessionId, forgetSessionId, rememberSessionId } from './session.js';
import { addBubble, clearTranscript, settleBubble } from './transcript.js';

/**
 * Sends one turn to the bot (`POST /bot/handle`).
 * @param {string} transcript what the person typed
 * @param {string | undefined} sessionId the conversation to continue; omitted for a new one
 * @returns {Promise<import('./types.js').BotResponse>}
 */
function sendTurn(transcript, sessionId) {
  return api('/bot/handle', { body: sessionId ? { transcript, session_id: sessionId } : { transcript } });
}

const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

function start() {
  const form = /** @type {HTMLFormElement} */ (byId('composer'));
  const input = /** @type {HTMLTextAreaElement} */ (byId('message'));
  const send = /** @type {HTMLButtonElement} */ (byId('send'));
  const transcript = /** @type {HTMLOListElement} */ (byId('transcript'));
  const status = byId('status');
  const resultPanel = /** @type {HTMLElement} */ (document.querySelector('.panel.result'));
  const leadsPanel = /** @type {HTMLElement} */ (document.querySelector('.panel.leads'));
  let busy = false;
  const call = setupCall({
    button: /** @type {HTMLButtonElement} */ (byId('call')),
    bar: byId('call-bar'),
    transcript,
    status,
    onToolResult: () => void refreshLeads(leadsPanel),
  });

  async function submit() {
    const text = input.value.trim();
    if (text && call.active()) {
      // In a call, typed text is a turn of the call: the transcript shows it when the server takes it.
      call.sendText(text);
      input.value = '';
      input.focus();
      return;
    }
    if (!text || busy) return;
    busy = true;
    send.disabled = true;
    status.textContent = '';
    addBubble(transcript, 'user', text);
    input.value = '';
    const pending = addBubble(transcript, 'agent', 'Thinking…', { pending: true });
    try {
      const response = await sendTurn(text, currentSessionId());
      rememberSessionId(response.session_id);
      settleBubble(pending, response.reply, { error: Boolean(response.error) });
      showResult(resultPanel, response);
      status.textContent = response.awaiting ? `Rooman is waiting for: ${response.awaiting}` : '';
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      settleBubble(pending, `Sorry, that did not go through: ${message}`, { error: true });
    } finally {
      busy = false;
      send.disabled = false;
      input.focus();
    }
    await refreshLeads(leadsPanel);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void submit();
    }
  });
  for (const example of document.querySelectorAll('button.example')) {
    example.addEventListener('click', () => {
      input.value = /** @type {HTMLElement} */ (example).dataset.text ?? '';
      input.focus();
    });
  }
  byId('new-conversation').addEventListener('click', () => {
    forgetSessionId();
    clearTranscript(transcript);
    clearResult(resultPanel);
    status.textContent = 'Started a new conversation.';
    input.focus();
  });
  byId('refresh-leads').addEventListener('click', () => void refreshLeads(leadsPanel));
  onApiKeyChange(() => void refreshLeads(leadsPanel));

  void refreshLeads(leadsPanel);
}

start();
