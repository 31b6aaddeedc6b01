/**
 * A protocol-faithful fake of the Gemini Live API (BidiGenerateContent over WebSocket, protocols.md §1), for the
 * real `@google/genai` SDK to connect to through `httpOptions.baseUrl`.
 *
 * Faithful where the SDK or our code could notice: the path is normalised (the SDK sends `//ws/…`), the key read
 * from `?key=`, the first message must be `setup` with a `models/` model (unknown model → close 1008, bad key →
 * 1007), every server message is a BINARY frame of pretty-printed JSON (a switch sends text frames), ids look like
 * `function-call-<19 digits>`, a resumption handle the server never issued → 1008 "session not found", and
 * `toolResponse` ids must match a `toolCall` of the session. Client messages are checked against §1.13 and every
 * breach is kept in `problems` (tests assert it is empty).
 *
 * What the "model" does is scripted: a scenario file (test/fakes/scenarios/gemini-live/*.json) lists, per
 * connection, steps that send server messages or wait for the client (audio, text, a tool response, a close).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export type LiveStep =
  | { delay: number }
  /** Wait until the client has sent this many ms of 16 kHz audio on this connection (the caller "speaks"). */
  | { waitAudio: number }
  /** Wait for a typed turn (`realtimeInput.text` or `clientContent`). */
  | { waitText: true }
  /** Wait for the `toolResponse` of this call id (any connection of the session). */
  | { waitToolResponse: string }
  /** Wait for the client to close the socket. */
  | { waitClose: true }
  | { inputTranscription: string; finished?: boolean }
  | { outputTranscription: string }
  /** `ms` of 24 kHz audio in `chunkMs` chunks (default 40 ms), a tone, one `modelTurn` message per chunk. */
  | {
      audio: {
        ms: number;
        chunkMs?: number;
        hz?: number /** Wait between chunks, as a real-time speaker. */;
        paceMs?: number;
      };
    }
  | { toolCall: Array<{ id: string; name: string; args?: Record<string, unknown> }> }
  | { toolCallCancellation: string[] }
  | { generationComplete: true }
  /** `usage`: the response's token counts sent with it (default 100 prompt / 20 response). */
  | { turnComplete: true; usage?: { prompt: number; response: number; thoughts?: number } }
  | { interrupted: true }
  | { resumptionUpdate: { handle: string; resumable?: boolean } }
  | { goAway: string }
  /** The server loses every session it handed out (a resume with an old handle then fails with 1008). */
  | { forgetHandles: true }
  | { close: { code: number; reason: string } }
  /** Any server message, as is. */
  | { send: Record<string, unknown> };

export interface LiveScenario {
  description: string;
  /** Steps of the n-th connection (a reconnect is the next one); connections past the list only listen. */
  connections: LiveStep[][];
  /** Answer `setup` this late (a server that never completes setup: the client's connect timeout). */
  setupDelayMs?: number;
}

export interface LiveConnectionRecord {
  index: number;
  path: string;
  apiVersion: string;
  key: string | null;
  headers: IncomingMessage['headers'];
  setup: Record<string, unknown> | null;
  /** The handle this connection resumed, when its setup carried one. */
  resumedHandle: string | null;
  messages: Array<Record<string, unknown>>;
  audioBytes: number;
  texts: string[];
  toolResponses: Array<{ id: string; name: string; response: Record<string, unknown>; scheduling?: string }>;
  closed: { code: number; reason: string; by: 'client' | 'server' } | null;
  openedAt: number;
  setupAt: number | null;
}

export interface FakeGeminiLiveOptions {
  scenario: LiveScenario;
  /** The key the server accepts (default `TEST_KEY`). */
  apiKey?: string;
  models?: string[];
  /** Send text frames instead of the real server's binary ones. */
  textFrames?: boolean;
}

const PATH =
  /^(.*)\/ws\/google\.ai\.generativelanguage\.(v1|v1beta|v1alpha)\.GenerativeService\.BidiGenerateContent(Constrained)?$/;
export const DEFAULT_FAKE_MODELS = [
  'models/gemini-2.5-flash-native-audio-preview-12-2025',
  'models/gemini-2.5-flash-native-audio-preview-09-2025',
  'models/gemini-2.5-flash-native-audio-latest',
  'models/gemini-3.1-flash-live-preview',
];

const SCENARIOS = new URL('./scenarios/gemini-live/', import.meta.url);

export async function loadLiveScenario(name: string): Promise<LiveScenario> {
  return JSON.parse(await readFile(new URL(`${name}.json`, SCENARIOS), 'utf8')) as LiveScenario;
}

export class FakeGeminiLive {
  readonly connections: LiveConnectionRecord[] = [];
  readonly problems: string[] = [];
  /** When each model audio chunk was sent, and each caller audio message parsed (performance.now(), in order). */
  readonly audioSentAt: number[] = [];
  readonly audioReceivedAt: number[] = [];
  readonly #options: FakeGeminiLiveOptions;
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #issuedHandles = new Set<string>();
  readonly #issuedCalls = new Set<string>();
  readonly #answeredCalls = new Set<string>();
  readonly #waiters = new Set<() => void>();
  readonly #sockets = new Set<WebSocket>();
  readonly #tcp = new Set<Socket>();
  #port = 0;

  private constructor(options: FakeGeminiLiveOptions) {
    this.#options = options;
    this.#wss = new WebSocketServer({ noServer: true });
    this.#server = createServer((_req, res) => {
      res.writeHead(404).end();
    });
    this.#server.on('connection', (s) => {
      this.#tcp.add(s);
      s.on('close', () => this.#tcp.delete(s));
    });
    this.#server.on('upgrade', (req, socket, head) => {
      // The SDK builds `${base}/ws/…` from a base that already ends in `/`: the path starts with `//`, which
      // `new URL(path, base)` would read as a host name; split it by hand.
      const [rawPath = '/', query = ''] = (req.url ?? '/').split('?', 2);
      const path = rawPath.replace(/^\/+/, '/');
      const params = new URLSearchParams(query);
      const match = PATH.exec(path);
      if (!match) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        const key = params.get(match[3] ? 'access_token' : 'key');
        this.#accept(ws, req, path, match[2]!, key);
      });
    });
  }

  static async start(options: FakeGeminiLiveOptions): Promise<FakeGeminiLive> {
    const fake = new FakeGeminiLive(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  /** What `httpOptions.baseUrl` is set to. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Resolves when `check` holds (checked on every client message, connection and close). */
  until<T>(check: () => T | undefined | false | null, what: string, timeoutMs = 10_000): Promise<T> {
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
        reject(new Error(`fake Gemini Live: timed out waiting for ${what}`));
      }, timeoutMs);
      this.#waiters.add(test);
      test();
    });
  }

  /** Every tool response received, in order, across connections. */
  toolResponses(): LiveConnectionRecord['toolResponses'] {
    return this.connections.flatMap((c) => c.toolResponses);
  }

  async close(): Promise<void> {
    for (const ws of this.#sockets) ws.terminate();
    for (const s of this.#tcp) s.destroy();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  #accept(ws: WebSocket, req: IncomingMessage, path: string, apiVersion: string, key: string | null): void {
    this.#sockets.add(ws);
    const record: LiveConnectionRecord = {
      index: this.connections.length,
      path: req.url ?? path,
      apiVersion,
      key,
      headers: req.headers,
      setup: null,
      resumedHandle: null,
      messages: [],
      audioBytes: 0,
      texts: [],
      toolResponses: [],
      closed: null,
      openedAt: performance.now(),
      setupAt: null,
    };
    this.connections.push(record);
    const send = (message: Record<string, unknown>) => {
      if (ws.readyState !== ws.OPEN) return;
      const text = `${JSON.stringify(message, null, 2)}\n`;
      ws.send(this.#options.textFrames ? text : Buffer.from(text, 'utf8'), {
        binary: !this.#options.textFrames,
      });
    };
    const close = (code: number, reason: string) => {
      if (record.closed) return;
      record.closed = { code, reason, by: 'server' };
      ws.close(code, reason);
      this.#wake();
    };
    let setupDone: (() => void) | null = null;
    const setupSeen = new Promise<void>((resolve) => {
      setupDone = resolve;
    });

    ws.on('message', (data, isBinary) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(String(data)) as Record<string, unknown>;
      } catch {
        this.problems.push(`connection ${record.index}: a message that is not JSON`);
        close(1007, 'Invalid JSON payload received.');
        return;
      }
      if (isBinary) this.problems.push(`connection ${record.index}: the SDK sends text frames, got binary`);
      record.messages.push(message);
      const keys = Object.keys(message);
      if (keys.length !== 1) this.problems.push(`connection ${record.index}: a message with keys ${keys}`);
      if (record.setup === null) {
        if (!('setup' in message)) {
          this.problems.push(`connection ${record.index}: first message was ${keys[0]}, not setup`);
          close(1007, 'Request contains an invalid argument.');
          return;
        }
        this.#onSetup(record, message.setup as Record<string, unknown>, send, close);
        setupDone?.();
      } else this.#onClientMessage(record, message, close);
      this.#wake();
    });
    ws.on('close', (code, reason) => {
      this.#sockets.delete(ws);
      record.closed ??= { code, reason: reason.toString(), by: 'client' };
      this.#wake();
    });
    ws.on('error', () => {});

    const steps = this.#options.scenario.connections[record.index] ?? [];
    void setupSeen.then(() => this.#run(record, steps, send, close));
  }

  #onSetup(
    record: LiveConnectionRecord,
    setup: Record<string, unknown>,
    send: (m: Record<string, unknown>) => void,
    close: (code: number, reason: string) => void,
  ): void {
    record.setup = setup;
    record.setupAt = performance.now();
    const model = String(setup.model ?? '');
    if (!model.startsWith('models/')) this.problems.push(`setup.model ${model} lacks the models/ prefix`);
    if (record.key !== (this.#options.apiKey ?? 'TEST_KEY')) {
      close(1007, 'API key not valid. Please pass a valid API key.');
      return;
    }
    if (!(this.#options.models ?? DEFAULT_FAKE_MODELS).includes(model)) {
      close(
        1008,
        `${model} is not found for API version ${record.apiVersion}, or is not supported for bidiGenerateContent.`,
      );
      return;
    }
    const handle = (setup.sessionResumption as { handle?: string } | undefined)?.handle;
    if (handle) {
      if (!this.#issuedHandles.has(handle)) {
        close(1008, 'BidiGenerateContent session not found');
        return;
      }
      record.resumedHandle = handle;
    }
    const delay = this.#options.scenario.setupDelayMs;
    if (delay) setTimeout(() => send({ setupComplete: {} }), delay).unref();
    else send({ setupComplete: {} });
  }

  #onClientMessage(
    record: LiveConnectionRecord,
    message: Record<string, unknown>,
    close: (code: number, reason: string) => void,
  ): void {
    const where = `connection ${record.index}`;
    if ('realtimeInput' in message) {
      const input = message.realtimeInput as Record<string, unknown>;
      const fields = Object.keys(input);
      if (fields.length !== 1) this.problems.push(`${where}: realtimeInput with fields ${fields}`);
      const audio = input.audio as { data?: string; mimeType?: string } | undefined;
      if (audio) {
        if (audio.mimeType !== 'audio/pcm;rate=16000')
          this.problems.push(`${where}: audio mimeType ${audio.mimeType}`);
        const bytes = Buffer.from(audio.data ?? '', 'base64').byteLength;
        if (bytes % 2 !== 0) this.problems.push(`${where}: an audio chunk of ${bytes} bytes (odd)`);
        record.audioBytes += bytes;
        this.audioReceivedAt.push(performance.now());
      }
      if (typeof input.text === 'string') record.texts.push(input.text);
      const vadOff = (
        (record.setup?.realtimeInputConfig as Record<string, unknown> | undefined)
          ?.automaticActivityDetection as { disabled?: boolean } | undefined
      )?.disabled;
      if (('activityStart' in input || 'activityEnd' in input) && !vadOff)
        this.problems.push(`${where}: activityStart/End with automatic VAD on`);
      if ('audioStreamEnd' in input && vadOff)
        this.problems.push(`${where}: audioStreamEnd with automatic VAD off`);
    } else if ('clientContent' in message) {
      const content = message.clientContent as { turns?: Array<{ parts?: Array<{ text?: string }> }> };
      for (const turn of content.turns ?? [])
        for (const part of turn.parts ?? []) if (part.text) record.texts.push(part.text);
    } else if ('toolResponse' in message) {
      const responses =
        (message.toolResponse as { functionResponses?: LiveConnectionRecord['toolResponses'] })
          .functionResponses ?? [];
      for (const r of responses) {
        if (!this.#issuedCalls.has(r.id)) {
          this.problems.push(`${where}: toolResponse for unknown call ${r.id}`);
          close(1007, 'Request contains an invalid argument.');
          return;
        }
        if (this.#answeredCalls.has(r.id)) this.problems.push(`${where}: a second toolResponse for ${r.id}`);
        this.#answeredCalls.add(r.id);
        record.toolResponses.push(r);
      }
    } else if (!('setup' in message)) {
      this.problems.push(`${where}: unknown message ${Object.keys(message)[0]}`);
    } else {
      this.problems.push(`${where}: a second setup`);
    }
  }

  async #run(
    record: LiveConnectionRecord,
    steps: LiveStep[],
    send: (m: Record<string, unknown>) => void,
    close: (code: number, reason: string) => void,
  ): Promise<void> {
    if (record.closed) return;
    const open = () => record.closed === null;
    let textsTaken = 0;
    const wait = (check: () => boolean, what: string) =>
      this.until(() => check() || !open(), what, 60_000).catch(() => false);
    for (const step of steps) {
      if (!open()) return;
      if ('delay' in step) await new Promise((r) => setTimeout(r, step.delay));
      else if ('waitAudio' in step) {
        const bytes = (step.waitAudio * 16_000 * 2) / 1000;
        await wait(() => record.audioBytes >= bytes, `${step.waitAudio} ms of caller audio`);
      } else if ('waitText' in step) {
        // Each waitText takes the next typed turn, whether it came before the step or after.
        const index = textsTaken++;
        await wait(() => record.texts.length > index, 'a typed turn');
      } else if ('waitToolResponse' in step)
        await wait(
          () => this.#answeredCalls.has(step.waitToolResponse),
          `toolResponse ${step.waitToolResponse}`,
        );
      else if ('waitClose' in step) await wait(() => false, 'the client to close');
      else if ('inputTranscription' in step)
        send({
          serverContent: {
            inputTranscription: {
              text: step.inputTranscription,
              ...(step.finished ? { finished: true } : {}),
            },
          },
        });
      else if ('outputTranscription' in step)
        send({ serverContent: { outputTranscription: { text: step.outputTranscription } } });
      else if ('audio' in step) {
        const chunkMs = step.audio.chunkMs ?? 40;
        for (let at = 0; at < step.audio.ms && open(); at += chunkMs) {
          const ms = Math.min(chunkMs, step.audio.ms - at);
          if (step.audio.paceMs && at > 0) await new Promise((r) => setTimeout(r, step.audio.paceMs));
          this.audioSentAt.push(performance.now());
          send({
            serverContent: {
              modelTurn: {
                parts: [
                  {
                    inlineData: {
                      mimeType: 'audio/pcm;rate=24000',
                      data: tone(ms, at, step.audio.hz ?? 220),
                    },
                  },
                ],
              },
            },
          });
        }
      } else if ('toolCall' in step) {
        for (const call of step.toolCall) this.#issuedCalls.add(call.id);
        send({
          toolCall: {
            functionCalls: step.toolCall.map((c) => ({ id: c.id, name: c.name, args: c.args ?? {} })),
          },
        });
      } else if ('toolCallCancellation' in step)
        send({ toolCallCancellation: { ids: step.toolCallCancellation } });
      else if ('generationComplete' in step) send({ serverContent: { generationComplete: true } });
      else if ('turnComplete' in step) {
        // As the Live API does: the response's usage rides on its turnComplete message, split by modality.
        const u = step.usage ?? { prompt: 100, response: 20 };
        send({
          serverContent: { turnComplete: true },
          usageMetadata: {
            promptTokenCount: u.prompt,
            responseTokenCount: u.response,
            totalTokenCount: u.prompt + u.response + (u.thoughts ?? 0),
            ...(u.thoughts !== undefined ? { thoughtsTokenCount: u.thoughts } : {}),
            promptTokensDetails: [{ modality: 'AUDIO', tokenCount: u.prompt }],
            responseTokensDetails: [{ modality: 'AUDIO', tokenCount: u.response }],
          },
        });
      } else if ('interrupted' in step) send({ serverContent: { interrupted: true } });
      else if ('resumptionUpdate' in step) {
        const resumable = step.resumptionUpdate.resumable ?? true;
        if (resumable) this.#issuedHandles.add(step.resumptionUpdate.handle);
        send({
          sessionResumptionUpdate: resumable
            ? { newHandle: step.resumptionUpdate.handle, resumable: true }
            : { newHandle: '', resumable: false },
        });
      } else if ('goAway' in step) send({ goAway: { timeLeft: step.goAway } });
      else if ('forgetHandles' in step) this.#issuedHandles.clear();
      else if ('close' in step) close(step.close.code, step.close.reason);
      else if ('send' in step) send(step.send);
    }
  }
}

/** `ms` of a 24 kHz PCM16LE tone as base64, continuing its phase from `atMs`. */
function tone(ms: number, atMs: number, hz: number): string {
  const n = Math.round((24_000 * ms) / 1000);
  const start = Math.round((24_000 * atMs) / 1000);
  const pcm = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++)
    pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * (start + i)) / 24_000)), i * 2);
  return pcm.toString('base64');
}

// `node test/fakes/gemini-live-server.ts <scenario>`: the fake in a process of its own (the bench measures the
// client's memory without the server's); prints its base URL on the first line.
if (import.meta.main) {
  const fake = await FakeGeminiLive.start({
    scenario: await loadLiveScenario(process.argv[2] ?? 'spoken-turn'),
  });
  process.stdout.write(`${fake.baseUrl}\n`);
  process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
}
