/**
 * A test caller on `/ws/voice` with Node's built-in WebSocket: records every message in arrival order (JSON
 * events and binary audio), and waits for the ones a test needs.
 */
export interface Received {
  at: number;
  json?: { type: string; [k: string]: unknown };
  audio?: Int16Array;
}

export class VoiceClient {
  readonly ws: WebSocket;
  readonly received: Received[] = [];
  closed: { code: number; reason: string } | null = null;
  readonly #waiters = new Set<() => void>();

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = 'arraybuffer';
    this.ws.addEventListener('message', (event) => {
      const at = performance.now();
      if (typeof event.data === 'string') this.received.push({ at, json: JSON.parse(event.data) });
      else this.received.push({ at, audio: new Int16Array(event.data as ArrayBuffer) });
      this.#wake();
    });
    this.ws.addEventListener('close', (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.#wake();
    });
  }

  #wake(): void {
    for (const w of this.#waiters) w();
  }

  events(type?: string): Array<{ type: string; [k: string]: unknown }> {
    return this.received.flatMap((r) => (r.json && (!type || r.json.type === type) ? [r.json] : []));
  }

  audioSamples(): number {
    return this.received.reduce((n, r) => n + (r.audio?.length ?? 0), 0);
  }

  /** Resolves when `check` holds (re-checked on every message and on close); rejects after `timeoutMs`. */
  until<T>(check: () => T | undefined | false | null, what: string, timeoutMs = 20_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const test = () => {
        const value = check();
        if (value) {
          this.#waiters.delete(test);
          clearTimeout(timer);
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(test);
        reject(
          new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events().map((e) => e.type))}`),
        );
      }, timeoutMs);
      this.#waiters.add(test);
      test();
    });
  }

  event(type: string, match: (e: { [k: string]: unknown }) => boolean = () => true, timeoutMs?: number) {
    return this.until(() => this.events(type).find(match), `a ${type} event`, timeoutMs);
  }

  closedWith(timeoutMs?: number) {
    return this.until(() => this.closed, 'the socket to close', timeoutMs);
  }

  sendJson(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }
}
