/**
 * A brain backed by a language model, whatever the provider: the model reads the conversation and proposes tool
 * calls; every call goes through the ToolRegistry (the same zod schemas as the API), so a bad argument comes back to
 * the model as a VALIDATION_ERROR naming the field and the model asks the caller again. The bot's JSON (intent,
 * entities, crm_call, result, error) is derived from the calls actually made, not from what the model says, so it
 * follows the same contract as the built-in engine.
 */
import { isRoomanError, RoomanError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import {
  DIALOGUE_ACTS,
  type Intent,
  TASK_INTENTS,
  type Understander,
  type Understanding,
} from '../../core/understanding.ts';
import type { ToolOutcome, ToolRegistry } from '../../tools/registry.ts';
import {
  type Brain,
  type BrainContext,
  type BrainOutcome,
  type BrainReply,
  type BrainTurn,
  type ModelUsage,
  sumModelUsage,
} from '../brain.ts';
import {
  type ChatModel,
  ModelError,
  type ModelMessage,
  type ModelToolCall,
  type ModelToolResult,
} from './chat-model.ts';
import { systemInstruction } from './instructions.ts';
import { speakable } from './speakable.ts';
import {
  DEFAULT_TRIM,
  emptyState,
  type ModelBrainState,
  readState,
  type TrimLimits,
  trimHistory,
} from './state.ts';
import {
  entitiesOfArgs,
  errorForModel,
  INTENT_OF_TOOL,
  isReadOnlyTool,
  resultForModel,
} from './tool-results.ts';

export interface ModelBrainOptions {
  model: ChatModel;
  tools: ToolRegistry;
  /**
   * Reads the intent and entities of turns where the model calls no tool ("9876543210" while a lead is being
   * created), so the bot's JSON says what the turn was about. Without it such turns report the open task or UNKNOWN.
   */
  understander?: Understander;
  logger?: Logger;
  /** Most rounds of tool calls in one turn before the model must answer in words (default 5). */
  maxToolRounds?: number;
  /**
   * Longest time the model may take over one turn, all rounds together (default 45 s): past it the caller hears an
   * apology rather than silence. Tool calls already started are not cut short.
   */
  turnTimeoutMs?: number;
  trim?: Partial<TrimLimits>;
  /** Operator text appended to the system instruction. */
  instructions?: string;
  /**
   * Takes one model call from the organisation's budget (shared by every instance, see src/store/rate-limits.ts);
   * false when it is spent: the caller hears an apology and no request reaches the provider.
   */
  allowModelCall?: (orgId: string) => Promise<boolean>;
}

/** Tools that need a part of the product the turn may not have. */
const NEEDS: Readonly<Record<string, 'calendar' | 'messages'>> = {
  scheduleMeeting: 'calendar',
  rescheduleMeeting: 'calendar',
  cancelMeeting: 'calendar',
  listMeetings: 'calendar',
  sendMessage: 'messages',
};

interface CallRecord {
  name: string;
  args: unknown;
  outcome?: ToolOutcome;
  error?: unknown;
  /** Not run: a change that cannot be undone needs the caller's yes first. */
  held?: true;
}

/**
 * Changes that cannot be taken back run only when the caller has just said yes to a question, whatever the model
 * decides: closing a lead (WON, LOST) and cancelling a meeting, as the built-in engine does.
 */
function needsConfirmation(name: string, args: unknown): boolean {
  if (name === 'cancelMeeting') return true;
  if (name !== 'updateLeadStatus' || typeof args !== 'object' || args === null) return false;
  const status = String((args as { status?: unknown }).status ?? '').toUpperCase();
  return status === 'WON' || status === 'LOST';
}

const HELD = {
  ok: false,
  needs_confirmation: true,
  next: 'Nothing was changed. Read the change back, ask the caller to confirm, and call again after a yes.',
};

/** Reasoning models served by Ollama or vLLM (Qwen 3, DeepSeek R1) may write their thinking into the answer. */
const withoutThinking = (text: string) => text.replace(/<think>[\s\S]*?(<\/think>|$)/g, '').trim();

/** How a yes starts, for callers whose "yes, mark it won" the engine reads as the task rather than as a yes. */
const YES =
  /^\s*(yes|yeah|yep|yup|sure|ok(ay)?|correct|right|confirm(ed)?|go ahead|do it|please do|absolutely|definitely|of course|haan|ha|ji)\b/i;

const TASKS = new Set<Intent>(TASK_INTENTS);
const ACTS = new Set<Intent>(DIALOGUE_ACTS);

export const MODEL_DOWN_REPLY = "Sorry, I can't answer right now. Please try again in a moment.";
export const MODEL_BUDGET_REPLY =
  "Sorry, I'm handling too many requests for your organisation right now. Please try again in a minute.";
const NO_ANSWER_REPLY = "Sorry, I didn't catch that. Could you say it again?";

/** Our own per-organisation budget refused the call (not the provider's rate limit). */
class ModelBudgetSpent extends ModelError {
  constructor() {
    super('rate_limited', "the organisation's model-call budget for this minute is spent");
  }
}

export class ModelBrain implements Brain {
  readonly #o: ModelBrainOptions;

  constructor(options: ModelBrainOptions) {
    this.#o = options;
  }

  async respond(turn: BrainTurn, context: BrainContext): Promise<BrainOutcome> {
    const state = readState(turn.state);
    const understood = this.#o.understander?.understand(turn.text, {
      now: context.now,
      tz: context.timeZone,
    });
    const declarations = this.#o.tools
      .declarations()
      .filter((d) => NEEDS[d.name] === undefined || context[NEEDS[d.name]!] !== undefined);
    const offered = new Set(declarations.map((d) => d.name));
    const system = systemInstruction({
      now: context.now,
      timeZone: context.timeZone,
      tools: [...offered],
      extra: this.#o.instructions,
      ...(context.call ? { call: context.call } : {}),
    });
    const history: ModelMessage[] = [...state.history, { role: 'user', text: turn.text }];
    const calls: CallRecord[] = [];
    // A change is confirmed by a yes to a question the agent just asked ("Mark Rohan as won?" — "yes, do it").
    const asked = state.history.findLast((m) => m.role === 'assistant' && m.text.trim() !== '');
    const confirmed =
      asked?.role === 'assistant' &&
      asked.text.includes('?') &&
      understood?.intent !== 'DENY' &&
      (understood?.intent === 'CONFIRM' || YES.test(turn.text));
    const run = new CallRunner(this.#o.tools, context, offered, confirmed);
    const maxRounds = this.#o.maxToolRounds ?? 5;
    const turnMs = this.#o.turnTimeoutMs ?? 45_000;
    const budget = new AbortController();
    const deadline = setTimeout(
      () => budget.abort(new ModelError('timeout', `no answer within ${turnMs} ms for the turn`)),
      turnMs,
    );
    const modelSignal = context.signal ? AbortSignal.any([context.signal, budget.signal]) : budget.signal;
    // Every round is a provider call: the turn reports their tokens summed per model.
    const used: ModelUsage[] = [];
    const withUsage = (outcome: BrainOutcome): BrainOutcome =>
      used.length > 0 ? { ...outcome, usage: sumModelUsage(used) } : outcome;
    try {
      let text = '';
      for (let round = 0; ; round++) {
        const toolChoice = round < maxRounds ? 'auto' : 'none';
        let answer: Awaited<ReturnType<ChatModel['complete']>>;
        try {
          await this.#takeModelCall(context.orgId);
          answer = await this.#o.model.complete({
            system,
            messages: history,
            tools: declarations,
            toolChoice,
            signal: modelSignal,
          });
        } catch (error) {
          // The turn's own deadline passed (not the caller hanging up): that is the model being too slow.
          const failure = budget.signal.aborted && !context.signal?.aborted ? budget.signal.reason : error;
          return withUsage(
            this.#modelFailed(failure, { turn, state, history, calls, understood, wrote: run.wrote }),
          );
        }
        if (answer.usage) used.push(answer.usage);
        const said = withoutThinking(answer.text);
        const act = toolChoice === 'auto' && answer.calls.length > 0;
        // Calls that will not be run are not kept: a call without its result is refused by every provider.
        history.push({ role: 'assistant', text: said, calls: act ? answer.calls : [] });
        if (!act) {
          text = said;
          break;
        }
        const results: ModelToolResult[] = [];
        for (const call of answer.calls) {
          const record = await run.call(call);
          calls.push(record);
          this.#o.logger?.debug(
            { tool: call.name, ok: record.error === undefined, error: errorType(record.error) },
            'model brain tool call',
          );
          results.push({
            id: call.id,
            name: call.name,
            output: record.outcome
              ? resultForModel(record.outcome.args, record.outcome.output, context.timeZone, context.now)
              : record.held
                ? HELD
                : errorForModel(record.error),
          });
        }
        history.push({ role: 'tool', results });
      }

      const reply = this.#reply(calls, state, understood);
      if (text !== '') reply.reply = speakable(text, context.timeZone, context.now);
      else if (reply.result) reply.reply = 'Done.';
      else {
        // No words and nothing done (a blocked or malformed answer): the contract's "could not understand".
        reply.reply = NO_ANSWER_REPLY;
        reply.error ??= { type: 'PARSING_ERROR', details: 'The model gave no answer' };
      }
      return withUsage({
        reply,
        state: this.#nextState(history, state),
        wrote: run.wrote,
      });
    } finally {
      clearTimeout(deadline);
    }
  }

  /** intent, entities, crm_call, result and error of the turn, from the calls made (the reply text is set after). */
  #reply(calls: CallRecord[], state: ModelBrainState, understood: Understanding | undefined): BrainReply {
    const taskCalls = calls.filter((c) => INTENT_OF_TOOL[c.name] !== undefined);
    const last = taskCalls.at(-1);
    const reply: BrainReply = { intent: 'UNKNOWN', entities: {}, reply: '' };
    if (last) {
      const intent = INTENT_OF_TOOL[last.name]!;
      reply.intent = intent;
      const known = state.task === intent ? state.entities : {};
      reply.entities = { ...known, ...entitiesOfArgs(last.outcome?.args ?? last.args) };
      if (last.outcome) {
        if (last.outcome.crmCall) reply.crm_call = last.outcome.crmCall;
        reply.result = last.outcome.output;
        state.task = undefined;
        state.entities = {};
      } else if (last.held) {
        reply.awaiting = 'confirmation';
        state.task = intent;
        state.entities = reply.entities;
      } else {
        Object.assign(reply, botErrorOf(last.error));
        state.task = intent;
        state.entities = reply.entities;
      }
      return reply;
    }

    // No task tool was called: the turn is talk around a task (a question, an answer, a yes/no).
    const said = understood?.intent ?? 'UNKNOWN';
    if (TASKS.has(said) && said !== state.task) {
      state.task = said;
      state.entities = {};
    }
    if (said === 'DENY' || said === 'GOODBYE') {
      state.task = undefined;
      state.entities = {};
    }
    const intent =
      state.task && (said === 'UNKNOWN' || said === 'CONFIRM' || TASKS.has(said)) ? state.task : said;
    reply.intent = ACTS.has(intent) || TASKS.has(intent) ? intent : 'UNKNOWN';
    state.entities = { ...state.entities, ...(understood?.entities ?? {}) };
    reply.entities = state.task ? state.entities : (understood?.entities ?? {});
    if (!state.task) state.entities = {};

    // A lookup that failed or found nothing is the turn's outcome when nothing else was done.
    const lookup = calls.at(-1);
    if (lookup?.error !== undefined) Object.assign(reply, botErrorOf(lookup.error));
    else if (lookup?.outcome && lookup.outcome.output.total === 0)
      reply.error = { type: 'CRM_ERROR', details: 'Lead not found' };
    return reply;
  }

  #nextState(history: ModelMessage[], state: ModelBrainState): ModelBrainState {
    const limits = { ...DEFAULT_TRIM, ...this.#o.trim };
    return { v: 1, history: trimHistory(history, limits), task: state.task, entities: state.entities };
  }

  /**
   * The model failed (auth, rate limit, outage, timeout). The caller hears a short apology; the bot's JSON says
   * why. A change already made this turn is kept in the history (and reported), so the next turn knows of it.
   */
  async #takeModelCall(orgId: string | undefined): Promise<void> {
    if (orgId === undefined || !this.#o.allowModelCall) return;
    if (!(await this.#o.allowModelCall(orgId))) throw new ModelBudgetSpent();
  }

  #modelFailed(
    error: unknown,
    t: {
      turn: BrainTurn;
      state: ModelBrainState;
      history: ModelMessage[];
      calls: CallRecord[];
      understood: Understanding | undefined;
      wrote: boolean;
    },
  ): BrainOutcome {
    if (!(error instanceof ModelError)) throw error;
    this.#o.logger?.error({ err: error, model: this.#o.model.label }, 'model brain: the model failed');
    const done = t.calls.filter((c) => c.outcome && INTENT_OF_TOOL[c.name]).at(-1);
    const reply: BrainReply = done
      ? this.#reply(t.calls, t.state, t.understood)
      : {
          intent: t.understood?.intent ?? 'UNKNOWN',
          entities: t.understood?.entities ?? {},
          reply: '',
        };
    reply.reply = done
      ? "That's done, but I can't say more right now."
      : error instanceof ModelBudgetSpent
        ? MODEL_BUDGET_REPLY
        : MODEL_DOWN_REPLY;
    reply.error = { type: 'PARSING_ERROR', details: `Language model unavailable: ${error.message}` };
    if (!t.wrote) return { reply, state: t.turn.state ?? emptyState(), wrote: false };
    t.history.push({ role: 'assistant', text: reply.reply, calls: [] });
    return { reply, state: this.#nextState(t.history, t.state), wrote: true };
  }
}

/**
 * Runs the model's calls of one turn through the registry: only offered tools, JSON arguments only, each write
 * under an idempotency key of its own derived from the turn's (so a re-run of the turn writes nothing twice), and
 * the same write proposed twice in one turn made once.
 */
class CallRunner {
  wrote = false;
  readonly #tools: ToolRegistry;
  readonly #context: BrainContext;
  readonly #offered: ReadonlySet<string>;
  readonly #confirmed: boolean;
  readonly #done = new Map<string, CallRecord>();
  #writes = 0;

  constructor(tools: ToolRegistry, context: BrainContext, offered: ReadonlySet<string>, confirmed: boolean) {
    this.#confirmed = confirmed;
    this.#tools = tools;
    this.#context = context;
    this.#offered = offered;
  }

  async call(call: ModelToolCall): Promise<CallRecord> {
    const record: CallRecord = { name: call.name, args: call.args };
    if (!this.#offered.has(call.name)) {
      record.error = validation(`Unknown tool: ${call.name}`, '(tool)');
      return record;
    }
    if (typeof call.args === 'string') {
      record.error = validation('arguments: not valid JSON', '(arguments)');
      return record;
    }
    if (!this.#confirmed && needsConfirmation(call.name, call.args)) {
      record.held = true;
      return record;
    }
    const readOnly = isReadOnlyTool(call.name);
    const key = `${call.name}:${JSON.stringify(call.args ?? {})}`;
    const before = this.#done.get(key);
    if (!readOnly && before) return before;
    const c = this.#context;
    const idempotencyKey =
      readOnly || this.#writes === 0 ? c.idempotencyKey : `${c.idempotencyKey}:${this.#writes + 1}`;
    if (!readOnly) this.#writes++;
    try {
      record.outcome = await this.#tools.invoke(call.name, call.args ?? {}, {
        crm: c.crm,
        ...(c.calendar ? { calendar: c.calendar } : {}),
        ...(c.messages ? { messages: c.messages } : {}),
        now: c.now,
        timeZone: c.timeZone,
        idempotencyKey,
        ...(c.signal ? { signal: c.signal } : {}),
      });
      if (!readOnly) {
        this.wrote = true;
        this.#done.set(key, record);
      }
    } catch (error) {
      record.error = error;
      // A refused request changed nothing; anything else (a timeout, a 5xx) may have written.
      const refused =
        isRoomanError(error) && (error.type === 'VALIDATION_ERROR' || error.type === 'NOT_FOUND');
      if (!readOnly && !refused) this.wrote = true;
      // Refused here, before any CRM saw the key (arguments, a past time): the corrected call may use it.
      if (!readOnly && refused && error.upstreamStatus === undefined) this.#writes--;
    }
    return record;
  }
}

const validation = (details: string, field: string) =>
  new RoomanError('VALIDATION_ERROR', details, { field });

function errorType(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  return isRoomanError(error) ? error.type : 'Error';
}

/** The bot contract's error for a failed call, as the local brain reports it (plus the field awaited). */
function botErrorOf(error: unknown): Pick<BrainReply, 'error' | 'awaiting'> {
  if (isRoomanError(error)) {
    const e = error;
    if (e.type === 'VALIDATION_ERROR')
      return {
        error: { type: 'VALIDATION_ERROR', details: e.message },
        ...(e.field && !e.field.startsWith('(') ? { awaiting: e.field } : {}),
      };
    if (e.type === 'NOT_FOUND') return { error: { type: 'CRM_ERROR', details: 'Lead not found' } };
    return { error: { type: 'CRM_ERROR', details: e.message } };
  }
  return { error: { type: 'CRM_ERROR', details: 'The CRM request failed' } };
}
