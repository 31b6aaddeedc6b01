/**
 * One voice call from a browser to Rooman's `/ws/voice` (protocol: src/channels/browser/voice-channel.ts): the
 * microphone up, the agent's voice down, events to the UI. Used by the page's call button and by the widget.
 *
 * Works without a microphone too (denied, or none): the call then takes typed text only.
 */
import { startCapture } from './audio-capture.js';
import { startPlayback } from './audio-playback.js';

/**
 * @typedef {{ type: string, [key: string]: unknown }} CallEvent
 * @typedef {{
 *   origin: string,
 *   key?: string,
 *   onEvent: (event: CallEvent) => void,
 *   onMicrophone?: (state: 'on' | 'unavailable', detail?: string) => void,
 * }} CallOptions
 */

export class CallClient {
  /** @param {CallOptions} options */
  constructor(options) {
    this.options = options;
    /** @type {WebSocket | null} */
    this.socket = null;
    /** @type {Awaited<ReturnType<typeof startCapture>> | null} */
    this.capture = null;
    /** @type {Awaited<ReturnType<typeof startPlayback>> | null} */
    this.playback = null;
    this.muted = false;
    this.lastPlayedReport = -1;
    this.closed = false;
  }

  /** Opens the socket and the audio; resolves once the server said `ready`. */
  async start() {
    const { origin, key } = this.options;
    const url = new URL('/ws/voice', origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (key) url.searchParams.set('key', key);
    // Audio contexts first, inside the click that started the call (browsers' autoplay rule).
    this.playback = await startPlayback({
      workletUrl: new URL('/js/audio-playback-worklet.js', origin),
      onPlayed: (ms) => this.#reportPlayed(ms),
    });
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    const ready = new Promise((resolve, reject) => {
      socket.addEventListener('message', (event) => {
        if (typeof event.data !== 'string') {
          this.playback?.push(/** @type {ArrayBuffer} */ (event.data));
          return;
        }
        /** @type {CallEvent} */
        const message = JSON.parse(event.data);
        if (message.type === 'ready') resolve(message);
        if (message.type === 'clear') {
          this.playback?.clear();
          this.lastPlayedReport = -1;
        }
        this.options.onEvent(message);
      });
      socket.addEventListener('close', (event) => {
        reject(new Error(`the call could not connect (${event.code})`));
        void this.#release();
        this.options.onEvent({ type: 'closed', code: event.code, reason: event.reason });
      });
    });
    await ready;
    try {
      this.capture = await startCapture({
        workletUrl: new URL('/js/audio-capture-worklet.js', origin),
        onFrame: (frame) => {
          if (socket.readyState === WebSocket.OPEN) socket.send(frame);
        },
      });
      this.options.onMicrophone?.('on');
    } catch (error) {
      this.options.onMicrophone?.('unavailable', error instanceof Error ? error.message : String(error));
    }
  }

  /** @param {string} text a typed turn, over the call's socket */
  sendText(text) {
    this.#send({ type: 'text', text });
  }

  /** @param {boolean} muted */
  setMuted(muted) {
    this.muted = muted;
    this.capture?.setMuted(muted);
  }

  hangUp() {
    this.#send({ type: 'hangup' });
    void this.#release();
  }

  /** @param {number} ms */
  #reportPlayed(ms) {
    // Whole 50 ms steps are enough for the server to know what the caller heard.
    const rounded = Math.floor(ms / 50) * 50;
    if (rounded === this.lastPlayedReport) return;
    this.lastPlayedReport = rounded;
    this.#send({ type: 'played', ms: rounded });
  }

  /** @param {unknown} message */
  #send(message) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  async #release() {
    if (this.closed) return;
    this.closed = true;
    const capture = this.capture;
    const playback = this.playback;
    this.capture = null;
    this.playback = null;
    await Promise.allSettled([capture?.stop(), playback?.stop()]);
  }
}
