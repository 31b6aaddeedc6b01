/**
 * Opens calls: binds what every call of the product shares (the brain, the speech engines, the organisation's CRM,
 * calendar, messages and time zone, where transcripts go) so a channel only says which organisation and which
 * transport. One instance per process; engines are loaded once and shared by all calls.
 */
import { randomUUID } from 'node:crypto';
import type { EndpointerOptions } from '../audio/endpointer.ts';
import type { VoiceActivityDetector } from '../audio/vad.ts';
import type { Brain, CallInfo, ModelUsage } from '../brains/brain.ts';
import type { CrmGatewayFor } from '../core/crm.ts';
import type { MeetingCalendarFor } from '../core/meetings.ts';
import type { MessageSenderFor } from '../core/messages.ts';
import type { Clock } from '../core/time.ts';
import type { SpeechRecognizer } from '../speech/recognizer.ts';
import type { SpeechSynthesizer } from '../speech/synthesizer.ts';
import type { ToolRegistry } from '../tools/registry.ts';
import type { CallSession } from './call-session.ts';
import type { TurnMetrics } from './events.ts';
import type { RealtimeBrain } from './realtime-brain.ts';
import { type ModelCallLimiter, RealtimeSession } from './realtime-session.ts';
import { type BargeInOptions, type TranscriptSink, VoiceSession } from './voice-session.ts';

/** Speech-to-speech calls (ROOMAN_BRAIN=gemini-live): the model hears and speaks; the tools are the registry's. */
export interface RealtimeCalls {
  brain: RealtimeBrain;
  tools: ToolRegistry;
  /** The organisation's model-call budget (shared by every instance). */
  limiter?: ModelCallLimiter;
}

export interface VoiceSessionsOptions {
  brain: Brain;
  crmFor: CrmGatewayFor;
  calendarFor?: MeetingCalendarFor;
  messagesFor?: MessageSenderFor;
  /** IANA zone per organisation (or one for all). */
  timeZone: string | ((orgId: string) => string | Promise<string>);
  recognizer?: SpeechRecognizer;
  synthesizer?: SpeechSynthesizer;
  /** A VAD per call (default: the energy VAD); e.g. `() => SileroVad.open({ modelPath })`. */
  createVad?: () => VoiceActivityDetector | Promise<VoiceActivityDetector>;
  /** Where a call's transcript goes, e.g. `(org, id) => transcriptSink(repository, org, id)`. */
  transcriptFor?: (orgId: string, sessionId: string) => TranscriptSink;
  /** Where each answered turn's latencies go (`turn.metrics`), e.g. src/store/turn-metrics.ts `turnMetricsSink`. */
  metricsFor?: (orgId: string, sessionId: string, channel: string) => TurnMetricsSink;
  /** Where each turn's model tokens go (`model.usage`), e.g. src/store/model-usage.ts `modelUsageRecorder`. */
  usageFor?: (orgId: string, sessionId: string, channel: string) => ModelUsageSink;
  endpointer?: EndpointerOptions;
  bargeIn?: BargeInOptions;
  fillerAfterMs?: number;
  clock?: Clock;
  /** When set, calls are speech-to-speech on this brain (the recognizer and VAD are not used; the synthesizer
   * only speaks apologies). */
  realtime?: RealtimeCalls;
}

/** How a call opens: what the agent says first, and who the call is with and why (reaches the brain). */
export interface CallOpening {
  /** Default: a random UUID. */
  sessionId?: string;
  /** The agent's first words, said before the caller speaks (an agent's or organisation's greeting). */
  greeting?: string;
  /** Why the call was made: an outbound call's `context` (POST /api/calls, a campaign row's columns). */
  context?: Record<string, unknown>;
  /** The line's parties: the inbound caller's number (`from`), the number called (`to`). */
  caller?: { from?: string; to?: string; direction?: 'inbound' | 'outbound' };
}

/** Takes one turn's model usage; it reports its own failures (a rejection is dropped, never reaches the call). */
export type ModelUsageSink = (turn: number, usage: readonly ModelUsage[]) => Promise<void> | void;

/** Takes one turn's metrics; it reports its own failures (a rejection is dropped, never reaches the call). */
export type TurnMetricsSink = (metrics: TurnMetrics) => Promise<void> | void;

export class VoiceSessions {
  readonly #o: VoiceSessionsOptions;

  constructor(options: VoiceSessionsOptions) {
    this.#o = options;
  }

  /** A started call for the organisation; the caller feeds it and ends it. */
  async open(orgId: string, channel: string, opening: string | CallOpening = {}): Promise<CallSession> {
    const o = this.#o;
    const how: CallOpening = typeof opening === 'string' ? { sessionId: opening } : opening;
    const sessionId = how.sessionId ?? randomUUID();
    const greeting = how.greeting?.trim();
    const call = callInfo(channel, how);
    const tz = typeof o.timeZone === 'string' ? o.timeZone : await o.timeZone(orgId);
    const calendar = o.calendarFor?.(orgId);
    const messages = o.messagesFor?.(orgId);
    const transcript = o.transcriptFor?.(orgId, sessionId);
    if (o.realtime) {
      const realtime = new RealtimeSession({
        orgId,
        sessionId,
        channel,
        brain: o.realtime.brain,
        tools: o.realtime.tools,
        crm: o.crmFor(orgId),
        timeZone: tz,
        ...(calendar ? { calendar } : {}),
        ...(messages ? { messages } : {}),
        ...(transcript ? { transcript } : {}),
        ...(o.synthesizer ? { synthesizer: o.synthesizer } : {}),
        ...(o.realtime.limiter ? { limiter: o.realtime.limiter } : {}),
        ...(o.clock ? { clock: o.clock } : {}),
        ...(greeting ? { greeting } : {}),
        ...(call ? { call } : {}),
      });
      this.#recordMetrics(realtime, orgId, channel);
      await realtime.start();
      return realtime;
    }
    const vad = o.createVad ? await o.createVad() : undefined;
    const session = new VoiceSession({
      orgId,
      sessionId,
      channel,
      brain: o.brain,
      crm: o.crmFor(orgId),
      timeZone: tz,
      ...(calendar ? { calendar } : {}),
      ...(messages ? { messages } : {}),
      ...(o.recognizer ? { recognizer: o.recognizer } : {}),
      ...(o.synthesizer ? { synthesizer: o.synthesizer } : {}),
      ...(vad ? { vad } : {}),
      ...(transcript ? { transcript } : {}),
      ...(o.endpointer ? { endpointer: o.endpointer } : {}),
      ...(o.bargeIn ? { bargeIn: o.bargeIn } : {}),
      ...(o.fillerAfterMs !== undefined ? { fillerAfterMs: o.fillerAfterMs } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
      ...(greeting ? { greeting } : {}),
      ...(call ? { call } : {}),
    });
    this.#recordMetrics(session, orgId, channel);
    await session.start();
    return session;
  }

  /** Every call, whatever its brain, hands its turns' metrics to the sink without waiting for the write. */
  #recordMetrics(session: CallSession, orgId: string, channel: string): void {
    const usageSink = this.#o.usageFor?.(orgId, session.id, channel);
    if (usageSink)
      session.on('model.usage', ({ turn, usage }) => {
        void Promise.resolve()
          .then(() => usageSink(turn, usage))
          .catch(() => {});
      });
    const sink = this.#o.metricsFor?.(orgId, session.id, channel);
    if (!sink) return;
    session.on('turn.metrics', (metrics) => {
      void Promise.resolve()
        .then(() => sink(metrics))
        .catch(() => {});
    });
  }
}

/** The brain's view of the line; none when the channel said nothing about it. */
function callInfo(channel: string, how: CallOpening): CallInfo | undefined {
  const { from, to, direction } = how.caller ?? {};
  const context = how.context && Object.keys(how.context).length > 0 ? how.context : undefined;
  if (!from && !to && !direction && !context) return undefined;
  return {
    channel,
    ...(direction ? { direction } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(context ? { context } : {}),
  };
}
