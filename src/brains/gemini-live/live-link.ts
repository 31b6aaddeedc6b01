/**
 * One call's link to Gemini Live through the official SDK (`ai.live.connect`), kept alive across sockets.
 *
 * Gemini closes a socket after ~10 minutes (announced by `goAway`) and may drop one at any time. The link tracks
 * the latest resumable `sessionResumptionUpdate` handle; on `goAway` or an unexpected close it closes the old
 * socket (the server refuses a resume while it is open) and opens a new one with `sessionResumption:{handle}`, so
 * the model keeps the conversation. Meanwhile caller audio, typed text and tool results are queued and sent, in
 * that order of importance (tool results first), the moment the new socket is set up; a tool that was running
 * during the switch delivers its result on the new socket. A rejected handle (1008) falls back to a new session;
 * a refused key or setup (1007) is final.
 */
import type { GoogleGenAI, LiveServerMessage, Session, UsageMetadata } from '@google/genai';
import { pcm16FromBytes } from '../../audio/pcm.ts';
import type {
  RealtimeCall,
  RealtimeHandlers,
  RealtimeLink,
  RealtimeToolResult,
} from '../../session/realtime-brain.ts';
import type { ModelUsage } from '../brain.ts';
import { liveConnectConfig, openingTurn, type SetupOptions, schedulingFor, toolBehavior } from './setup.ts';

export const INPUT_MIME_TYPE = 'audio/pcm;rate=16000';

/** After a goAway, the switch is forced this long before the server's deadline, idle or not. */
export const GOAWAY_MARGIN_MS = 5_000;

/** A protobuf Duration as the server writes it (`"50s"`, `"1.5s"`) in ms; null when unreadable. */
export function durationMs(text: string | undefined): number | null {
  const m = /^(\d+(?:\.\d+)?)s$/.exec(text?.trim() ?? '');
  return m ? Number(m[1]) * 1000 : null;
}

/**
 * A Live response's tokens (`usageMetadata`: promptTokenCount, responseTokenCount, thoughtsTokenCount…, audio and
 * text together; the per-modality details are not kept). Tool results the model read count as input.
 */
export function usageOf(meta: UsageMetadata, model: string): ModelUsage {
  return {
    provider: 'gemini',
    model,
    inputTokens: (meta.promptTokenCount ?? 0) + (meta.toolUsePromptTokenCount ?? 0),
    outputTokens: (meta.responseTokenCount ?? 0) + (meta.thoughtsTokenCount ?? 0),
    ...(meta.cachedContentTokenCount !== undefined ? { cachedTokens: meta.cachedContentTokenCount } : {}),
    ...(meta.totalTokenCount !== undefined ? { totalTokens: meta.totalTokenCount } : {}),
  };
}

export interface LinkOptions extends SetupOptions {
  /** Longest wait for `setupComplete` on one socket (default 10 s). */
  connectTimeoutMs: number;
  /** Pause before each reconnect attempt; its length is the number of attempts (default 0, 250, 1000, 2000 ms). */
  reconnectDelaysMs: number[];
  /** Caller audio kept while reconnecting; older audio is dropped past it (default 15 s). */
  maxBufferedAudioMs: number;
  /** Told how long each server message took to handle (decoding and the session's handlers): for the bench. */
  timeMessage?: (ms: number) => void;
}

interface Closable {
  close(): void;
}

const lastSocket = new WeakMap<GoogleGenAI, { socket: Closable | null }>();

/**
 * The SDK gives no handle on a socket before setup completes, so a connect that times out could not be closed.
 * Its socket factory is wrapped once per client to note the socket it creates; `live.connect` creates it
 * synchronously (before its first await) for the Developer API, so the note read right after the call is this
 * connect's. Where the SDK's internals differ, nothing is noted and a late socket is closed when it comes up.
 */
function noteSockets(ai: GoogleGenAI): { socket: Closable | null } {
  let note = lastSocket.get(ai);
  if (note) return note;
  note = { socket: null };
  lastSocket.set(ai, note);
  const factory = (ai.live as unknown as { webSocketFactory?: { create?: (...a: unknown[]) => Closable } })
    .webSocketFactory;
  const create = factory?.create;
  if (factory && typeof create === 'function') {
    const slot = note;
    factory.create = (...args: unknown[]) => {
      const socket = create.apply(factory, args);
      slot.socket = socket;
      return socket;
    };
  }
  return note;
}

/** The close code in the SDK's connect error (`… closed before setup completed (code 1008): …`). */
export function closeCodeOf(error: unknown): number | null {
  const m = /\(code (\d+)\)/.exec(error instanceof Error ? error.message : String(error));
  return m ? Number(m[1]) : null;
}

export class GeminiLiveLink implements RealtimeLink {
  readonly #ai: GoogleGenAI;
  readonly #call: RealtimeCall;
  readonly #h: RealtimeHandlers;
  readonly #o: LinkOptions;
  #session: Session | null = null;
  /** Bumped whenever a socket is given up: callbacks of an older socket are ignored. */
  #generation = 0;
  #handle: string | null = null;
  #closing = false;
  #reconnecting: Promise<void> | null = null;
  /** Between giving up a socket and flushing the queues into the next one: sends are queued. */
  #switching = false;
  #audio: Uint8Array[] = [];
  #audioBytes = 0;
  #texts: string[] = [];
  #results: RealtimeToolResult[] = [];
  /** Since the last turnComplete: the model has produced output / the caller has been heard. */
  #modelBusy = false;
  #callerBusy = false;
  /** A resumption handle arrived after everything said so far: resuming with it loses nothing. */
  #handleFresh = false;
  /** A goAway is pending: the switch waits for a quiet moment, until this timer forces it. */
  #goAway: ReturnType<typeof setTimeout> | null = null;
  /** Socket switches so far, and how long each took (ms). */
  readonly reconnects: number[] = [];

  readonly #onClosed: () => void;

  constructor(
    ai: GoogleGenAI,
    call: RealtimeCall,
    handlers: RealtimeHandlers,
    options: LinkOptions,
    onClosed: () => void = () => {},
  ) {
    this.#ai = ai;
    this.#call = call;
    this.#h = handlers;
    this.#o = options;
    this.#onClosed = onClosed;
  }

  readonly #openedAt = performance.now();

  /** The latest resumption handle (null before the server sent one). */
  get handle(): string | null {
    return this.#handle;
  }

  async connect(): Promise<void> {
    const session = await this.#openSocket(null);
    this.#session = session;
    // Once per call: a reconnect (resumed or not) must not greet the caller again.
    const opening = openingTurn(this.#call);
    if (opening) session.sendClientContent(opening);
  }

  sendAudio(pcm: Uint8Array): void {
    const session = this.#live();
    if (session) {
      session.sendRealtimeInput({
        audio: {
          data: Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString('base64'),
          mimeType: INPUT_MIME_TYPE,
        },
      });
      return;
    }
    if (this.#closing) return;
    // Reconnecting: keep the newest audio, the caller's words of the last seconds.
    this.#audio.push(pcm.slice());
    this.#audioBytes += pcm.byteLength;
    const max = (this.#o.maxBufferedAudioMs * 16_000 * 2) / 1000;
    while (this.#audioBytes > max && this.#audio.length > 0)
      this.#audioBytes -= this.#audio.shift()!.byteLength;
  }

  sendText(text: string): void {
    const session = this.#live();
    if (session) session.sendRealtimeInput({ text });
    else if (!this.#closing) this.#texts.push(text);
  }

  sendToolResult(result: RealtimeToolResult): void {
    const session = this.#live();
    if (session) this.#sendResult(session, result);
    else if (!this.#closing) this.#results.push(result);
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#onClosed();
    this.#generation++;
    if (this.#goAway) clearTimeout(this.#goAway);
    this.#goAway = null;
    const session = this.#session;
    this.#session = null;
    this.#audio = [];
    this.#results = [];
    this.#texts = [];
    try {
      session?.close();
    } catch {
      // Already closed.
    }
    await this.#reconnecting;
  }

  #live(): Session | null {
    return this.#switching || this.#closing ? null : this.#session;
  }

  #sendResult(session: Session, result: RealtimeToolResult): void {
    const nonBlocking = toolBehavior(this.#o.model, result.name, this.#o.nonBlocking) === 'NON_BLOCKING';
    session.sendToolResponse({
      functionResponses: [
        {
          id: result.id,
          name: result.name,
          response: result.response,
          ...(nonBlocking ? { scheduling: schedulingFor(result.response) } : {}),
        },
      ],
    });
  }

  /** One socket, set up; rejects on a close before `setupComplete` or after the connect timeout. */
  async #openSocket(handle: string | null): Promise<Session> {
    const generation = ++this.#generation;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Gemini Live did not finish setup within ${this.#o.connectTimeoutMs} ms`)),
        this.#o.connectTimeoutMs,
      );
    });
    const note = noteSockets(this.#ai);
    note.socket = null;
    const connecting = this.#ai.live.connect({
      model: this.#o.model,
      // A resumed socket gets the time now, not the call's start: a long call's "tomorrow" stays right.
      config: liveConnectConfig(
        { ...this.#call, now: new Date(this.#call.now.getTime() + (performance.now() - this.#openedAt)) },
        this.#o,
        handle,
      ),
      callbacks: {
        onmessage: (message) => {
          if (generation !== this.#generation) return;
          const time = this.#o.timeMessage;
          if (!time) {
            this.#onMessage(message);
            return;
          }
          const started = performance.now();
          this.#onMessage(message);
          time(performance.now() - started);
        },
        onclose: (event) => {
          if (generation === this.#generation && this.#session !== null)
            this.#reconnect(`closed ${event.code}${event.reason ? ` ${event.reason}` : ''}`);
        },
        onerror: () => {
          // The close that follows says what happened.
        },
      },
    });
    const socket = note.socket as Closable | null;
    try {
      return await Promise.race([connecting, timeout]);
    } catch (error) {
      // Given up: if this socket still comes up, it is closed at once and its callbacks are ignored.
      if (generation === this.#generation) this.#generation++;
      try {
        socket?.close();
      } catch {
        // Not open yet or already closed.
      }
      connecting.then(
        (late) => late.close(),
        () => {},
      );
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  #onMessage(message: LiveServerMessage): void {
    // Usage rides on the message that ends a response (with its turnComplete): told first, so it counts for that turn.
    if (message.usageMetadata) this.#h.usage?.(usageOf(message.usageMetadata, this.#o.model));
    const content = message.serverContent;
    if (content) {
      if (content.inputTranscription?.text) {
        this.#callerBusy = true;
        this.#handleFresh = false;
        this.#h.inputTranscript(content.inputTranscription.text);
      }
      if (content.modelTurn || content.outputTranscription) {
        this.#modelBusy = true;
        this.#handleFresh = false;
      }
      if (content.interrupted) this.#h.interrupted();
      for (const part of content.modelTurn?.parts ?? []) {
        const data = part.inlineData;
        if (!data?.data || !data.mimeType?.startsWith('audio/pcm')) continue;
        const rate = Number(/rate=(\d+)/.exec(data.mimeType)?.[1] ?? 24_000);
        const bytes = Buffer.from(data.data, 'base64');
        if (bytes.byteLength >= 2)
          this.#h.audio(pcm16FromBytes(bytes.subarray(0, bytes.byteLength & ~1)), rate);
      }
      if (content.outputTranscription?.text) this.#h.outputTranscript(content.outputTranscription.text);
      if (content.turnComplete) {
        this.#modelBusy = false;
        this.#callerBusy = false;
        this.#h.turnComplete();
      }
    }
    if (message.toolCall?.functionCalls?.length) {
      this.#handleFresh = false;
      this.#h.toolCalls(
        message.toolCall.functionCalls.map((c) => ({
          id: c.id ?? '',
          name: c.name ?? '',
          args: (c.args ?? {}) as Record<string, unknown>,
        })),
      );
    }
    if (message.toolCallCancellation?.ids?.length) this.#h.toolCancelled(message.toolCallCancellation.ids);
    const update = message.sessionResumptionUpdate;
    if (update?.resumable && update.newHandle) {
      this.#handle = update.newHandle;
      this.#handleFresh = true;
    }
    if (message.goAway) this.#onGoAway(message.goAway.timeLeft);
    else if (this.#goAway) this.#switchIfQuiet();
  }

  /**
   * The server will close this socket in `timeLeft`. Switching mid-sentence would cut the model's audio, and
   * mid-utterance the caller's words, so the switch waits for a quiet moment — the turn complete and a handle
   * that covers it — and is forced GOAWAY_MARGIN_MS before the deadline.
   */
  #onGoAway(timeLeft: string | undefined): void {
    if (this.#goAway || this.#reconnecting) return;
    const forceInMs = Math.max(0, (durationMs(timeLeft) ?? GOAWAY_MARGIN_MS) - GOAWAY_MARGIN_MS);
    const why = `goAway (${timeLeft ?? '?'} left)`;
    this.#goAway = setTimeout(() => {
      this.#goAway = null;
      this.#reconnect(`${why}, forced before the deadline`);
    }, forceInMs);
    this.#goAway.unref?.();
    this.#switchIfQuiet();
  }

  #switchIfQuiet(): void {
    if (!this.#goAway || this.#modelBusy || this.#callerBusy || !this.#handleFresh) return;
    clearTimeout(this.#goAway);
    this.#goAway = null;
    this.#reconnect('goAway');
  }

  /** Moves the call to a new socket, resuming with the last handle; the caller hears nothing of it. */
  #reconnect(why: string): void {
    if (this.#reconnecting || this.#closing) return;
    const started = performance.now();
    this.#h.reconnecting(why);
    this.#switching = true;
    this.#reconnecting = (async () => {
      if (this.#goAway) clearTimeout(this.#goAway);
      this.#goAway = null;
      const old = this.#session;
      this.#session = null;
      this.#generation++;
      // What was in flight on the old socket is not coming; the new socket's messages (which the SDK may deliver
      // before connect() returns) say where the resumed session stands.
      this.#modelBusy = false;
      this.#callerBusy = false;
      this.#handleFresh = false;
      try {
        old?.close();
      } catch {
        // Already closed.
      }
      let resume = this.#handle !== null;
      let lastError: unknown = new Error('no reconnect attempt was made');
      for (const delay of this.#o.reconnectDelaysMs) {
        if (this.#closing) return;
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        if (this.#closing) return;
        try {
          const session = await this.#openSocket(resume ? this.#handle : null);
          if (this.#closing) {
            session.close();
            return;
          }
          if (!resume) this.#results = []; // a new session knows none of the old calls
          this.#session = session;
          this.#flush(session);
          this.#switching = false;
          const ms = performance.now() - started;
          this.reconnects.push(ms);
          this.#h.reconnected({ ms, resumed: resume });
          return;
        } catch (error) {
          lastError = error;
          const code = closeCodeOf(error);
          if (code === 1007) break; // the key or the setup is refused: trying again cannot help
          if (code === 1008 && resume) {
            // The handle is gone (expired, or another socket of it lives on): start afresh rather than not at all.
            resume = false;
            this.#handle = null;
          }
        }
      }
      if (!this.#closing)
        this.#h.failed(lastError instanceof Error ? lastError : new Error(String(lastError)));
    })().finally(() => {
      this.#switching = false;
      this.#reconnecting = null;
    });
  }

  #flush(session: Session): void {
    for (const result of this.#results.splice(0)) this.#sendResult(session, result);
    for (const text of this.#texts.splice(0)) session.sendRealtimeInput({ text });
    const audio = this.#audio.splice(0);
    this.#audioBytes = 0;
    for (const chunk of audio)
      session.sendRealtimeInput({
        audio: { data: Buffer.from(chunk).toString('base64'), mimeType: INPUT_MIME_TYPE },
      });
  }
}
