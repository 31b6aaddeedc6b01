/**
 * A speech-to-speech call: caller audio goes straight to a realtime brain (Gemini Live), which decides turns,
 * transcribes both sides and speaks; this session turns what it reports into the same events a cascade
 * VoiceSession emits (src/session/events.ts), runs the tools it proposes through the registry (so every argument is
 * validated by the tool's own schema, and a VALIDATION_ERROR goes back to the model to ask the caller), and writes
 * the transcript as the call goes.
 *
 * Tool calls: one run per call id, whatever the model or a reconnect repeats (a repeated id gets the stored result
 * again, never a second run); `toolCallCancellation` aborts a run and sends nothing back. Every model call (the
 * call itself, then each caller turn) takes one unit of the organisation's rate limit; past it the caller hears an
 * apology and the call ends.
 */
import { randomUUID } from 'node:crypto';
import type { CallInfo } from '../brains/brain.ts';
import type { CrmGateway } from '../core/crm.ts';
import { isRoomanError } from '../core/errors.ts';
import type { MeetingCalendar } from '../core/meetings.ts';
import type { MessageSender } from '../core/messages.ts';
import { type Clock, systemClock } from '../core/time.ts';
import type { SpeechSynthesizer } from '../speech/synthesizer.ts';
import type { ToolRegistry } from '../tools/registry.ts';
import type { CallSession } from './call-session.ts';
import {
  SessionEvents,
  type SessionState,
  type VoiceSessionEventName,
  type VoiceSessionEvents,
} from './events.ts';
import type {
  RealtimeBrain,
  RealtimeHandlers,
  RealtimeLink,
  RealtimeToolCall,
  RealtimeToolResult,
} from './realtime-brain.ts';
import type { TranscriptSink } from './voice-session.ts';

/** Takes one model call from the organisation's budget; false when the budget is spent. */
export type ModelCallLimiter = (orgId: string) => Promise<boolean>;

export interface RealtimeSessionOptions {
  orgId: string;
  sessionId?: string;
  channel: string;
  brain: RealtimeBrain;
  tools: ToolRegistry;
  crm: CrmGateway;
  calendar?: MeetingCalendar;
  messages?: MessageSender;
  timeZone: string;
  transcript?: TranscriptSink;
  /** Speaks the apologies when the model cannot (rate limit, a lost link); without one they are text only. */
  synthesizer?: SpeechSynthesizer;
  limiter?: ModelCallLimiter;
  clock?: Clock;
  now?: () => number;
  /** The model opens the call with these words (it is asked to, right after setup). */
  greeting?: string;
  /** Who the call is with and why: goes into the model's instruction. */
  call?: CallInfo;
}

export const RATE_LIMITED_REPLY =
  'Sorry, I am taking too many calls right now. Please call again in a minute.';
export const MODEL_LOST_REPLY = 'Sorry, I have lost my connection. Please call again in a moment.';

/** The tool key of a model call: a retried write (same call id) never writes twice. */
export const realtimeToolIdempotencyKey = (orgId: string, sessionId: string, callId: string): string =>
  `live:${orgId}:${sessionId}:${callId}`;

interface ToolRun {
  abort: AbortController;
  result: RealtimeToolResult | null;
}

interface UserTurn {
  text: string;
  source: 'speech' | 'text';
  lastWordsWall: number;
  /** The agent has begun answering (output or a tool call). */
  answered: boolean;
  /** `user.final` was emitted. */
  announced: boolean;
  /** The transcript entry was written (its words are settled). */
  written: boolean;
  /** No caller words: the agent spoke first (a greeting), so there is no caller latency to measure. */
  agentFirst?: boolean;
}

interface AgentUtterance {
  turn: number;
  text: string;
  samples: number;
  sampleRate: number;
  firstAudioWall: number | null;
  /** What the channel reported played (ms into this utterance), when it reports. */
  playedMs: number | null;
}

export class RealtimeSession implements CallSession {
  readonly id: string;
  readonly orgId: string;
  readonly #o: RealtimeSessionOptions;
  readonly #events = new SessionEvents();
  readonly #clock: Clock;
  readonly #now: () => number;
  readonly #runs = new Map<string, ToolRun>();
  #link: RealtimeLink | null = null;
  #state: SessionState = 'listening';
  #started: Promise<void> | null = null;
  #ended: Promise<void> | null = null;
  #seq = 0;
  #turn = 0;
  /** The caller's open turn (null: none). */
  #user: UserTurn | null = null;
  /**
   * Caller words heard once the agent has begun answering: late transcription of the turn being answered, or the
   * words of a barge-in. `interrupted` makes them a new turn; `turnComplete` gives them to the answered turn.
   */
  #pendingInput = '';
  /** The model's turn was cut: its closing `turnComplete` ends nothing of the caller's (they are talking). */
  #cutTurn = false;
  #agent: AgentUtterance | null = null;
  #toolMs = 0;
  #carry: number | null = null;
  #apologising = false;
  #writes: Promise<void> = Promise.resolve();

  constructor(options: RealtimeSessionOptions) {
    this.#o = options;
    this.id = options.sessionId ?? randomUUID();
    this.orgId = options.orgId;
    this.#clock = options.clock ?? systemClock;
    this.#now = options.now ?? (() => performance.now());
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

  /** Opens the transcript and the model link. Throws when the model cannot be reached (the call cannot start). */
  start(): Promise<void> {
    this.#started ??= this.#open();
    return this.#started;
  }

  async #open(): Promise<void> {
    await this.#record(() =>
      this.#o.transcript?.start({ channel: this.#o.channel, startedAt: this.#clock.now() }),
    );
    this.#events.emit('state', { state: this.#state });
    if (!(await this.#takeModelCall())) {
      // The channel subscribes right after the call opens: the apology is spoken once it listens.
      setTimeout(() => void this.#apologiseAndEnd(RATE_LIMITED_REPLY, 'rate-limited'), 0);
      return;
    }
    try {
      this.#link = await this.#o.brain.open(
        {
          sessionId: this.id,
          orgId: this.orgId,
          timeZone: this.#o.timeZone,
          now: this.#clock.now(),
          tools: this.#o.tools.declarations(),
          ...(this.#o.call ? { call: this.#o.call } : {}),
          ...(this.#o.greeting ? { greeting: this.#o.greeting } : {}),
        },
        this.#handlers(),
      );
    } catch (error) {
      await this.#record(() =>
        this.#o.transcript?.append({
          seq: this.#seq++,
          turn: 0,
          role: 'system',
          text: `model unavailable: ${(error as Error).message}`,
          startedAt: this.#clock.now(),
        }),
      );
      await this.end('start-failed');
      throw error;
    }
    if (this.#ended) await this.#link.close();
  }

  pushAudio(audio: Uint8Array | Int16Array): void {
    const link = this.#link;
    if (!link || this.#ended) return;
    let bytes =
      audio instanceof Int16Array ? new Uint8Array(audio.buffer, audio.byteOffset, audio.byteLength) : audio;
    // Samples may be split across channel frames: an odd byte waits for its other half.
    if (this.#carry !== null) {
      const joined = new Uint8Array(bytes.byteLength + 1);
      joined[0] = this.#carry;
      joined.set(bytes, 1);
      bytes = joined;
      this.#carry = null;
    }
    if (bytes.byteLength % 2 === 1) {
      this.#carry = bytes[bytes.byteLength - 1]!;
      bytes = bytes.subarray(0, bytes.byteLength - 1);
    }
    if (bytes.byteLength > 0) link.sendAudio(bytes);
  }

  async sendText(text: string): Promise<void> {
    const trimmed = text.trim();
    const link = this.#link;
    if (!trimmed || !link || this.#ended) return;
    // A typed turn takes the floor, as speech over the agent would.
    if (this.#agent) this.#interruptAgent();
    this.#closeUserTurn();
    this.#openUserTurn('text', trimmed);
    // Typed words are final as sent.
    this.#writeUser();
    if (!(await this.#takeModelCall())) {
      await this.#apologiseAndEnd(RATE_LIMITED_REPLY, 'rate-limited');
      return;
    }
    link.sendText(trimmed);
  }

  markPlayed(ms: number): void {
    if (this.#agent) this.#agent.playedMs = ms;
  }

  end(reason = 'hangup'): Promise<void> {
    this.#ended ??= (async () => {
      for (const run of this.#runs.values()) if (!run.result) run.abort.abort();
      await this.#link?.close().catch(() => {});
      if (this.#agent)
        this.#settleAgent(
          this.#agent.samples > 0 && this.#playedMs(this.#agent) < this.#totalMs(this.#agent) - 1,
        );
      this.#closeUserTurn();
      await this.#record(() => this.#o.transcript?.end(this.#clock.now()));
      await this.#writes;
      this.#events.emit('ended', { reason });
    })();
    return this.#ended;
  }

  // ── what the model reports ──────────────────────────────────────────────────────────────────────────────

  #handlers(): RealtimeHandlers {
    return {
      audio: (samples, sampleRate) => this.#onAudio(samples, sampleRate),
      inputTranscript: (text) => this.#onInputTranscript(text),
      outputTranscript: (text) => {
        if (!this.#ended) this.#agentUtterance().text += text;
      },
      interrupted: () => this.#interruptAgent(),
      turnComplete: () => this.#onTurnComplete(),
      // The response's turn: the agent's words under way, else the caller's latest (0 is the greeting).
      usage: (usage) => {
        this.#events.emit('model.usage', { turn: this.#agent?.turn ?? this.#turn, usage: [usage] });
      },
      toolCalls: (calls) => {
        if (this.#user) this.#user.answered = true;
        // The turn's words are settled before its tool entries are written.
        this.#writeUser();
        for (const call of calls) void this.#runTool(call);
      },
      toolCancelled: (ids) => {
        for (const id of ids) {
          const run = this.#runs.get(id);
          if (run && !run.result) run.abort.abort();
        }
      },
      reconnecting: (why) => this.#system(`model link reconnecting: ${why}`),
      reconnected: ({ ms, resumed }) =>
        this.#system(
          `model link ${resumed ? 'resumed' : 'restarted without its context'} in ${Math.round(ms)} ms`,
        ),
      failed: (error) => {
        this.#events.emit('error', { error, where: 'model link' });
        void this.#apologiseAndEnd(MODEL_LOST_REPLY, 'model-unavailable');
      },
    };
  }

  #onInputTranscript(text: string): void {
    if (this.#ended) return;
    if (this.#user?.answered) {
      // Transcription has no ordering guarantee against the model's output: decided at interrupted/turnComplete.
      this.#pendingInput += text;
      if (this.#pendingInput.trim()) this.#events.emit('user.partial', { text: this.#pendingInput.trim() });
      return;
    }
    if (!this.#user) this.#openSpokenTurn('');
    const user = this.#user!;
    user.text += text;
    user.lastWordsWall = this.#now();
    if (user.text.trim()) this.#events.emit('user.partial', { text: user.text.trim() });
  }

  /** A caller turn heard by the model: a new model call, so the budget is taken (the apology follows if spent). */
  #openSpokenTurn(text: string): void {
    this.#openUserTurn('speech', text);
    void this.#takeModelCall().then((ok) => {
      if (!ok) void this.#apologiseAndEnd(RATE_LIMITED_REPLY, 'rate-limited');
    });
  }

  #onAudio(samples: Int16Array, sampleRate: number): void {
    if (this.#ended) return;
    const agent = this.#agentUtterance();
    if (agent.samples > 0 && agent.sampleRate !== sampleRate)
      agent.samples = Math.round((agent.samples * sampleRate) / agent.sampleRate);
    agent.sampleRate = sampleRate;
    const offsetMs = (agent.samples * 1000) / sampleRate;
    agent.firstAudioWall ??= this.#now();
    agent.samples += samples.length;
    this.#setState('speaking');
    this.#events.emit('agent.audio', {
      turn: agent.turn,
      kind: 'reply',
      samples,
      sampleRate,
      sentenceIndex: 0,
      offsetMs,
    });
  }

  #onTurnComplete(): void {
    if (this.#ended) return;
    if (this.#cutTurn && !this.#agent) {
      this.#cutTurn = false;
      return;
    }
    this.#cutTurn = false;
    const user = this.#user;
    // Words heard while the agent answered, with no interruption: the late end of the caller's own words, unless
    // those were settled already (a tool call), in which case they are the caller's next turn.
    let next = '';
    if (this.#pendingInput) {
      if (user && !user.written) {
        user.text += this.#pendingInput;
        user.lastWordsWall = this.#now();
      } else next = this.#pendingInput;
      this.#pendingInput = '';
    }
    this.#writeUser();
    const agent = this.#agent;
    if (agent && !user?.agentFirst) {
      this.#events.emit('turn.metrics', {
        turn: agent.turn,
        source: this.#user?.source ?? 'speech',
        speechEndToFirstAudioMs:
          agent.firstAudioWall !== null && this.#user?.source === 'speech'
            ? agent.firstAudioWall - this.#user.lastWordsWall
            : null,
        endpointSilenceMs: null,
        sttFinalMs: null,
        brainMs:
          agent.firstAudioWall !== null && this.#user ? agent.firstAudioWall - this.#user.lastWordsWall : 0,
        toolMs: this.#toolMs,
        ttsFirstChunkMs: null,
        filler: false,
      });
    }
    if (agent) this.#settleAgent(false);
    this.#closeUserTurn();
    this.#toolMs = 0;
    this.#setState(this.#toolsRunning() ? 'thinking' : 'listening');
    if (next.trim()) this.#openSpokenTurn(next);
  }

  /** The caller spoke over the agent (or typed): drop its queued audio now and keep only what was heard. */
  #interruptAgent(): void {
    const agent = this.#agent;
    const bargeIn = this.#pendingInput;
    this.#pendingInput = '';
    if (agent) {
      this.#cutTurn = true;
      this.#events.emit('clear', { turn: agent.turn });
      this.#writeUser();
      this.#settleAgent(true);
      this.#setState(this.#toolsRunning() ? 'thinking' : 'listening');
    }
    // What the caller said over the agent is their next turn.
    if (bargeIn.trim()) {
      this.#closeUserTurn();
      this.#openSpokenTurn(bargeIn);
      this.#events.emit('user.partial', { text: bargeIn.trim() });
    }
  }

  // ── turns and the transcript ───────────────────────────────────────────────────────────────────────────

  #openUserTurn(source: 'speech' | 'text', text: string): void {
    this.#turn++;
    this.#user = {
      text,
      source,
      lastWordsWall: this.#now(),
      answered: false,
      announced: false,
      written: false,
    };
  }

  /** The agent answers: the caller's words so far are their turn (`user.final`), shown at once. */
  #announceUser(): void {
    const user = this.#user;
    if (!user || user.announced) return;
    const text = user.text.trim();
    if (!text) return;
    user.announced = true;
    this.#events.emit('user.final', { turn: this.#turn, text, source: user.source });
    if (this.#state === 'listening') this.#setState('thinking');
  }

  /** The turn's words are settled: announced if they were not, and written to the transcript. */
  #writeUser(): void {
    const user = this.#user;
    if (!user || user.written) return;
    this.#announceUser();
    user.written = true;
    const text = user.text.trim();
    if (!text) return;
    const seq = this.#seq++;
    const at = this.#clock.now();
    const turn = this.#turn;
    void this.#record(() => this.#o.transcript?.append({ seq, turn, role: 'user', text, startedAt: at }));
  }

  #closeUserTurn(): void {
    this.#writeUser();
    this.#user = null;
  }

  #agentUtterance(): AgentUtterance {
    // The agent may speak first (a greeting): that is a turn of its own; the call's opening words are turn 0, as in
    // the cascade session.
    if (!this.#user) {
      const opening = this.#turn === 0;
      this.#openUserTurn('speech', '');
      if (opening) this.#turn = 0;
      this.#user!.written = true;
      this.#user!.announced = true;
      this.#user!.agentFirst = true;
    }
    this.#user!.answered = true;
    this.#announceUser();
    this.#agent ??= {
      turn: this.#turn,
      text: '',
      samples: 0,
      sampleRate: 24_000,
      firstAudioWall: null,
      playedMs: null,
    };
    return this.#agent;
  }

  #totalMs(agent: AgentUtterance): number {
    return (agent.samples * 1000) / agent.sampleRate;
  }

  /** Played so far: the channel's report, else the wall clock since the first chunk (a real-time player). */
  #playedMs(agent: AgentUtterance): number {
    const total = this.#totalMs(agent);
    if (agent.playedMs !== null) return Math.min(agent.playedMs, total);
    if (agent.firstAudioWall === null) return 0;
    return Math.min(this.#now() - agent.firstAudioWall, total);
  }

  #settleAgent(interrupted: boolean): void {
    const agent = this.#agent;
    if (!agent) return;
    this.#agent = null;
    const text = agent.text.trim();
    const totalMs = this.#totalMs(agent);
    const playedMs = interrupted ? this.#playedMs(agent) : totalMs;
    const playedText = interrupted ? cutAtWord(text, totalMs > 0 ? playedMs / totalMs : 0) : text;
    if (text) this.#events.emit('agent.text', { turn: agent.turn, text });
    if (interrupted)
      this.#events.emit('agent.interrupted', { turn: agent.turn, text, playedText, playedMs, totalMs });
    if (!text && agent.samples === 0) return;
    const seq = this.#seq++;
    const at = this.#clock.now();
    void this.#record(() =>
      this.#o.transcript?.append({
        seq,
        turn: agent.turn,
        role: 'agent',
        text,
        startedAt: at,
        endedAt: at,
        interrupted,
        playedText,
      }),
    );
  }

  // ── tools ──────────────────────────────────────────────────────────────────────────────────────────────

  #toolsRunning(): boolean {
    for (const run of this.#runs.values()) if (!run.result && !run.abort.signal.aborted) return true;
    return false;
  }

  async #runTool(call: RealtimeToolCall): Promise<void> {
    const seen = this.#runs.get(call.id);
    if (seen) {
      // The same call again (the model repeated it, or a resumed link re-sent it): answer, never run twice.
      if (seen.result) this.#link?.sendToolResult(seen.result);
      return;
    }
    const run: ToolRun = { abort: new AbortController(), result: null };
    this.#runs.set(call.id, run);
    const turn = this.#turn;
    if (this.#state === 'listening') this.#setState('thinking');
    this.#events.emit('tool.started', { turn, name: call.name, args: call.args });
    const started = this.#now();
    let response: Record<string, unknown>;
    let args: unknown = call.args;
    try {
      const outcome = await this.#o.tools.invoke(call.name, call.args, {
        crm: this.#o.crm,
        ...(this.#o.calendar ? { calendar: this.#o.calendar } : {}),
        ...(this.#o.messages ? { messages: this.#o.messages } : {}),
        now: this.#clock.now(),
        timeZone: this.#o.timeZone,
        idempotencyKey: realtimeToolIdempotencyKey(this.orgId, this.id, call.id),
        signal: run.abort.signal,
      });
      args = outcome.args;
      response = { output: outcome.output };
    } catch (error) {
      response = {
        error: isRoomanError(error)
          ? error.toJSON().error
          : { type: 'INTERNAL_ERROR', details: 'The tool failed; say so and offer to try again' },
      };
    }
    const ms = this.#now() - started;
    this.#toolMs += ms;
    const cancelled = run.abort.signal.aborted;
    const error = (response.error as { type: string; details: string } | undefined) ?? null;
    this.#events.emit('tool.result', {
      turn,
      name: call.name,
      ...(cancelled
        ? { error: 'cancelled by the model' }
        : error
          ? { error: `${error.type}: ${error.details}` }
          : { result: response.output }),
      ms,
    });
    const seq = this.#seq++;
    const at = this.#clock.now();
    void this.#record(() =>
      this.#o.transcript?.append({
        seq,
        turn,
        role: 'tool',
        text: cancelled
          ? `${call.name} cancelled`
          : error
            ? `${call.name} failed: ${error.details}`
            : call.name,
        startedAt: at,
        tool: { name: call.name, args, result: cancelled ? { cancelled: true, ...response } : response },
      }),
    );
    if (cancelled) {
      run.result = { id: call.id, name: call.name, response: { error: { type: 'CANCELLED' } } };
      if (this.#state === 'thinking' && !this.#toolsRunning()) this.#setState('listening');
      return;
    }
    run.result = { id: call.id, name: call.name, response };
    if (!this.#ended) this.#link?.sendToolResult(run.result);
    if (this.#state === 'thinking' && !this.#toolsRunning() && !this.#agent) this.#setState('listening');
  }

  // ── budget, apologies, bookkeeping ────────────────────────────────────────────────────────────────────

  async #takeModelCall(): Promise<boolean> {
    if (!this.#o.limiter) return true;
    try {
      return await this.#o.limiter(this.orgId);
    } catch (error) {
      // A budget that cannot be read must not take calls down with it.
      this.#events.emit('error', { error: error as Error, where: 'rate limit' });
      return true;
    }
  }

  async #apologiseAndEnd(text: string, reason: string): Promise<void> {
    // One apology a call, even when the budget and the link fail together.
    if (this.#ended || this.#apologising) return;
    this.#apologising = true;
    if (this.#agent) this.#interruptAgent();
    this.#closeUserTurn();
    await this.#link?.close().catch(() => {});
    const turn = ++this.#turn;
    const seq = this.#seq++;
    const at = this.#clock.now();
    void this.#record(() =>
      this.#o.transcript?.append({
        seq,
        turn,
        role: 'agent',
        text,
        startedAt: at,
        endedAt: at,
        playedText: text,
      }),
    );
    this.#events.emit('agent.text', { turn, text });
    const synthesizer = this.#o.synthesizer;
    if (synthesizer) {
      try {
        let offsetMs = 0;
        for await (const chunk of synthesizer.synthesize(text)) {
          if (this.#ended) break;
          this.#setState('speaking');
          this.#events.emit('agent.audio', {
            turn,
            kind: 'reply',
            samples: chunk.samples,
            sampleRate: chunk.sampleRate,
            sentenceIndex: chunk.sentenceIndex,
            offsetMs,
          });
          offsetMs += (chunk.samples.length * 1000) / chunk.sampleRate;
        }
        // The channel sends audio as fast as it comes: let it play before the line closes.
        await new Promise((r) => setTimeout(r, Math.min(offsetMs, 10_000)).unref?.());
      } catch (error) {
        this.#events.emit('error', { error: error as Error, where: 'apology synthesis' });
      }
    }
    await this.end(reason);
  }

  #system(text: string): void {
    const seq = this.#seq++;
    const at = this.#clock.now();
    void this.#record(() =>
      this.#o.transcript?.append({ seq, turn: this.#turn, role: 'system', text, startedAt: at }),
    );
  }

  #setState(state: SessionState): void {
    if (this.#state === state) return;
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

/** The first `fraction` of `text`, ending on a whole word: what a caller heard of a cut-off reply. */
function cutAtWord(text: string, fraction: number): string {
  if (fraction >= 1) return text;
  if (fraction <= 0) return '';
  const cut = Math.round(text.length * fraction);
  const space = text.lastIndexOf(' ', cut);
  return text.slice(0, space > 0 ? space : cut).trim();
}
