/**
 * One call: caller audio (16 kHz PCM16, any chunk size) and typed text in; typed events out. Turn-taking is VAD +
 * streaming STT partials + the Endpointer; a turn runs the same Brain the text channel runs (same state, one CRM
 * idempotency key per turn); the reply is spoken sentence by sentence. While the agent speaks, caller speech holds
 * playback at once (`clear`), then either interrupts it for good (real words, or speech long enough) or lets it
 * resume (a backchannel: "mm-hmm", "okay", a cough). The transcript is written as the call goes.
 *
 * No transport and no vendor here: channels adapt wire messages to `pushAudio` / `sendText` / `markPlayed` and
 * subscribe to events. Times: VAD/endpointer in stream ms (samples fed ÷ 16), latencies on the wall clock `now`.
 */
import { randomUUID } from 'node:crypto';
import { Endpointer, type EndpointerOptions } from '../audio/endpointer.ts';
import { EnergyVad } from '../audio/energy-vad.ts';
import { bytesPerFrame, FrameChunker, pcm16FromBytes } from '../audio/pcm.ts';
import type { VadEvent, VoiceActivityDetector } from '../audio/vad.ts';
import type { Brain, CallInfo } from '../brains/brain.ts';
import type { CrmGateway } from '../core/crm.ts';
import type { MeetingCalendar } from '../core/meetings.ts';
import type { MessageSender } from '../core/messages.ts';
import { type Clock, systemClock } from '../core/time.ts';
import type { RecognitionStream, SpeechRecognizer } from '../speech/recognizer.ts';
import type { SpeechSynthesizer, SynthesisChunk } from '../speech/synthesizer.ts';
import { hasTurnTakingWords, isBackchannel } from './backchannel.ts';
import {
  SessionEvents,
  type SessionState,
  type TurnMetrics,
  type VoiceSessionEventName,
  type VoiceSessionEvents,
} from './events.ts';
import { observedCrm } from './observed-crm.ts';
import { Playback } from './playback.ts';
import { PreRoll } from './pre-roll.ts';

export const SESSION_SAMPLE_RATE = 16_000;
const FRAME_MS = 20;

/** Where the session writes its transcript (TranscriptRepository via `transcriptSink` in production). */
export interface TranscriptSink {
  start(info: { channel: string; startedAt: Date }): Promise<void>;
  append(entry: {
    seq: number;
    turn: number;
    role: 'user' | 'agent' | 'tool' | 'system';
    text: string;
    startedAt: Date;
    endedAt?: Date | null;
    interrupted?: boolean;
    playedText?: string | null;
    tool?: { name: string; args: unknown; result: unknown };
  }): Promise<void>;
  settlePlayback(
    seq: number,
    outcome: { endedAt: Date; interrupted: boolean; playedText: string },
  ): Promise<void>;
  end(endedAt: Date): Promise<void>;
}

export interface BargeInOptions {
  /** Speech shorter than this never interrupts (a cough, a click); playback resumes (default 300 ms). */
  minSpeechMs?: number;
  /**
   * Speech this long (VAD time, which includes the VAD's ~300 ms end hangover) interrupts even before the
   * recogniser has words for it (default 900 ms: a spoken "okay" is ~500 ms of speech, and its words arrive
   * ~500 ms after it starts).
   */
  confirmWithoutWordsMs?: number;
  /** After the caller stops, how long to wait for the recogniser's words before resuming (default 400 ms). */
  waitForWordsMs?: number;
  /**
   * A hold started by the fast onset detector that the session's VAD has not confirmed as speech this long after its
   * start was a noise: playback resumes (default 600 ms; Silero confirms real speech ~300 ms after the onset).
   */
  confirmWithinMs?: number;
}

/**
 * The recogniser is the session's main CPU cost, so it hears the caller only around their speech: from a pre-roll
 * before the VAD's speech start (the VAD decides late) until a while after its speech end (the last words still
 * decode, and a caller who pauses mid-number goes on in the same utterance).
 */
export interface RecognizerFeedOptions {
  /** Audio before the speech start the VAD reports, replayed to the recogniser (default 300 ms). */
  preRollMs?: number;
  /** The longest the VAD takes to report a speech start after it happened (default 700 ms; sizes the buffer). */
  maxVadLagMs?: number;
  /**
   * Silence after the VAD's speech end still fed, unless the turn ends first (default 700 ms: the model's 320 ms
   * chunk and look-ahead are decoded by then, and a turn that ends sooner gets its last words from `lookahead`).
   */
  tailMs?: number;
}

export interface VoiceSessionOptions {
  orgId: string;
  /** Default: a random UUID (also the brain's session id and the transcript's). */
  sessionId?: string;
  /** The transport, for the transcript: `browser`, `twilio`, `cli`… */
  channel: string;
  brain: Brain;
  crm: CrmGateway;
  calendar?: MeetingCalendar;
  messages?: MessageSender;
  timeZone: string;
  /** Without one, the session takes typed text only. */
  recognizer?: SpeechRecognizer;
  /** Without one, replies are text only (`agent.text`). */
  synthesizer?: SpeechSynthesizer;
  /** Default: the energy VAD at 16 kHz. */
  vad?: VoiceActivityDetector;
  /**
   * Barge-in onset: a fast detector that holds the agent's audio the moment the caller makes a sound over it, while
   * the VAD and the words decide whether to interrupt or resume. Silero decides ~350 ms after speech starts; the
   * energy detector ~60 ms. Default: an energy VAD when `vad` is not one already; `false`: the VAD alone holds.
   */
  onsetVad?: VoiceActivityDetector | false;
  endpointer?: EndpointerOptions;
  bargeIn?: BargeInOptions;
  recognizerFeed?: RecognizerFeedOptions;
  /** A turn whose reply is not ready after this long gets one spoken filler (default 700 ms). */
  fillerAfterMs?: number;
  fillerText?: string;
  transcript?: TranscriptSink;
  /** Domain time (the brain's "now"). */
  clock?: Clock;
  /** Monotonic wall milliseconds, for latencies and assumed playback. */
  now?: () => number;
  /** The CRM key of a turn: a re-run of the same turn must not write twice. */
  idempotencyKey?: (orgId: string, sessionId: string, turn: number) => string;
  /**
   * The agent speaks first: these words are said once the session starts (turn 0), as any reply is — written to
   * the transcript, spoken sentence by sentence, cut short by a barge-in.
   */
  greeting?: string;
  /** Who the call is with and why: handed to the brain every turn (BrainContext.call). */
  call?: CallInfo;
}

/** Said when a turn fails (the brain or a tool threw): the call goes on. */
export const TURN_FAILED_REPLY = 'Sorry, something went wrong on my side. Could you say that again?';

export const voiceTurnIdempotencyKey = (orgId: string, sessionId: string, turn: number): string =>
  `voice:${orgId}:${sessionId}:${turn}`;

interface PendingTurn {
  text: string;
  source: 'speech' | 'text';
  speechEndWall: number | null;
  endpointSilenceMs: number | null;
  sttFinalMs: number | null;
}

interface BargeIn {
  startMs: number;
  detectedAtMs: number;
  /** Set when the caller stopped before the barge-in was decided: stream time by which their words must show. */
  wordsDueMs: number | null;
  /** The session's VAD has called it speech (a hold by the onset detector alone is not yet). */
  confirmed: boolean;
}

export class VoiceSession {
  readonly id: string;
  readonly orgId: string;
  readonly #o: VoiceSessionOptions;
  readonly #events = new SessionEvents();
  readonly #now: () => number;
  readonly #clock: Clock;
  readonly #vad: VoiceActivityDetector;
  readonly #onsetVad: VoiceActivityDetector | null;
  readonly #endpointer: Endpointer;
  readonly #stt: RecognitionStream | null;
  readonly #chunker = new FrameChunker(bytesPerFrame(SESSION_SAMPLE_RATE, FRAME_MS));
  readonly #preRoll: PreRoll;
  readonly #preRollMs: number;
  readonly #tailMs: number;
  /** Where the VAD's current (or last) speech started, stream ms. */
  #speechStartMs = 0;
  /** Whether caller frames go to the recogniser now (else to the pre-roll). */
  #sttFeeding = false;
  /** The recogniser's look-ahead was read for the current pause. */
  #lookedAhead = false;
  /** Where the onset detector last heard speech end (stream ms; -1 before any). */
  #onsetEndMs = -1;
  /** Where the VAD last said speech ended (stream ms, as it reported it). */
  #vadEndMs = -1;
  /** Stream ms until which the recogniser is fed after the caller stopped. */
  #sttFeedUntilMs = 0;
  #state: SessionState = 'listening';
  #streamSamples = 0;
  #partial = '';
  #seq = 0;
  #turn = 0;
  #brainState: unknown;
  #turns: Promise<void> = Promise.resolve();
  #writes: Promise<void> = Promise.resolve();
  #playbacks: Playback[] = [];
  #bargeIn: BargeIn | null = null;
  #endTimer: ReturnType<typeof setTimeout> | null = null;
  #ended = false;
  #started = false;
  /** A turn is between user.final and its reply's first audio. */
  #thinking = false;
  #answered = 0;
  #fillerAudio: Promise<SynthesisChunk[] | null> = Promise.resolve(null);

  constructor(options: VoiceSessionOptions) {
    this.#o = options;
    this.id = options.sessionId ?? randomUUID();
    this.orgId = options.orgId;
    this.#now = options.now ?? (() => performance.now());
    this.#clock = options.clock ?? systemClock;
    this.#vad = options.vad ?? new EnergyVad({ sampleRate: SESSION_SAMPLE_RATE });
    if (this.#vad.sampleRate !== SESSION_SAMPLE_RATE)
      throw new RangeError(`the session's VAD must take ${SESSION_SAMPLE_RATE} Hz audio`);
    this.#onsetVad =
      options.onsetVad === false || this.#vad instanceof EnergyVad
        ? null
        : // Its end (200 ms of silence) also times the turn's silence, so it must come before the VAD's.
          (options.onsetVad ?? new EnergyVad({ sampleRate: SESSION_SAMPLE_RATE, minSilenceMs: 200 }));
    this.#endpointer = new Endpointer(options.endpointer);
    this.#stt = options.recognizer ? options.recognizer.createStream() : null;
    const feed = options.recognizerFeed ?? {};
    this.#preRollMs = feed.preRollMs ?? 300;
    this.#preRoll = new PreRoll(
      Math.round(((this.#preRollMs + (feed.maxVadLagMs ?? 700)) * SESSION_SAMPLE_RATE) / 1000),
    );
    this.#tailMs = feed.tailMs ?? 700;
  }

  /** Turns whose reply has been decided (and, with a synthesizer, started or finished speaking). */
  get answeredTurns(): number {
    return this.#answered;
  }

  get state(): SessionState {
    return this.#state;
  }

  on<E extends VoiceSessionEventName>(
    event: E,
    listener: (payload: VoiceSessionEvents[E]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /** Opens the transcript; call once before feeding input. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    if (this.#o.synthesizer) this.#fillerAudio = this.#synthesizeFiller(this.#o.synthesizer);
    await this.#record(() =>
      this.#o.transcript?.start({ channel: this.#o.channel, startedAt: this.#clock.now() }),
    );
    this.#events.emit('state', { state: this.#state });
    const greeting = this.#o.greeting?.trim();
    if (greeting)
      this.#turns = this.#turns
        .then(() => this.#greet(greeting))
        .catch((error: unknown) => this.#events.emit('error', { error: error as Error, where: 'greeting' }));
  }

  /**
   * The agent's opening line, turn 0 (the brain's turns stay 1-based): the caller's first turn waits for it to be
   * synthesized, and speech over it is judged as a barge-in like over any reply.
   */
  async #greet(text: string): Promise<void> {
    // The channel subscribes once the call is open: the first words wait for it to listen.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (this.#ended) return;
    const seq = this.#seq++;
    const spoken = this.#o.synthesizer !== undefined;
    await this.#record(() =>
      this.#o.transcript?.append({
        seq,
        turn: 0,
        role: 'agent',
        text,
        startedAt: this.#clock.now(),
        ...(spoken ? {} : { endedAt: this.#clock.now(), playedText: text }),
      }),
    );
    this.#events.emit('agent.text', { turn: 0, text });
    if (spoken && !this.#ended) await this.#speak(new Playback('reply', 0, text, seq));
  }

  /** Caller audio: 16 kHz mono PCM16, as bytes (any length, even odd) or samples. */
  pushAudio(audio: Uint8Array | Int16Array): void {
    if (this.#ended) return;
    const bytes =
      audio instanceof Int16Array ? new Uint8Array(audio.buffer, audio.byteOffset, audio.byteLength) : audio;
    for (const frame of this.#chunker.push(bytes)) this.#onFrame(pcm16FromBytes(frame));
  }

  /** A typed turn: skips STT; interrupts the agent if it is speaking. */
  sendText(text: string): Promise<void> {
    const trimmed = text.trim();
    if (!trimmed || this.#ended) return Promise.resolve();
    if (this.#isSpeaking()) this.#interrupt();
    return this.#enqueue({
      text: trimmed,
      source: 'text',
      speechEndWall: null,
      endpointSilenceMs: null,
      sttFinalMs: null,
    });
  }

  /** The channel's playback report: `ms` of the current utterance's audio has been played to the caller. */
  markPlayed(ms: number): void {
    const current = this.#playbacks.find((p) => !p.settled);
    current?.markPlayed(ms);
    this.#checkPlaybackDone();
  }

  /** Resolves when every queued turn has been answered (its reply synthesized; playback may still run). */
  idle(): Promise<void> {
    return this.#turns;
  }

  /** Ends the call: stops speech, settles the transcript, frees the recognizer stream. */
  async end(reason = 'hangup'): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    for (const p of this.#playbacks) p.abort.abort();
    this.#settleAll(this.#playbacks.some((p) => !p.finished(this.#now())));
    if (this.#endTimer) clearTimeout(this.#endTimer);
    await this.#turns.catch(() => {});
    await this.#record(() => this.#o.transcript?.end(this.#clock.now()));
    await this.#writes;
    this.#stt?.close();
    this.#vad.close();
    this.#onsetVad?.close();
    this.#events.emit('ended', { reason });
  }

  // ── audio in ──────────────────────────────────────────────────────────────────────────────────────────────

  #streamMs(): number {
    return (this.#streamSamples * 1000) / SESSION_SAMPLE_RATE;
  }

  #onFrame(frame: Int16Array): void {
    this.#streamSamples += frame.length;
    if (this.#onsetVad) for (const event of this.#onsetVad.push(frame)) this.#onOnset(event);
    for (const event of this.#vad.push(frame)) this.#onVad(event);
    if (this.#stt) this.#feedRecognizer(frame);
    if (this.#bargeIn) this.#judgeBargeIn();
    else if (!this.#isSpeaking()) this.#pollEndOfTurn();
    this.#checkPlaybackDone();
  }

  /** Speech (with its pre-roll and tail) goes to the recogniser; silence only to the pre-roll. */
  #feedRecognizer(frame: Int16Array): void {
    if (!this.#sttFeeding) {
      if (!this.#vad.speaking) {
        this.#preRoll.write(frame);
        return;
      }
      this.#sttFeeding = true;
      // From a pre-roll before where the VAD says speech began (frames before this one; this one follows).
      const replayMs =
        this.#streamMs() -
        (frame.length * 1000) / SESSION_SAMPLE_RATE -
        (this.#speechStartMs - this.#preRollMs);
      this.#preRoll.drain((replayMs * SESSION_SAMPLE_RATE) / 1000, (samples) => this.#accept(samples));
    } else if (!this.#vad.speaking && this.#streamMs() >= this.#sttFeedUntilMs) {
      this.#sttFeeding = false;
      this.#preRoll.write(frame);
      return;
    }
    this.#accept(frame);
  }

  #accept(samples: Int16Array): void {
    for (const result of this.#stt!.accept(samples)) {
      if (result.isFinal || result.text === this.#partial) continue;
      this.#partial = result.text;
      this.#endpointer.onTranscript(result.text);
      if (result.text) this.#events.emit('user.partial', { text: result.text });
    }
  }

  /** The recogniser's utterance is over or dropped: it hears nothing more until the caller speaks again. */
  #pauseRecognizer(): void {
    if (!this.#vad.speaking) this.#sttFeeding = false;
  }

  #onVad(event: VadEvent): void {
    this.#events.emit('vad', { event });
    if (event.type === 'speech-end') this.#vadEndMs = event.endMs;
    this.#endpointer.onVad(event.type === 'speech-end' ? this.#preciseEnd(event) : event);
    // New speech: the next pause gets its own look at the recogniser's look-ahead.
    if (event.type === 'speech-start') this.#lookedAhead = false;
    if (event.type === 'speech-start') this.#speechStartMs = event.startMs;
    // The tail counts from where speech ended, not from when the VAD noticed.
    else this.#sttFeedUntilMs = event.endMs + this.#tailMs;
    if (event.type === 'speech-start') {
      if (this.#bargeIn) {
        this.#bargeIn.wordsDueMs = null; // speaking again: judge the speech as it goes
        this.#bargeIn.confirmed = true;
      } else if (this.#isSpeaking()) this.#hold(event, true);
    } else if (this.#bargeIn) {
      // The caller stopped before the barge-in was confirmed: a short word with meaning ("stop", "no") takes the
      // turn; a cough, a click or a backchannel lets the agent go on.
      const spokeMs = event.endMs - this.#bargeIn.startMs;
      const minMs = this.#o.bargeIn?.minSpeechMs ?? 300;
      if (spokeMs < minMs || isBackchannel(this.#partial)) this.#resume();
      else if (hasTurnTakingWords(this.#partial)) this.#interrupt();
      // No words yet: the recogniser runs a few hundred ms behind the audio; give it until then.
      else this.#bargeIn.wordsDueMs = this.#streamMs() + (this.#o.bargeIn?.waitForWordsMs ?? 400);
    }
  }

  /** The fast detector heard the caller start over the agent: hold the audio now, let the VAD confirm it. */
  #onOnset(event: VadEvent): void {
    if (event.type === 'speech-start') {
      if (!this.#bargeIn && !this.#vad.speaking && this.#isSpeaking()) this.#hold(event, false);
      return;
    }
    this.#onsetEndMs = event.endMs;
    // The VAD already said the caller stopped, a little later than this: the same speech ending, told precisely.
    const before = this.#vadEndMs - event.endMs;
    if (!this.#vad.speaking && event.endMs >= this.#speechStartMs && before > 0 && before <= 200)
      this.#endpointer.refineSpeechEnd(event.endMs);
  }

  /**
   * The turn's silence counts from where speech really ended. Silero's end carries ~100 ms of model hangover; the
   * energy onset detector ends to the frame. Its end is taken when it falls just before the VAD's (within 200 ms),
   * so it is the same speech ending, not an earlier pause.
   */
  #preciseEnd(event: Extract<VadEvent, { type: 'speech-end' }>): VadEvent {
    const onsetEnd = this.#onsetEndMs;
    if (!this.#onsetVad || this.#onsetVad.speaking) return event;
    if (onsetEnd < event.startMs || onsetEnd >= event.endMs || event.endMs - onsetEnd > 200) return event;
    return { ...event, endMs: onsetEnd };
  }

  #pollEndOfTurn(): void {
    const nowMs = this.#streamMs();
    const deadline = this.#endpointer.deadlineMs();
    if (deadline === null || nowMs < deadline) return;
    // Wall time of this stream position: what the recogniser does from here on delays the reply.
    const atDeadline = this.#now();
    if (this.#stt && !this.#lookedAhead) {
      // The partial runs a few hundred ms behind the audio: before calling the turn over, hear the words still in
      // the recogniser's look-ahead. "my number is nine eight" must not be judged on "my number".
      this.#lookedAhead = true;
      const heard = this.#stt.lookahead().text;
      if (heard && heard !== this.#partial) {
        this.#partial = heard;
        this.#endpointer.onTranscript(heard);
        this.#events.emit('user.partial', { text: heard });
      }
    }
    const end = this.#endpointer.poll(nowMs);
    if (!end) return;
    const final = this.#stt?.finish();
    // Look-ahead (when it ended the turn) and final decode: the recogniser's share of the reply's latency.
    const sttFinalMs = this.#now() - atDeadline;
    this.#partial = '';
    this.#pauseRecognizer();
    const text = (final?.text ?? end.transcript).trim();
    if (!text) return;
    const speechEndWall = atDeadline - (nowMs - end.speechEndMs);
    void this.#enqueue({
      text,
      source: 'speech',
      speechEndWall,
      endpointSilenceMs: end.silenceMs,
      sttFinalMs,
    });
  }

  // ── barge-in ──────────────────────────────────────────────────────────────────────────────────────────────

  #isSpeaking(): boolean {
    return this.#playbacks.some((p) => !p.settled);
  }

  /** Caller speech over the agent: stop the audio at once, decide later whether it was a real interruption. */
  #hold(event: VadEvent, confirmed: boolean): void {
    const now = this.#now();
    this.#bargeIn = { startMs: event.startMs, detectedAtMs: event.detectedAtMs, wordsDueMs: null, confirmed };
    const current = this.#playbacks.filter((p) => !p.settled);
    for (const p of current) p.hold(now);
    this.#events.emit('clear', { turn: current[0]?.turn ?? this.#turn });
  }

  #judgeBargeIn(): void {
    const barge = this.#bargeIn!;
    const spokeMs = this.#streamMs() - barge.startMs;
    const minMs = this.#o.bargeIn?.minSpeechMs ?? 300;
    const blindMs = this.#o.bargeIn?.confirmWithoutWordsMs ?? 900;
    if (!barge.confirmed) {
      // Held on the onset detector alone: the VAD has not called it speech (yet). A cough, a knock, line noise.
      if (this.#vad.speaking) barge.confirmed = true;
      else {
        if (spokeMs >= (this.#o.bargeIn?.confirmWithinMs ?? 600)) this.#resume();
        return;
      }
    }
    if (barge.wordsDueMs !== null) {
      // The caller has stopped; waiting for the words of what they said.
      if (hasTurnTakingWords(this.#partial)) this.#interrupt();
      else if (isBackchannel(this.#partial) || this.#streamMs() >= barge.wordsDueMs) this.#resume();
      return;
    }
    if (spokeMs < minMs || !this.#vad.speaking) return;
    if (hasTurnTakingWords(this.#partial) || (spokeMs >= blindMs && !isBackchannel(this.#partial)))
      this.#interrupt();
  }

  #resume(): void {
    this.#bargeIn = null;
    // The backchannel is not a turn: forget its words.
    this.#stt?.reset();
    this.#endpointer.reset();
    this.#partial = '';
    this.#pauseRecognizer();
    const now = this.#now();
    let startsAt = now;
    for (const p of this.#playbacks) {
      if (p.settled) continue;
      const chunks = p.resume(now);
      this.#events.emit('agent.resumed', { turn: p.turn, fromMs: chunks[0]?.offsetMs ?? p.totalMs });
      for (const c of chunks) this.#send(p, c, now, startsAt);
      startsAt = p.expectedEnd(now);
    }
    this.#checkPlaybackDone();
  }

  /** The caller took the turn: stop synthesis, keep only what was heard. */
  #interrupt(): void {
    this.#bargeIn = null;
    const wasHeld = this.#playbacks.some((p) => p.held);
    for (const p of this.#playbacks) {
      if (p.settled) continue;
      p.abort.abort();
      if (!wasHeld && p.sentMs > 0) this.#events.emit('clear', { turn: p.turn });
    }
    this.#settleAll(true);
  }

  #settleAll(interrupted: boolean): void {
    const now = this.#now();
    const endedAt = this.#clock.now();
    for (const p of this.#playbacks) {
      if (p.settled) continue;
      const playedMs = p.settle(now);
      const cut = interrupted && playedMs < p.totalMs - 1;
      const playedText = cut ? p.playedText(playedMs) : p.text;
      if (cut && p.kind === 'reply') {
        this.#events.emit('agent.interrupted', {
          turn: p.turn,
          text: p.text,
          playedText,
          playedMs,
          totalMs: p.totalMs,
        });
      }
      void this.#record(() =>
        this.#o.transcript?.settlePlayback(p.seq, { endedAt, interrupted: cut, playedText }),
      );
    }
    this.#playbacks = [];
    if (this.#endTimer) clearTimeout(this.#endTimer);
    this.#endTimer = null;
    if (this.#state === 'speaking') this.#setState(this.#thinking ? 'thinking' : 'listening');
  }

  #checkPlaybackDone(): void {
    if (this.#bargeIn || this.#playbacks.length === 0) return;
    const now = this.#now();
    if (this.#playbacks.every((p) => p.finished(now))) this.#settleAll(false);
  }

  /** Without playback reports, wake up when the assumed playback ends. */
  #scheduleEndCheck(): void {
    if (this.#endTimer) clearTimeout(this.#endTimer);
    const last = this.#playbacks.at(-1);
    if (!last) return;
    const now = this.#now();
    // Past the assumed end (a channel reporting playback behind the clock), look again every 50 ms, not in a spin.
    const wait = Math.max(50, last.expectedEnd(now) - now + 5);
    this.#endTimer = setTimeout(() => {
      this.#endTimer = null;
      this.#checkPlaybackDone();
      if (this.#playbacks.length) this.#scheduleEndCheck();
    }, wait);
    this.#endTimer.unref?.();
  }

  // ── turns ─────────────────────────────────────────────────────────────────────────────────────────────────

  #enqueue(turn: PendingTurn): Promise<void> {
    this.#turns = this.#turns
      .then(() => this.#runTurn(turn))
      .catch(async (error: unknown) => {
        this.#thinking = false;
        this.#events.emit('error', { error: error as Error, where: 'turn' });
        // The caller must not be left in silence: say so, then listen again.
        if (this.#ended) return;
        const turn = this.#turn;
        const failure = this.#seq++;
        const apology = this.#seq++;
        const startedAt = this.#clock.now();
        void this.#record(() =>
          this.#o.transcript?.append({
            seq: failure,
            turn,
            role: 'system',
            text: `turn failed: ${(error as Error).message}`,
            startedAt,
          }),
        );
        void this.#record(() =>
          this.#o.transcript?.append({
            seq: apology,
            turn,
            role: 'agent',
            text: TURN_FAILED_REPLY,
            startedAt,
          }),
        );
        this.#events.emit('agent.text', { turn, text: TURN_FAILED_REPLY });
        if (this.#o.synthesizer) await this.#speak(new Playback('reply', turn, TURN_FAILED_REPLY, apology));
        else
          void this.#record(() =>
            this.#o.transcript?.settlePlayback(apology, {
              endedAt: this.#clock.now(),
              interrupted: false,
              playedText: TURN_FAILED_REPLY,
            }),
          );
        this.#answered = turn;
        if (!this.#isSpeaking()) this.#setState('listening');
      });
    return this.#turns;
  }

  async #runTurn(pending: PendingTurn): Promise<void> {
    if (this.#ended) return;
    const turn = ++this.#turn;
    const now = this.#now;
    this.#events.emit('user.final', { turn, text: pending.text, source: pending.source });
    // Sequence numbers are taken when a thing happens, not when its write runs, so the transcript keeps call order.
    const userSeq = this.#seq++;
    const userAt = this.#clock.now();
    const userWrite = this.#record(() =>
      this.#o.transcript?.append({
        seq: userSeq,
        turn,
        role: 'user',
        text: pending.text,
        startedAt: userAt,
      }),
    );
    this.#thinking = true;
    this.#setState('thinking');

    let toolMs = 0;
    const crm = observedCrm(
      this.#o.crm,
      {
        started: (name, args) => this.#events.emit('tool.started', { turn, name, args }),
        finished: (name, args, outcome, ms) => {
          toolMs += ms;
          this.#events.emit('tool.result', {
            turn,
            name,
            ...(outcome.error ? { error: outcome.error.message } : { result: outcome.result }),
            ms,
          });
          const toolSeq = this.#seq++;
          const toolAt = this.#clock.now();
          void this.#record(() =>
            this.#o.transcript?.append({
              seq: toolSeq,
              turn,
              role: 'tool',
              text: outcome.error ? `${name} failed: ${outcome.error.message}` : name,
              startedAt: toolAt,
              tool: { name, args, result: outcome.error ? { error: outcome.error.message } : outcome.result },
            }),
          );
        },
      },
      now,
    );

    // One short filler when the brain is slow, so the caller never hears dead air.
    let filler = false;
    const fillerTimer = this.#o.synthesizer
      ? setTimeout(() => {
          filler = true;
          void this.#speakFiller(turn);
        }, this.#o.fillerAfterMs ?? 700)
      : null;

    const brainStart = now();
    let outcome: Awaited<ReturnType<Brain['respond']>>;
    try {
      outcome = await this.#o.brain.respond(
        { sessionId: this.id, turn, text: pending.text, state: this.#brainState },
        {
          crm,
          ...(this.#o.calendar ? { calendar: this.#o.calendar } : {}),
          ...(this.#o.messages ? { messages: this.#o.messages } : {}),
          now: this.#clock.now(),
          timeZone: this.#o.timeZone,
          orgId: this.orgId,
          idempotencyKey: (this.#o.idempotencyKey ?? voiceTurnIdempotencyKey)(this.orgId, this.id, turn),
          ...this.#callInfo(),
        },
      );
    } finally {
      if (fillerTimer) clearTimeout(fillerTimer);
      this.#thinking = false;
    }
    const brainMs = now() - brainStart;
    this.#brainState = outcome.state;
    if (outcome.usage?.length) this.#events.emit('model.usage', { turn, usage: outcome.usage });
    const text = outcome.reply.reply;

    const seq = this.#seq++;
    // The reply is written before a word of it is spoken: an answered turn survives a crash.
    await userWrite;
    await this.#record(() =>
      this.#o.transcript?.append({
        seq,
        turn,
        role: 'agent',
        text,
        startedAt: this.#clock.now(),
        ...(this.#o.synthesizer ? {} : { endedAt: this.#clock.now(), playedText: text }),
      }),
    );
    await this.#writes;
    this.#events.emit('agent.text', { turn, text });

    let ttsFirstChunkMs: number | null = null;
    let firstAudioWall: number | null = null;
    if (this.#o.synthesizer && !this.#ended) {
      const playback = new Playback('reply', turn, text, seq);
      const ttsStart = now();
      await this.#speak(playback, () => {
        firstAudioWall = now();
        ttsFirstChunkMs = firstAudioWall - ttsStart;
      });
    } else this.#setState('listening');

    this.#answered = turn;
    this.#events.emit('turn.metrics', {
      turn,
      source: pending.source,
      speechEndToFirstAudioMs:
        pending.speechEndWall !== null && firstAudioWall !== null
          ? firstAudioWall - pending.speechEndWall
          : null,
      endpointSilenceMs: pending.endpointSilenceMs,
      sttFinalMs: pending.sttFinalMs,
      brainMs,
      toolMs,
      ttsFirstChunkMs,
      filler,
    } satisfies TurnMetrics);
  }

  /** The brain's view of the call: its parties and context, and the greeting it opened with. */
  #callInfo(): { call?: CallInfo } {
    const greeting = this.#o.greeting?.trim();
    if (!this.#o.call && !greeting) return {};
    return { call: { ...(this.#o.call ?? { channel: this.#o.channel }), ...(greeting ? { greeting } : {}) } };
  }

  async #speakFiller(turn: number): Promise<void> {
    const text = this.#fillerText();
    this.#events.emit('filler', { turn, text });
    const seq = this.#seq++;
    void this.#record(() =>
      this.#o.transcript?.append({ seq, turn, role: 'agent', text, startedAt: this.#clock.now() }),
    );
    const audio = await this.#fillerAudio;
    await this.#speak(new Playback('filler', turn, text, seq), undefined, audio ?? undefined);
  }

  #fillerText(): string {
    return this.#o.fillerText ?? 'Let me check that.';
  }

  /** The filler is always the same words: synthesized once per call, so it plays the moment it is due. */
  async #synthesizeFiller(synthesizer: SpeechSynthesizer): Promise<SynthesisChunk[] | null> {
    try {
      const chunks: SynthesisChunk[] = [];
      for await (const chunk of synthesizer.synthesize(this.#fillerText())) chunks.push(chunk);
      return chunks;
    } catch (error) {
      this.#events.emit('error', { error: error as Error, where: 'filler synthesis' });
      return null;
    }
  }

  /** Synthesizes and sends an utterance; audio queues behind whatever the agent is already saying. */
  async #speak(
    playback: Playback,
    onFirstChunk?: () => void,
    ready?: Iterable<SynthesisChunk>,
  ): Promise<void> {
    this.#playbacks.push(playback);
    const synthesizer = this.#o.synthesizer!;
    const audio = ready ?? synthesizer.synthesize(playback.text, { signal: playback.abort.signal });
    let first = true;
    try {
      for await (const chunk of audio) {
        if (playback.abort.signal.aborted || playback.settled) break;
        const stored = playback.add(chunk);
        if (first && !playback.held && (this.#bargeIn || this.#vad.speaking)) {
          // The caller is talking as the agent is about to start: do not talk over them; judge it as a barge-in.
          playback.hold(this.#now());
          const streamMs = this.#streamMs();
          this.#bargeIn ??= { startMs: streamMs, detectedAtMs: streamMs, wordsDueMs: null, confirmed: true };
        }
        if (playback.held) continue;
        const now = this.#now();
        if (first) onFirstChunk?.();
        first = false;
        this.#send(playback, stored, now, this.#queuedUntil(playback, now));
      }
    } catch (error) {
      this.#events.emit('error', { error: error as Error, where: 'synthesis' });
    }
    playback.synthesisDone = true;
    this.#scheduleEndCheck();
    this.#checkPlaybackDone();
  }

  /** When the audio queued before `playback` finishes playing. */
  #queuedUntil(playback: Playback, now: number): number {
    let until = now;
    for (const p of this.#playbacks) {
      if (p === playback) break;
      if (!p.settled) until = Math.max(until, p.expectedEnd(now));
    }
    return until;
  }

  #send(playback: Playback, chunk: ReturnType<Playback['add']>, now: number, startsAt: number): void {
    if (this.#state !== 'speaking') this.#setState('speaking');
    playback.sent(chunk, now, startsAt);
    this.#events.emit('agent.audio', {
      turn: playback.turn,
      kind: playback.kind,
      samples: chunk.samples,
      sampleRate: chunk.sampleRate,
      sentenceIndex: chunk.sentenceIndex,
      offsetMs: chunk.offsetMs,
    });
    this.#scheduleEndCheck();
  }

  #setState(state: SessionState): void {
    if (this.#state === state) return;
    if (state === 'speaking' && !this.#vad.speaking) {
      // Whatever the recogniser held (noise, echo) is not the caller's next turn; words being said right now are.
      this.#stt?.reset();
      this.#partial = '';
      this.#pauseRecognizer();
    }
    this.#state = state;
    this.#events.emit('state', { state });
  }

  /** Transcript writes run one after another, in call order; a failure is reported, never ends the call. */
  #record(write: () => Promise<void> | undefined): Promise<void> {
    this.#writes = this.#writes
      .then(() => write())
      .catch((error: unknown) => {
        this.#events.emit('error', { error: error as Error, where: 'transcript' });
      });
    return this.#writes;
  }
}
