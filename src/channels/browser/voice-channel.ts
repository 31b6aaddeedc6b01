/**
 * The browser voice channel: one WebSocket ↔ one call session (a cascade VoiceSession or a speech-to-speech
 * RealtimeSession: both are CallSessions and emit the same events).
 *
 * Protocol of `/ws/voice` (org from `Authorization: Bearer <key>` or `?key=<key>`, else the default organisation):
 *
 *   Binary frames: PCM16 mono little-endian. Client → server 16 kHz (any length, even odd: bytes are re-framed);
 *   server → client 24 kHz (the synthesizer's rate is resampled here, one Resampler per connection).
 *
 *   Text frames: JSON objects with a `type`.
 *     client → server
 *       {type:"text", text}     a typed turn (≤ 4000 chars), works with or without a microphone
 *       {type:"played", ms}     playback progress: ms of agent audio played since the last `clear` (or the call start)
 *       {type:"hangup"}         ends the call; the server answers `ended` and closes with 1000
 *     server → client
 *       {type:"ready", session_id, sample_rate_in:16000, sample_rate_out:24000, speech_in:boolean}
 *       {type:"state", state}                                    listening | thinking | speaking
 *       {type:"user.partial", text}  {type:"user.final", turn, text, source}
 *       {type:"agent.text", turn, text}  {type:"filler", turn, text}
 *       {type:"clear", turn}          drop every queued agent sample now (barge-in); reset the `played` count
 *       {type:"agent.resumed", turn, from_ms}                    held audio follows again (a backchannel)
 *       {type:"agent.interrupted", turn, text, played_text, played_ms, total_ms}
 *       {type:"tool.started", turn, name, args}  {type:"tool.result", turn, name, result?, error?, ms}
 *       {type:"turn.metrics", turn, source, speech_end_to_first_audio_ms, endpoint_silence_ms, stt_final_ms,
 *        brain_ms, tool_ms, tts_first_chunk_ms, filler}         (ms rounded; null where it does not apply)
 *       {type:"error", error:{type, details}}                   the product's error shape
 *       {type:"ended", reason}
 *
 * Bad input ends at most this call, never another: a malformed or unknown control message gets an `error` and the
 * call goes on (too many of them: close 1008); an oversized binary frame or audio sent much faster than real time
 * gets an `error` and close 1009/1008; a client that stops reading has its audio dropped, then (too much queued,
 * or queued too long) the call closed with 1013; a vanished client ends its session. The transcript is kept in every case (the session settles it).
 */
import type { ErrorType } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { CallSession } from '../../session/call-session.ts';
import type { SessionState } from '../../session/events.ts';
import { createRateConverter, type RateConverter } from './rate-converter.ts';

export const SAMPLE_RATE_IN = 16_000;
export const SAMPLE_RATE_OUT = 24_000;
export const MAX_TEXT_CHARS = 4000;

/** The part of a `ws` WebSocket the channel uses (a protocol-faithful peer in tests, `ws` in production). */
export interface VoiceSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

const OPEN = 1;

export interface ChannelLimits {
  /** Largest binary frame accepted (default 64 KiB ≈ 2 s of 16 kHz audio). */
  maxAudioFrameBytes: number;
  /** Caller audio may run ahead of the wall clock by this much before the call is closed (default 10 s). */
  maxAudioAheadMs: number;
  /** Bad control messages tolerated before the call is closed with 1008 (default 20). */
  maxBadMessages: number;
  /** Agent audio is dropped while the socket has more than this queued (default 512 KiB ≈ 11 s at 24 kHz). */
  dropAudioAboveBytes: number;
  /** The call is closed with 1013 when the socket has more than this queued (default 2 MiB)… */
  closeAboveBytes: number;
  /** …or has stayed above `dropAudioAboveBytes` this long: the client stopped reading (default 10 s). */
  stalledCloseMs: number;
}

export const DEFAULT_LIMITS: ChannelLimits = {
  maxAudioFrameBytes: 64 * 1024,
  maxAudioAheadMs: 10_000,
  maxBadMessages: 20,
  dropAudioAboveBytes: 512 * 1024,
  closeAboveBytes: 2 * 1024 * 1024,
  stalledCloseMs: 10_000,
};

export interface BrowserVoiceChannelOptions {
  socket: VoiceSocket;
  session: CallSession;
  /** Whether the session hears audio (a recognizer is installed); told to the client in `ready`. */
  speechIn: boolean;
  logger: Logger;
  limits?: Partial<ChannelLimits>;
  now?: () => number;
}

/** An agent utterance as sent since the last `clear`: where it sits in the client's played count. */
interface SentSegment {
  turn: number;
  kind: string;
  /** Client played-count (ms since the last clear) at which this chunk starts. */
  atMs: number;
  durationMs: number;
  /** Where the chunk starts in its utterance. */
  offsetMs: number;
}

export class BrowserVoiceChannel {
  readonly #socket: VoiceSocket;
  readonly #session: CallSession;
  readonly #log: Logger;
  readonly #limits: ChannelLimits;
  readonly #now: () => number;
  readonly #speechIn: boolean;
  #resampler: RateConverter | null = null;
  #segments: SentSegment[] = [];
  #sentMs = 0;
  #badMessages = 0;
  #audioMs = 0;
  #startedAt = 0;
  #droppedAudioMs = 0;
  #closed = false;
  #lastState: SessionState | null = null;
  #ended: Promise<void> | null = null;
  /** Since when the socket has been above the drop limit (null: it is not). */
  #overSince: number | null = null;
  #readerCheck: ReturnType<typeof setInterval> | null = null;

  constructor(options: BrowserVoiceChannelOptions) {
    this.#socket = options.socket;
    this.#session = options.session;
    this.#speechIn = options.speechIn;
    this.#log = options.logger.child({ component: 'voice', sessionId: options.session.id });
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Wires the socket to the session and opens the call; resolves once `ready` was sent. `early`: messages the
   * socket received before the channel existed, handled first, in order.
   */
  async start(early: ReadonlyArray<[Buffer | ArrayBuffer | Buffer[], boolean]> = []): Promise<void> {
    const socket = this.#socket;
    this.#subscribe();
    socket.on('close', () => void this.end('client-gone'));
    socket.on('error', (error) => {
      this.#log.debug({ err: error }, 'voice socket error');
      void this.end('socket-error');
    });
    if (socket.readyState > OPEN) {
      // Gone while the call was being set up: the session still ends, its transcript settled.
      await this.end('client-gone');
      return;
    }
    this.#startedAt = this.#now();
    // Dropping audio stops the buffer growing, so a stalled reader is found by time, not only by size.
    this.#readerCheck = setInterval(() => this.#checkReader(), 250);
    this.#readerCheck.unref?.();
    // `ready` first: the session's first event (state) follows it.
    this.#send({
      type: 'ready',
      session_id: this.#session.id,
      sample_rate_in: SAMPLE_RATE_IN,
      sample_rate_out: SAMPLE_RATE_OUT,
      speech_in: this.#speechIn,
    });
    // The session may come started (its first `state` already emitted): tell the client where it stands.
    await this.#session.start();
    this.#sendState(this.#session.state);
    this.#log.info({ orgId: this.#session.orgId, speechIn: this.#speechIn }, 'voice call started');
    for (const [data, isBinary] of early) this.#onMessage(data, isBinary);
    socket.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
  }

  /** Ends the session (transcript settled) and closes the socket; safe to call many times. */
  end(reason: string, close?: { code: number; why: string }): Promise<void> {
    this.#ended ??= (async () => {
      if (this.#readerCheck) clearInterval(this.#readerCheck);
      try {
        await this.#session.end(reason);
      } catch (error) {
        this.#log.error({ err: error }, 'voice session did not end cleanly');
      }
      this.#log.info(
        { reason, audioMs: Math.round(this.#audioMs), droppedAudioMs: Math.round(this.#droppedAudioMs) },
        'voice call ended',
      );
      this.#close(close?.code ?? 1000, close?.why ?? reason);
    })();
    return this.#ended;
  }

  get ended(): Promise<void> | null {
    return this.#ended;
  }

  // ── client → server ───────────────────────────────────────────────────────────────────────────────────────

  #onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.#ended) return;
    const bytes = toBytes(data);
    if (isBinary) this.#onAudio(bytes);
    else this.#onControl(bytes);
  }

  #onAudio(bytes: Uint8Array): void {
    if (bytes.byteLength > this.#limits.maxAudioFrameBytes) {
      this.#fail(
        'PAYLOAD_TOO_LARGE',
        `Audio frames must be at most ${this.#limits.maxAudioFrameBytes} bytes`,
        {
          code: 1009,
          why: 'audio frame too large',
        },
      );
      return;
    }
    // Audio faster than real time would let one caller take the CPU (the recognizer) from every other call.
    this.#audioMs += bytes.byteLength / 2 / (SAMPLE_RATE_IN / 1000);
    if (this.#audioMs - (this.#now() - this.#startedAt) > this.#limits.maxAudioAheadMs) {
      this.#fail('RATE_LIMITED', 'Audio must be streamed in real time (16 kHz PCM16)', {
        code: 1008,
        why: 'audio faster than real time',
      });
      return;
    }
    this.#session.pushAudio(bytes);
  }

  #onControl(bytes: Uint8Array): void {
    let message: unknown;
    try {
      message = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      this.#badMessage('PARSING_ERROR', 'Text frames must be JSON objects with a "type"');
      return;
    }
    const type =
      typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : null;
    const body = message as Record<string, unknown>;
    switch (type) {
      case 'text': {
        const text = body.text;
        if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_TEXT_CHARS) {
          this.#badMessage(
            'VALIDATION_ERROR',
            `text: must be a non-empty string of at most ${MAX_TEXT_CHARS} characters`,
          );
          return;
        }
        void this.#session.sendText(text);
        return;
      }
      case 'played': {
        const ms = body.ms;
        if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
          this.#badMessage('VALIDATION_ERROR', 'played.ms: must be a number of milliseconds ≥ 0');
          return;
        }
        this.#onPlayed(ms);
        return;
      }
      case 'hangup':
        void this.end('hangup');
        return;
      default:
        this.#badMessage(
          'VALIDATION_ERROR',
          typeof type === 'string'
            ? `Unknown message type "${type.slice(0, 40)}"; expected text, played or hangup`
            : 'Text frames must be JSON objects with a "type"',
        );
    }
  }

  /**
   * The client counts played ms since the last `clear`; the session wants ms into the utterance it is playing.
   * The session applies a report to its first unsettled utterance, so only that one is reported; a later one
   * (a reply behind a filler) runs on the session's own playback clock.
   */
  #onPlayed(ms: number): void {
    const first = this.#segments[0];
    if (!first) return;
    const key = `${first.turn}:${first.kind}`;
    let into = 0;
    for (const s of this.#segments) {
      if (`${s.turn}:${s.kind}` !== key) break;
      if (ms < s.atMs) break;
      into = s.offsetMs + Math.min(ms - s.atMs, s.durationMs);
    }
    this.#session.markPlayed(into);
  }

  #badMessage(type: ErrorType, details: string): void {
    this.#badMessages++;
    this.#sendError(type, details);
    if (this.#badMessages >= this.#limits.maxBadMessages) {
      void this.end('protocol-abuse', { code: 1008, why: 'too many malformed messages' });
    }
  }

  #fail(type: ErrorType, details: string, close: { code: number; why: string }): void {
    this.#sendError(type, details);
    void this.end('protocol-abuse', close);
  }

  // ── server → client ───────────────────────────────────────────────────────────────────────────────────────

  #subscribe(): void {
    const s = this.#session;
    s.on('state', ({ state }) => {
      if (state === 'listening') this.#flushAudio();
      // Every utterance has settled: later reports belong to the next one (the client's count runs on).
      if (state !== 'speaking') this.#segments = [];
      this.#sendState(state);
    });
    s.on('user.partial', ({ text }) => this.#send({ type: 'user.partial', text }));
    s.on('user.final', (p) =>
      this.#send({ type: 'user.final', turn: p.turn, text: p.text, source: p.source }),
    );
    s.on('agent.text', (p) => this.#send({ type: 'agent.text', turn: p.turn, text: p.text }));
    s.on('filler', (p) => this.#send({ type: 'filler', turn: p.turn, text: p.text }));
    s.on('agent.audio', (p) => this.#sendAudio(p));
    s.on('clear', ({ turn }) => {
      // The client drops its queue; the resampler's history belongs to audio that will never play.
      this.#resampler?.reset();
      this.#segments = [];
      this.#sentMs = 0;
      this.#send({ type: 'clear', turn });
    });
    s.on('agent.resumed', (p) => this.#send({ type: 'agent.resumed', turn: p.turn, from_ms: p.fromMs }));
    s.on('agent.interrupted', (p) =>
      this.#send({
        type: 'agent.interrupted',
        turn: p.turn,
        text: p.text,
        played_text: p.playedText,
        played_ms: Math.round(p.playedMs),
        total_ms: Math.round(p.totalMs),
      }),
    );
    s.on('tool.started', (p) =>
      this.#send({ type: 'tool.started', turn: p.turn, name: p.name, args: p.args }),
    );
    s.on('tool.result', (p) =>
      this.#send({
        type: 'tool.result',
        turn: p.turn,
        name: p.name,
        ...(p.error !== undefined ? { error: p.error } : { result: p.result }),
        ms: Math.round(p.ms),
      }),
    );
    s.on('turn.metrics', (m) =>
      this.#send({
        type: 'turn.metrics',
        turn: m.turn,
        source: m.source,
        speech_end_to_first_audio_ms: roundOrNull(m.speechEndToFirstAudioMs),
        endpoint_silence_ms: roundOrNull(m.endpointSilenceMs),
        stt_final_ms: roundOrNull(m.sttFinalMs),
        brain_ms: Math.round(m.brainMs),
        tool_ms: Math.round(m.toolMs),
        tts_first_chunk_ms: roundOrNull(m.ttsFirstChunkMs),
        filler: m.filler,
      }),
    );
    s.on('error', ({ error, where }) => {
      this.#log.warn({ err: error, where }, 'voice session error');
      this.#sendError('INTERNAL_ERROR', `The call hit a problem in ${where}; it goes on`);
    });
    s.on('ended', ({ reason }) => {
      this.#send({ type: 'ended', reason });
      // A session may end by itself (a realtime call over its model budget, or its model lost): close the line.
      void this.end(reason);
    });
  }

  #sendAudio(p: {
    turn: number;
    kind: string;
    samples: Int16Array;
    sampleRate: number;
    offsetMs: number;
  }): void {
    if (this.#closed || this.#checkReader()) return;
    const durationMs = (p.samples.length * 1000) / p.sampleRate;
    if (this.#socket.bufferedAmount > this.#limits.dropAudioAboveBytes) {
      // Late audio is worse than none: a client this far behind would hear the agent seconds late.
      this.#droppedAudioMs += durationMs;
      return;
    }
    if (this.#resampler?.inputRate !== p.sampleRate)
      this.#resampler = createRateConverter(p.sampleRate, SAMPLE_RATE_OUT);
    const out = this.#resampler.process(p.samples);
    this.#segments.push({ turn: p.turn, kind: p.kind, atMs: this.#sentMs, durationMs, offsetMs: p.offsetMs });
    this.#sentMs += durationMs;
    if (out.length > 0) this.#sendRaw(pcmBytes(out));
  }

  /** Closes the call (1013) when the client has stopped reading; returns whether it did. */
  #checkReader(): boolean {
    if (this.#ended) return true;
    const buffered = this.#socket.bufferedAmount;
    const now = this.#now();
    if (buffered <= this.#limits.dropAudioAboveBytes) this.#overSince = null;
    else this.#overSince ??= now;
    const stalled = this.#overSince !== null && now - this.#overSince >= this.#limits.stalledCloseMs;
    if (buffered <= this.#limits.closeAboveBytes && !stalled) return false;
    this.#sendError('RATE_LIMITED', 'The client is not reading; the call is closed');
    void this.end('client-not-reading', { code: 1013, why: 'client not reading' });
    return true;
  }

  /** The resampler holds back its filter delay; let the end of the last utterance out. */
  #flushAudio(): void {
    if (!this.#resampler) return;
    const tail = this.#resampler.flush();
    this.#resampler = null;
    if (tail.length > 0) this.#sendRaw(pcmBytes(tail));
  }

  #sendState(state: SessionState): void {
    if (state === this.#lastState) return;
    this.#lastState = state;
    this.#send({ type: 'state', state });
  }

  #sendError(type: ErrorType, details: string): void {
    this.#send({ type: 'error', error: { type, details } });
  }

  #send(message: Record<string, unknown>): void {
    this.#sendRaw(JSON.stringify(message));
  }

  #sendRaw(data: string | Uint8Array): void {
    if (this.#closed || this.#socket.readyState !== OPEN) return;
    try {
      this.#socket.send(data);
    } catch (error) {
      this.#log.debug({ err: error }, 'voice socket send failed');
    }
  }

  #close(code: number, why: string): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#socket.readyState === OPEN) this.#socket.close(code, why.slice(0, 120));
  }
}

const roundOrNull = (ms: number | null): number | null => (ms === null ? null : Math.round(ms));

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/** Little-endian PCM16 bytes (a copy: the socket may hold on to them). */
function pcmBytes(samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  return out;
}
