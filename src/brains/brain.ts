/**
 * A brain answers one user turn: it understands the text, may call tools, and says what to reply. The local brain
 * (understanding engine + dialogue) and model brains (Gemini, OpenAI-compatible) all implement this; the channel
 * keeps the per-session state the brain hands back and gives it again next turn.
 */
import type { BotResponse } from '../core/bot.ts';
import type { CrmGateway } from '../core/crm.ts';
import type { MeetingCalendar } from '../core/meetings.ts';
import type { MessageSender } from '../core/messages.ts';

export interface BrainTurn {
  sessionId: string;
  /** 1-based number of this turn in the session. */
  turn: number;
  text: string;
  /** The `state` this brain returned last turn (JSON round-tripped); undefined in a new session. */
  state: unknown;
}

/**
 * Who a call is with and why: the phone line's parties, an outbound call's context (POST /api/calls `context`,
 * a campaign row's columns) and what the agent opened with. A brain uses it to know whom it talks to; the local
 * brain ignores it.
 */
export interface CallInfo {
  /** The transport: `twilio`, `browser`, `cli`… */
  channel: string;
  direction?: 'inbound' | 'outbound';
  /** The calling number (an inbound caller's; our number on an outbound call), as the carrier gave it. */
  from?: string;
  /** The called number (the person called, on an outbound call). */
  to?: string;
  /** Why the call was placed: free-form fields (lead name, campaign columns…). */
  context?: Record<string, unknown>;
  /** What the agent said first, before the caller spoke. */
  greeting?: string;
}

export interface BrainContext {
  /** The organisation the turn acts for (per-organisation budgets such as model calls); absent in unit tests. */
  orgId?: string;
  crm: CrmGateway;
  /** The organisation's calendar and message channel, when the product has them. */
  calendar?: MeetingCalendar;
  messages?: MessageSender;
  now: Date;
  /** IANA zone of the organisation: times are understood and spoken in it. */
  timeZone: string;
  /** Key for this turn's CRM write: a re-run of the same turn must not write twice. */
  idempotencyKey: string;
  signal?: AbortSignal;
  /** The call this turn belongs to (voice channels); absent for typed chat. */
  call?: CallInfo;
}

export type BrainReply = Omit<BotResponse, 'session_id'>;

/**
 * Tokens one model call used, as the provider reported them (Gemini `usageMetadata`, OpenAI `usage`). Model brains
 * report a turn's calls summed per provider and model; the built-in brain calls no model and reports none.
 */
export interface ModelUsage {
  /** `gemini`, `openai` (any OpenAI-compatible server). */
  provider: string;
  model: string;
  /** Prompt tokens, cached ones included. */
  inputTokens: number;
  /** Generated tokens, thinking included (what the provider bills as output). */
  outputTokens: number;
  /** Of the input, tokens served from the provider's cache, when it said. */
  cachedTokens?: number;
  /** The provider's own total, when it gave one. */
  totalTokens?: number;
  /** Provider calls summed into this entry (1 for a single call). */
  calls?: number;
}

/** Sums usages per provider and model: a turn of several model calls becomes one entry per model. */
export function sumModelUsage(usages: readonly ModelUsage[]): ModelUsage[] {
  const byModel = new Map<string, ModelUsage>();
  for (const u of usages) {
    const key = `${u.provider}\u0000${u.model}`;
    const sum = byModel.get(key);
    if (!sum) {
      byModel.set(key, { ...u, calls: u.calls ?? 1 });
      continue;
    }
    sum.inputTokens += u.inputTokens;
    sum.outputTokens += u.outputTokens;
    sum.calls = (sum.calls ?? 1) + (u.calls ?? 1);
    if (u.cachedTokens !== undefined) sum.cachedTokens = (sum.cachedTokens ?? 0) + u.cachedTokens;
    if (u.totalTokens !== undefined) sum.totalTokens = (sum.totalTokens ?? 0) + u.totalTokens;
  }
  return [...byModel.values()];
}

export interface BrainOutcome {
  reply: BrainReply;
  /** Tokens the turn's model calls used, one entry per provider and model; absent when no model was called. */
  usage?: ModelUsage[];
  /** JSON-serialisable state to keep for the next turn. */
  state: unknown;
  /** Whether the turn wrote to the CRM: such a turn must not be re-run with a new key. */
  wrote: boolean;
}

export interface Brain {
  respond(turn: BrainTurn, context: BrainContext): Promise<BrainOutcome>;
}
