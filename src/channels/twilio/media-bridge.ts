/**
 * One Twilio media stream ↔ one call session (the same session, brain and tools as the browser channel).
 *
 * In: `media` payloads (8 kHz µ-law, 20 ms) are decoded and resampled to the session's 16 kHz PCM16; `dtmf` keys are
 * collected into a text turn (until `#` or a pause). Out: the agent's audio (at the synthesizer's rate) is resampled to
 * 8 kHz, µ-law encoded and sent as 20 ms `media` frames paced in real time (OutboundPacer), with a `mark` every few
 * frames and at the end of every chunk: Twilio echoes a mark once the audio before it has played, which tells the
 * session how much of its utterance the caller actually heard (`markPlayed` → the transcript's played text). When the
 * caller barges in, the session's `clear` becomes Twilio's `clear` and the queue is dropped; marks echoed after a
 * clear are stale and ignored.
 *
 * Bad input ends this call only, cleanly: a malformed message (not JSON, wrong fields, a binary frame), one out of
 * order (media before `start`, a second `start`, a sequence number going back, another stream's sid), audio much
 * faster than real time, or a peer that stops reading. The session is ended (its transcript settled), the error is
 * recorded on the call, and the socket closed (1008), which for Twilio means "continue the TwiML": the call hangs up.
 */
import { MULAW_SILENCE, mulawDecode, mulawEncode } from '../../audio/g711.ts';
import { Resampler } from '../../audio/resampler.ts';
import type { Logger } from '../../core/logger.ts';
import type { CallSession } from '../../session/call-session.ts';
import type { VoiceSessionEvents } from '../../session/events.ts';
import type { CallError } from '../../store/calls.ts';
import { createRateConverter, type RateConverter } from '../browser/rate-converter.ts';
import { DtmfCollector } from './dtmf.ts';
import { type AudioTag, OutboundPacer, type PacerStats } from './pacer.ts';
import {
  clearMessage,
  FRAME_BYTES,
  FRAME_MS,
  markMessage,
  mediaMessageFor,
  parseInbound,
  TWILIO_SAMPLE_RATE,
  type TwilioInbound,
} from './protocol.ts';

const SESSION_RATE = 16_000;
/** Peak of the noise floor added to caller audio (±16 of 32768 ≈ −70 dBFS RMS); see `#dither`. */
const DITHER = 16;
const OPEN = 1;

/** The call session the bridge drives: the cascade VoiceSession or a speech-to-speech one (src/session). */
export type BridgedSession = CallSession;

/** The part of a `ws` WebSocket the bridge uses. */
export interface MediaSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** What `start` said about the stream. */
export interface StreamStart {
  streamSid: string;
  callSid: string;
  accountSid: string;
  /** `<Parameter>`s of the TwiML. */
  parameters: Record<string, string>;
}

export interface OpenedCall {
  callId: string;
  orgId: string;
  session: BridgedSession;
}

export interface BridgeEnd {
  reason: string;
  /** Set when the call ended because something went wrong (recorded on the call). */
  error: CallError | null;
  /** Null when the stream never reached a known call. */
  call: OpenedCall | null;
  stats: BridgeStats;
}

export interface BridgeStats {
  inboundMs: number;
  outbound: PacerStats;
  marksHeard: number;
  dtmfTurns: number;
}

export interface MediaLimits {
  /** Caller audio may run ahead of the wall clock by this much before the call is ended (default 10 s). */
  maxAudioAheadMs: number;
  /** The call ends when the socket has more than this queued unsent: the peer stopped reading (default 1 MiB). */
  closeAboveBytes: number;
  /** A mark every this many frames inside an agent audio chunk (default 5 = 100 ms), and one at its end. */
  markEveryFrames: number;
  /** Frames sent ahead of real time at the start of a run (default 3 = 60 ms; see pacer.ts). */
  leadFrames: number;
  /** Silence after the last key that ends a keypad entry (default 2 s). */
  dtmfPauseMs: number;
  /** How long the stream may go without `start` (default 10 s). */
  startTimeoutMs: number;
}

export const DEFAULT_MEDIA_LIMITS: MediaLimits = {
  maxAudioAheadMs: 10_000,
  closeAboveBytes: 1024 * 1024,
  markEveryFrames: 5,
  leadFrames: 3,
  dtmfPauseMs: 2000,
  startTimeoutMs: 10_000,
};

export interface TwilioMediaBridgeOptions {
  socket: MediaSocket;
  logger: Logger;
  /** Finds the call the stream belongs to and opens its session; throws when it belongs to none. */
  openCall: (start: StreamStart) => Promise<OpenedCall>;
  /** After the session ended and before the socket closes (records the end on the call). */
  onEnded?: (end: BridgeEnd) => Promise<void> | void;
  limits?: Partial<MediaLimits>;
  now?: () => number;
}

type Phase = 'connecting' | 'opening' | 'live' | 'ended';

interface PendingMark {
  /** `turn:kind` of the utterance. */
  key: string;
  /** Position in the utterance once everything before the mark played. */
  ms: number;
}

class ProtocolError extends Error {}

export class TwilioMediaBridge {
  readonly #socket: MediaSocket;
  readonly #log: Logger;
  readonly #limits: MediaLimits;
  readonly #now: () => number;
  readonly #openCall: (start: StreamStart) => Promise<OpenedCall>;
  readonly #onEnded: ((end: BridgeEnd) => Promise<void> | void) | undefined;
  readonly #pacer: OutboundPacer;
  readonly #dtmf: DtmfCollector;
  readonly #upsampler = new Resampler(TWILIO_SAMPLE_RATE, SESSION_RATE);
  #phase: Phase = 'connecting';
  #connected = false;
  #streamSid = '';
  #mediaMessage: (payload: Uint8Array) => string = mediaMessageFor('');
  #lastSequence = 0;
  #call: OpenedCall | null = null;
  #early: TwilioInbound[] = [];
  #unsubscribe: Array<() => void> = [];
  #downsampler: RateConverter | null = null;
  #marks = new Map<string, PendingMark>();
  #markCounter = 0;
  /** The utterance whose playback is reported to the session (the first sent since the last clear). */
  #reportKey: string | null = null;
  #startedAt = 0;
  #inboundMs = 0;
  #marksHeard = 0;
  #dtmfTurns = 0;
  #startTimer: ReturnType<typeof setTimeout> | null = null;
  #noise = 0x9e3779b9 | 0;
  #ended: Promise<void> | null = null;

  constructor(options: TwilioMediaBridgeOptions) {
    this.#socket = options.socket;
    this.#log = options.logger.child({ component: 'twilio-media' });
    this.#limits = { ...DEFAULT_MEDIA_LIMITS, ...options.limits };
    this.#now = options.now ?? (() => performance.now());
    this.#openCall = options.openCall;
    this.#onEnded = options.onEnded;
    this.#pacer = new OutboundPacer({
      send: (data) => this.#sendRaw(data),
      frameMessage: (payload) => this.#mediaMessage(payload),
      tagMessage: (mark) => this.#markMessage(mark as PendingMark),
      frameMs: FRAME_MS,
      leadFrames: this.#limits.leadFrames,
      now: this.#now,
    });
    this.#dtmf = new DtmfCollector({
      pauseMs: this.#limits.dtmfPauseMs,
      onDigits: (digits) => {
        this.#dtmfTurns++;
        void this.#call?.session.sendText(digits);
      },
    });
  }

  /** Listens to the socket. */
  start(early: ReadonlyArray<[Buffer | ArrayBuffer | Buffer[], boolean]> = []): void {
    const socket = this.#socket;
    socket.on('close', () => void this.end('caller-gone'));
    socket.on('error', (error) => {
      this.#log.debug({ err: error }, 'media socket error');
      void this.end('socket-error');
    });
    this.#startTimer = setTimeout(
      () => this.#protocolError(new ProtocolError('no "start" message')),
      this.#limits.startTimeoutMs,
    );
    this.#startTimer.unref?.();
    for (const [data, isBinary] of early) this.#onFrame(data, isBinary);
    socket.on('message', (data, isBinary) => this.#onFrame(data, isBinary));
  }

  get callId(): string | null {
    return this.#call?.callId ?? null;
  }

  get stats(): BridgeStats {
    return {
      inboundMs: this.#inboundMs,
      outbound: { ...this.#pacer.stats },
      marksHeard: this.#marksHeard,
      dtmfTurns: this.#dtmfTurns,
    };
  }

  /** Ends the call (session ended, transcript settled, end recorded) and closes the socket; safe to repeat. */
  end(reason: string, failure?: { error?: CallError; code: number }): Promise<void> {
    this.#ended ??= (async () => {
      this.#phase = 'ended';
      if (this.#startTimer) clearTimeout(this.#startTimer);
      this.#pacer.stop();
      this.#dtmf.stop();
      for (const off of this.#unsubscribe) off();
      const call = this.#call;
      if (call) {
        try {
          await call.session.end(reason);
        } catch (error) {
          this.#log.error({ err: error, callId: call.callId }, 'call session did not end cleanly');
        }
      }
      const stats = this.stats;
      try {
        await this.#onEnded?.({ reason, error: failure?.error ?? null, call, stats });
      } catch (error) {
        this.#log.error({ err: error, callId: call?.callId }, 'call end not recorded');
      }
      this.#log.info(
        {
          callId: call?.callId,
          reason,
          inboundMs: Math.round(stats.inboundMs),
          framesOut: stats.outbound.framesSent,
          maxLatenessMs: Math.round(stats.outbound.maxLatenessMs),
        },
        'phone call stream ended',
      );
      if (this.#socket.readyState === OPEN) this.#socket.close(failure?.code ?? 1000, reason.slice(0, 120));
    })();
    return this.#ended;
  }

  // ── Twilio → us ───────────────────────────────────────────────────────────────────────────────────────────

  #onFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.#phase === 'ended') return;
    try {
      if (isBinary) throw new ProtocolError('binary frame (Twilio sends JSON text frames)');
      const parsed = parseInbound(textOf(data));
      if (!parsed.ok) throw new ProtocolError(parsed.reason);
      this.#onMessage(parsed.message);
    } catch (error) {
      this.#protocolError(error);
    }
  }

  #onMessage(message: TwilioInbound): void {
    if (message.event === 'connected') {
      if (this.#connected || this.#phase !== 'connecting')
        throw new ProtocolError('"connected" out of order');
      this.#connected = true;
      return;
    }
    const sequence = Number(message.sequenceNumber);
    if (sequence <= this.#lastSequence)
      throw new ProtocolError(`sequenceNumber ${sequence} after ${this.#lastSequence}`);
    this.#lastSequence = sequence;
    if (message.event === 'start') {
      if (this.#phase !== 'connecting') throw new ProtocolError('a second "start"');
      if (message.streamSid !== message.start.streamSid) throw new ProtocolError('start: streamSid differs');
      this.#streamSid = message.streamSid;
      this.#mediaMessage = mediaMessageFor(message.streamSid);
      this.#phase = 'opening';
      // Caller audio is timed from here: what arrives while the session opens is kept, then caught up on.
      this.#startedAt = this.#now();
      void this.#open({
        streamSid: message.streamSid,
        callSid: message.start.callSid,
        accountSid: message.start.accountSid,
        parameters: message.start.customParameters,
      });
      return;
    }
    if (this.#phase === 'connecting') throw new ProtocolError(`"${message.event}" before "start"`);
    if (message.streamSid !== this.#streamSid)
      throw new ProtocolError(`"${message.event}" for another stream`);
    if (message.event === 'media' && message.media.track === 'inbound') this.#meter(message.media.payload);
    if (this.#phase === 'opening') {
      // The session is being opened (the first call loads the speech models): keep the stream in order.
      this.#early.push(message);
      return;
    }
    this.#handle(message);
  }

  #handle(message: TwilioInbound): void {
    switch (message.event) {
      case 'media':
        if (message.media.track === 'inbound') this.#onAudio(message.media.payload);
        return;
      case 'dtmf':
        this.#dtmf.press(message.dtmf.digit);
        return;
      case 'mark':
        this.#onMark(message.mark.name);
        return;
      case 'stop':
        void this.end('stream-stopped');
        return;
      default:
        throw new ProtocolError(`"${message.event}" out of order`);
    }
  }

  async #open(start: StreamStart): Promise<void> {
    if (this.#startTimer) clearTimeout(this.#startTimer);
    try {
      const call = await this.#openCall(start);
      if (this.#phase === 'ended') {
        // The caller hung up while the call was being set up: the session still ends, its transcript settled.
        await call.session.end('caller-gone');
        return;
      }
      this.#call = call;
      this.#subscribe(call.session);
      await call.session.start();
      this.#phase = 'live';
      this.#log.info(
        { callId: call.callId, orgId: call.orgId, sessionId: call.session.id },
        'phone call stream live',
      );
      const early = this.#early;
      this.#early = [];
      for (const message of early) {
        if (this.#phase !== 'live') break;
        try {
          this.#handle(message);
        } catch (error) {
          this.#protocolError(error);
        }
      }
    } catch (error) {
      this.#log.warn({ err: error, callSid: start.callSid }, 'media stream refused');
      const message = error instanceof Error ? error.message : String(error);
      void this.end('start-failed', { error: { code: 'stream_refused', message }, code: 1008 });
    }
  }

  /** Audio faster than real time would let one caller take the recognizer's CPU from every other call. */
  #meter(payload: string): void {
    // base64: 4 characters per 3 bytes, less the padding.
    const bytes = (payload.length * 3) / 4 - (payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0);
    this.#inboundMs += bytes / (TWILIO_SAMPLE_RATE / 1000);
    if (this.#inboundMs - (this.#now() - this.#startedAt) > this.#limits.maxAudioAheadMs)
      throw new ProtocolError('audio faster than real time');
  }

  #onAudio(payload: string): void {
    const mulaw = Buffer.from(payload, 'base64');
    const pcm16k = this.#upsampler.process(mulawDecode(mulaw));
    this.#dither(pcm16k);
    this.#call?.session.pushAudio(pcm16k);
  }

  /**
   * A −70 dBFS noise floor over the upsampled audio. Phone audio carries nothing above 4 kHz; once resampled, that
   * half of the recognizer's log-mel features is digital silence, far outside what a wideband model was trained on
   * (the bundled 3.3M model then hears nothing at all: "row" for a whole sentence). A floor as quiet as any
   * microphone's own brings its transcripts back to the wideband ones, and stays far below every VAD threshold.
   */
  #dither(samples: Int16Array): void {
    let x = this.#noise;
    for (let i = 0; i < samples.length; i++) {
      // xorshift32: cheap, and the same noise for the same call.
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      const v = samples[i]! + ((x >>> 0) % (2 * DITHER + 1)) - DITHER;
      samples[i] = Math.min(32767, Math.max(-32768, v));
    }
    this.#noise = x;
  }

  #onMark(name: string): void {
    const mark = this.#marks.get(name);
    // Not ours any more: echoed by a `clear` (not played), or already counted.
    if (!mark) return;
    // Marks come back in order: every one sent before this one has played too.
    for (const key of this.#marks.keys()) {
      this.#marks.delete(key);
      if (key === name) break;
    }
    this.#marksHeard++;
    if (mark.key === this.#reportKey) this.#call?.session.markPlayed(mark.ms);
  }

  #protocolError(error: unknown): void {
    if (this.#phase === 'ended') return;
    if (!(error instanceof ProtocolError)) {
      this.#log.error({ err: error, callId: this.#call?.callId }, 'media bridge failed');
      void this.end('bridge-error', {
        error: { code: 'bridge_error', message: 'The media bridge failed' },
        code: 1011,
      });
      return;
    }
    this.#log.warn(
      { callId: this.#call?.callId, problem: error.message },
      'bad media stream message; call ended',
    );
    void this.end('protocol-error', {
      error: { code: 'media_protocol', message: error.message },
      code: 1008,
    });
  }

  // ── us → Twilio ───────────────────────────────────────────────────────────────────────────────────────────

  #subscribe(session: BridgedSession): void {
    this.#unsubscribe.push(
      session.on('agent.audio', (p) => this.#sendAudio(p)),
      session.on('clear', () => this.#clear()),
      session.on('state', ({ state }) => {
        // Every utterance has settled: reports from here on belong to the next one.
        if (state !== 'speaking') this.#reportKey = null;
      }),
      session.on('error', ({ error, where }) => this.#log.warn({ err: error, where }, 'call session error')),
    );
  }

  /**
   * One chunk of agent audio: resampled to 8 kHz on its own (the converter is flushed, so the chunk's whole sound
   * goes out now and a mark can stand at its exact end), encoded, cut into 20 ms frames (the last padded with
   * silence), with marks every few frames and at the end.
   */
  #sendAudio(p: VoiceSessionEvents['agent.audio']): void {
    // From the moment the bridge subscribes (before the session's start()): what a session says as it starts (a
    // greeting already synthesized) goes out, not lost.
    if (this.#phase === 'ended') return;
    const key = `${p.turn}:${p.kind}`;
    this.#reportKey ??= key;
    if (this.#downsampler?.inputRate !== p.sampleRate)
      this.#downsampler = createRateConverter(p.sampleRate, TWILIO_SAMPLE_RATE);
    const body = this.#downsampler.process(p.samples);
    const tail = this.#downsampler.flush();
    this.#downsampler.reset();
    const pcm = new Int16Array(body.length + tail.length);
    pcm.set(body);
    pcm.set(tail, body.length);
    const frames = Math.max(1, Math.ceil(pcm.length / FRAME_BYTES));
    const mulaw = new Uint8Array(frames * FRAME_BYTES).fill(MULAW_SILENCE);
    mulawEncode(pcm, mulaw.subarray(0, pcm.length));
    const chunkMs = (p.samples.length * 1000) / p.sampleRate;
    const every = this.#limits.markEveryFrames;
    // The chunk goes to the pacer whole, with a mark after every `every` frames and one after the last: the marks
    // are named and remembered only as they go out.
    const marks: AudioTag[] = [];
    for (let to = every; to < frames; to += every)
      marks.push({ afterFrame: to, tag: { key, ms: p.offsetMs + Math.min(chunkMs, to * FRAME_MS) } });
    marks.push({ afterFrame: frames, tag: { key, ms: p.offsetMs + chunkMs } });
    this.#pacer.pushAudio(mulaw, marks);
  }

  /** A mark leaves after the audio before it: named now, remembered until Twilio echoes it. */
  #markMessage(mark: PendingMark): string {
    const name = `m${++this.#markCounter}`;
    this.#marks.set(name, mark);
    return markMessage(this.#streamSid, name);
  }

  /** Barge-in: drop what is queued here and at Twilio; the marks still pending there come back unplayed. */
  #clear(): void {
    if (this.#phase === 'ended') return;
    this.#pacer.clear();
    this.#marks.clear();
    this.#reportKey = null;
    this.#sendRaw(clearMessage(this.#streamSid));
  }

  #sendRaw(data: string): void {
    const socket = this.#socket;
    if (socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > this.#limits.closeAboveBytes) {
      this.#log.warn(
        { callId: this.#call?.callId, buffered: socket.bufferedAmount },
        'Twilio is not reading',
      );
      void this.end('peer-not-reading', {
        error: { code: 'peer_not_reading', message: 'The media stream stopped reading' },
        code: 1013,
      });
      return;
    }
    try {
      socket.send(data);
    } catch (error) {
      this.#log.debug({ err: error }, 'media socket send failed');
    }
  }
}

function textOf(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
