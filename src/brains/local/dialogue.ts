/**
 * One turn of the local dialogue: a small state machine over the pending task. Without a pending task the
 * utterance's intent decides; with one, the message is read in the context of what the bot asked for (a slot, a
 * choice between leads, a yes/no), and a clearly different request starts over.
 */
import type { CrmCall } from '../../core/bot.ts';
import type { CrmGateway } from '../../core/crm.ts';
import { type BotErrorType, isRoomanError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { MeetingCalendar } from '../../core/meetings.ts';
import type { MessageSender } from '../../core/messages.ts';
import type { Entities, Understanding } from '../../core/understanding.ts';
import { findLeadsByRef, LAST_LEAD_REF, type LeadSummary } from '../../tools/lead-lookup.ts';
import type { ToolOutcome, ToolRegistry } from '../../tools/registry.ts';
import type { ToolContext } from '../../tools/tool.ts';
import type { BrainReply } from '../brain.ts';
import { chooseCandidate, describeCandidates } from './lead-choice.ts';
import * as replies from './replies.ts';
import {
  dayKey,
  ENTITY_OF,
  type Fill,
  type FillContext,
  fromReply,
  fromSentence,
  leadNameKey,
  type Problem,
  refKey,
  type Slots,
} from './slot-values.ts';
import { speakDate, speakDateTime, speakLeadRef, speakPhone, speakStatus } from './speech.ts';
import { CONFIRMATION, type DialogueState, LEAD_CHOICE, type PendingTask, RETRY, remember } from './state.ts';
import type { Say, SlotSpec, TaskDefinition, TaskIntent, TaskSteps } from './task.ts';

/**
 * Below this confidence an intent does not interrupt a task being filled in, and a dialogue act is not taken as
 * one: a bare "Pune" may score as a weak CONFIRM, and must not confirm anything.
 */
const CONTEXT_CONFIDENCE = 0.6;

const YES =
  /^(yes|yeah|yep|yup|ya|sure|ok|okay|confirm(ed)?|do it|go ahead|correct|right|please do|affirmative)\b/i;
const NO = /^(no|nope|nah|cancel|don'?t|do not|stop|never ?mind|forget it|leave it)\b/i;

export interface DialogueDeps {
  tasks: ReadonlyMap<string, TaskDefinition>;
  tools: ToolRegistry;
  logger?: Logger;
}

export interface DialogueEnv {
  crm: CrmGateway;
  calendar?: MeetingCalendar;
  messages?: MessageSender;
  now: Date;
  timeZone: string;
  idempotencyKey: string;
  turn: number;
  signal?: AbortSignal;
}

interface Reply {
  reply: string;
  awaiting?: string;
  error?: { type: BotErrorType; details: string };
  outcome?: ToolOutcome;
}

export class DialogueTurn {
  readonly state: DialogueState;
  /** Whether a write was sent to the CRM this turn. */
  wrote = false;
  readonly #u: Understanding;
  readonly #deps: DialogueDeps;
  readonly #env: DialogueEnv;
  readonly #say: Say;
  /** The task this turn worked on and its slots at the end of the turn (for `intent` and `entities`). */
  #active: { task: TaskDefinition; slots: Slots } | undefined;

  constructor(state: DialogueState, understanding: Understanding, deps: DialogueDeps, env: DialogueEnv) {
    this.state = state;
    this.#u = understanding;
    this.#deps = deps;
    this.#env = env;
    const { now, timeZone } = env;
    this.#say = {
      phone: speakPhone,
      leadRef: speakLeadRef,
      dateTime: (iso) => speakDateTime(iso, timeZone, now),
      date: (ymd) => speakDate(ymd, now, timeZone),
      status: speakStatus,
      now,
      timeZone,
    };
  }

  async run(): Promise<BrainReply> {
    const pending = this.state.pending;
    const task = pending && this.#deps.tasks.get(pending.intent);
    const reply = pending && task ? await this.#continue(task, pending) : await this.#fresh();
    return this.#finish(reply);
  }

  // ── without a pending task ──────────────────────────────────────────────────────────────────────────────────

  async #fresh(): Promise<Reply> {
    this.state.pending = undefined;
    const u = this.#u;
    const tasks = [...this.#deps.tasks.values()];
    const task = this.#deps.tasks.get(u.intent);
    if (task) return this.#start(task);
    switch (u.intent) {
      case 'GREETING':
        return { reply: replies.greeting(tasks) };
      case 'HELP':
        return { reply: replies.help(tasks) };
      case 'GOODBYE':
        return { reply: replies.GOODBYE };
      case 'CONFIRM':
      case 'DENY':
        return { reply: `${replies.NOTHING_TO_CONFIRM} ${replies.capabilities(tasks)}` };
      case 'UNKNOWN':
        // Nothing was done and nothing understood: the seed's contract calls that a PARSING_ERROR.
        return {
          reply: replies.notUnderstood(tasks),
          error: { type: 'PARSING_ERROR', details: 'Could not understand the request' },
        };
      default:
        // A task intent this brain has no definition for (meetings, messages…).
        return { reply: replies.notYet(tasks) };
    }
  }

  async #start(task: TaskDefinition): Promise<Reply> {
    const pending: PendingTask = { intent: task.intent as TaskIntent, slots: {} };
    this.state.pending = pending;
    let problem: { spec: SlotSpec; problem: Problem } | undefined;
    for (const spec of task.slots) {
      const fill = this.#read(spec, this.#u, pending, false);
      const p = this.#apply(spec, pending.slots, fill, true);
      if (p && !problem) problem = { spec, problem: p };
    }
    const required = task.slots.filter((s) => s.required);
    const heard = required.filter((s) => this.#mentioned(s, pending.slots));
    if (!problem && heard.length === 0 && required.length > 0) {
      const first = required[0]!;
      problem = {
        spec: first,
        problem: {
          type: 'PARSING_ERROR',
          details: `Could not extract required entities: ${required.map((s) => s.label).join(', ')}`,
          say: '',
        },
      };
    }
    return this.#advance(task, pending, problem);
  }

  // ── with a pending task ─────────────────────────────────────────────────────────────────────────────────────

  async #continue(task: TaskDefinition, pending: PendingTask): Promise<Reply> {
    const u = this.#u;
    const sure = u.confidence >= CONTEXT_CONFIDENCE;
    const yes = (u.intent === 'CONFIRM' && sure) || YES.test(u.text.trim());
    const no = (u.intent === 'DENY' && sure) || NO.test(u.text.trim());
    const other = this.#deps.tasks.get(u.intent);
    const switching = other !== undefined && other !== task && sure;

    if (u.intent === 'GOODBYE' && sure) return this.#drop(replies.GOODBYE);
    const awaiting = pending.awaiting;

    if (awaiting === CONFIRMATION || awaiting === RETRY) {
      if (yes && !no) {
        pending.awaiting = undefined;
        if (awaiting === CONFIRMATION) pending.confirmed = true;
        return this.#advance(task, pending);
      }
      if (no) return this.#drop(task.declined?.(pending.slots) ?? replies.DROPPED);
      if (switching) return this.#start(other);
      const question =
        awaiting === CONFIRMATION ? task.confirm?.(pending.slots, this.#say) : replies.CRM_DOWN;
      return this.#keep(task, { reply: `${replies.SAY_YES_OR_NO} ${question ?? ''}`.trim(), awaiting });
    }

    if (awaiting === LEAD_CHOICE) {
      const candidates = pending.candidates ?? [];
      const chosen = chooseCandidate(u.text, candidates);
      if (chosen) {
        const spec = task.slots.find((s) => s.kind === 'lead')!;
        this.#setLead(spec.name, pending.slots, chosen);
        pending.awaiting = undefined;
        pending.candidates = undefined;
        return this.#advance(task, pending);
      }
      if (no) return this.#drop(replies.DROPPED);
      if (switching) return this.#start(other);
      return this.#keep(task, {
        reply: `Sorry, which one? ${describeCandidates(candidates)}`,
        awaiting: LEAD_CHOICE,
      });
    }

    const spec = task.slots.find((s) => s.name === awaiting);
    if (!spec && awaiting && task.answer) {
      // A question of the task's own ("which of your two meetings…?").
      if (task.answer(awaiting, pending.slots, this.#steps())) return this.#advance(task, pending);
      if (no) return this.#drop(task.declined?.(pending.slots) ?? replies.DROPPED);
      if (switching) return this.#start(other);
      const again = await this.#advance(task, pending);
      return { ...again, reply: `Sorry, I didn't catch that. ${again.reply}` };
    }
    if (!spec) return this.#advance(task, pending);
    if (no && !yes) return this.#drop(replies.DROPPED);
    if (u.intent === 'HELP' && sure) {
      return this.#keep(task, {
        reply: `${replies.help([...this.#deps.tasks.values()])} ${spec.ask(pending.slots, this.#say)}`,
        awaiting: spec.name,
      });
    }

    // The message may carry more than the awaited value ("9876543210, she's from Pune"); a restatement of the same
    // request may correct earlier values.
    const sameRequest = u.intent === task.intent;
    const heard = new Map<SlotSpec, Fill>();
    for (const s of task.slots) heard.set(s, this.#read(s, u, pending, false));
    if (switching && !this.#fills(heard.get(spec)!)) return this.#start(other);

    for (const [s, fill] of heard) {
      if (s === spec) continue;
      if (sameRequest || !this.#mentioned(s, pending.slots)) this.#apply(s, pending.slots, fill, false);
    }
    const fill = this.#read(spec, u, pending, true);
    const problem = this.#apply(spec, pending.slots, fill, true);
    return this.#advance(task, pending, problem ? { spec, problem } : undefined);
  }

  // ── moving a task forward ───────────────────────────────────────────────────────────────────────────────────

  /** Resolves lead references, asks for what is missing, confirms, then acts. */
  async #advance(
    task: TaskDefinition,
    pending: PendingTask,
    problem?: { spec: SlotSpec; problem: Problem },
  ): Promise<Reply> {
    pending.awaiting = undefined;
    for (const spec of task.slots) {
      if (spec.kind !== 'lead') continue;
      const ref = pending.slots[refKey(spec.name)];
      if (ref === undefined || pending.slots[spec.name]) continue;
      delete pending.slots[refKey(spec.name)];
      let match: Awaited<ReturnType<typeof findLeadsByRef>>;
      try {
        match = await findLeadsByRef(this.#env.crm, ref, {
          last: this.state.last_lead,
          signal: this.#env.signal,
        });
      } catch (error) {
        pending.slots[refKey(spec.name)] = ref;
        return this.#crmFailure(task, pending, error);
      }
      if (match.kind === 'found') {
        this.#setLead(spec.name, pending.slots, match.lead);
      } else if (match.kind === 'many') {
        pending.awaiting = LEAD_CHOICE;
        pending.candidates = match.leads;
        const more = match.total > match.leads.length ? ` The first ${match.leads.length} are:` : '';
        return this.#keep(task, {
          reply: `I found ${match.total} leads matching ${ref}.${more} ${describeCandidates(match.leads)}`,
          awaiting: LEAD_CHOICE,
        });
      } else if (ref !== LAST_LEAD_REF) {
        pending.awaiting = spec.name;
        return this.#keep(task, {
          reply: `I couldn't find a lead matching ${ref}. ${spec.ask(pending.slots, this.#say)}`,
          awaiting: spec.name,
          error: { type: 'CRM_ERROR', details: 'Lead not found' },
        });
      }
    }

    const missing = task.slots.filter((s) => s.required && !pending.slots[s.name]);
    if (missing.length > 0) {
      const spec = problem && missing.includes(problem.spec) ? problem.spec : missing[0]!;
      const p = problem && problem.spec === spec ? problem.problem : undefined;
      pending.awaiting = spec.name;
      const question = spec.ask(pending.slots, this.#say);
      return this.#keep(task, {
        reply: p?.say ? `${p.say} ${question}` : question,
        awaiting: spec.name,
        error: p
          ? { type: p.type, details: p.details }
          : { type: 'VALIDATION_ERROR', details: `Missing required field: ${spec.label}` },
      });
    }

    if (task.prepare) {
      let step: Awaited<ReturnType<NonNullable<TaskDefinition['prepare']>>>;
      try {
        step = await task.prepare(pending.slots, this.#steps());
      } catch (error) {
        return this.#crmFailure(task, pending, error);
      }
      if (step.kind === 'ask') {
        pending.awaiting = step.awaiting;
        return this.#keep(task, step.error ? { ...step, error: step.error } : step);
      }
      if (step.kind === 'finish') return this.#dropWith(task, step);
    }

    if (!pending.confirmed) {
      const question = task.confirm?.(pending.slots, this.#say);
      if (question) {
        pending.awaiting = CONFIRMATION;
        return this.#keep(task, { reply: question, awaiting: CONFIRMATION });
      }
    }
    return this.#execute(task, pending);
  }

  async #execute(task: TaskDefinition, pending: PendingTask): Promise<Reply> {
    const args = task.args ? task.args(pending.slots) : this.#defaultArgs(task, pending.slots);
    const idempotencyKey = pending.idempotency_key ?? this.#env.idempotencyKey;
    let outcome: ToolOutcome;
    try {
      if (!task.readOnly) this.wrote = true;
      if (Array.isArray(args)) {
        // One call per item, each under a key of its own, so a retry repeats none of them.
        const outcomes: ToolOutcome[] = [];
        for (const [i, item] of args.entries()) {
          const context = { ...this.#toolContext(), idempotencyKey: `${idempotencyKey}:${i}` };
          outcomes.push(await this.#deps.tools.invoke(task.tool, item, context));
        }
        outcome = {
          tool: task.tool,
          args: { items: outcomes.map((o) => o.args) },
          output: { items: outcomes.map((o) => o.output) },
        };
      } else {
        outcome = await this.#deps.tools.invoke(task.tool, args, { ...this.#toolContext(), idempotencyKey });
      }
    } catch (error) {
      pending.idempotency_key = idempotencyKey;
      return this.#toolFailure(task, pending, error);
    }
    const result = { slots: { ...pending.slots }, args: outcome.args, output: outcome.output };
    this.#active = { task, slots: result.slots };
    const lead = task.leadAfter(result);
    if (lead) this.state.last_lead = lead;
    remember(this.state, {
      turn: this.#env.turn,
      intent: task.intent as TaskIntent,
      outcome: task.outcome(result),
    });
    this.state.pending = undefined;
    return { reply: task.done(result, this.#say), outcome };
  }

  #toolFailure(task: TaskDefinition, pending: PendingTask, error: unknown): Reply {
    if (!isRoomanError(error)) {
      this.#deps.logger?.error({ err: error, tool: task.tool }, 'tool failed');
      return this.#dropWith(task, { reply: replies.CRM_REFUSED, error: crmError('The CRM request failed') });
    }
    if (error.type === 'VALIDATION_ERROR') {
      const spec = task.slots.find((s) => s.name === error.field);
      if (spec) {
        delete pending.slots[spec.name];
        pending.idempotency_key = undefined;
        pending.awaiting = spec.name;
        const say = spec.kind === 'datetime' ? 'That time has already passed.' : "That doesn't look right.";
        return this.#keep(task, {
          reply: `${say} ${spec.ask(pending.slots, this.#say)}`,
          awaiting: spec.name,
          error: { type: 'VALIDATION_ERROR', details: error.message },
        });
      }
      return this.#dropWith(task, {
        reply: `${replies.CRM_REFUSED} ${error.message}.`,
        error: { type: 'VALIDATION_ERROR', details: error.message },
      });
    }
    if (error.type === 'NOT_FOUND') {
      const spec = task.slots.find((s) => s.kind === 'lead');
      if (spec) {
        delete pending.slots[spec.name];
        delete pending.slots[leadNameKey(spec.name)];
        pending.idempotency_key = undefined;
        pending.awaiting = spec.name;
        return this.#keep(task, {
          reply: `I couldn't find that lead in the CRM. ${spec.ask(pending.slots, this.#say)}`,
          awaiting: spec.name,
          error: crmError('Lead not found'),
        });
      }
    }
    return this.#crmFailure(task, pending, error);
  }

  /** The CRM failed: retriable → keep the task and offer to try again; otherwise drop it. */
  #crmFailure(task: TaskDefinition, pending: PendingTask, error: unknown): Reply {
    if (isRoomanError(error) && error.retriable) {
      pending.awaiting = RETRY;
      return this.#keep(task, { reply: replies.CRM_DOWN, awaiting: RETRY, error: crmError(error.message) });
    }
    if (!isRoomanError(error)) this.#deps.logger?.error({ err: error }, 'CRM lookup failed');
    const details = isRoomanError(error) ? error.message : 'The CRM request failed';
    return this.#dropWith(task, { reply: replies.CRM_REFUSED, error: crmError(details) });
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────────────────────────────

  #toolContext(): ToolContext {
    const env = this.#env;
    const context: ToolContext = { crm: env.crm, now: env.now, timeZone: env.timeZone, signal: env.signal };
    if (env.calendar) context.calendar = env.calendar;
    if (env.messages) context.messages = env.messages;
    return context;
  }

  #steps(): TaskSteps {
    return {
      invoke: async (tool, args) => (await this.#deps.tools.invoke(tool, args, this.#toolContext())).output,
      crm: this.#env.crm,
      now: this.#env.now,
      timeZone: this.#env.timeZone,
      say: this.#say,
      understanding: this.#u,
    };
  }

  /** A slot's value in a message: by the slot's own reader, else by its kind. */
  #read(spec: SlotSpec, u: Understanding, pending: PendingTask, reply: boolean): Fill {
    const ctx = this.#fillContext(spec, pending);
    if (spec.read) return spec.read(u, ctx, reply);
    return reply ? fromReply(spec.kind, u, ctx) : fromSentence(spec.kind, u, ctx);
  }

  #fillContext(spec: SlotSpec, pending: PendingTask): FillContext {
    return {
      slot: spec.name,
      now: this.#env.now,
      timeZone: this.#env.timeZone,
      lastLead: this.state.last_lead,
      slots: pending.slots,
    };
  }

  #fills(fill: Fill): boolean {
    return fill.value !== undefined || fill.ref !== undefined || fill.day !== undefined;
  }

  #mentioned(spec: SlotSpec, slots: Slots): boolean {
    return (
      slots[spec.name] !== undefined ||
      slots[refKey(spec.name)] !== undefined ||
      slots[dayKey(spec.name)] !== undefined
    );
  }

  /** Writes a fill into the slots (a new lead reference replaces the resolved lead); returns its problem. */
  #apply(spec: SlotSpec, slots: Slots, fill: Fill, reportProblem: boolean): Problem | undefined {
    if (fill.value !== undefined) {
      slots[spec.name] = fill.value;
      delete slots[dayKey(spec.name)];
    } else if (fill.ref !== undefined) {
      delete slots[spec.name];
      delete slots[leadNameKey(spec.name)];
      slots[refKey(spec.name)] = fill.ref;
    } else if (fill.day !== undefined) {
      delete slots[spec.name];
      slots[dayKey(spec.name)] = fill.day;
    }
    return reportProblem ? fill.problem : undefined;
  }

  #setLead(slot: string, slots: Slots, lead: LeadSummary): void {
    slots[slot] = lead.lead_id;
    slots[leadNameKey(slot)] = lead.name;
    delete slots[refKey(slot)];
  }

  #defaultArgs(task: TaskDefinition, slots: Slots): Record<string, unknown> {
    const args: Record<string, unknown> = {};
    for (const spec of task.slots) if (slots[spec.name] !== undefined) args[spec.name] = slots[spec.name];
    return args;
  }

  #keep(task: TaskDefinition, reply: Reply): Reply {
    this.#active = { task, slots: { ...this.state.pending?.slots } };
    return reply;
  }

  #dropWith(task: TaskDefinition, reply: Reply): Reply {
    this.#active = { task, slots: { ...this.state.pending?.slots } };
    this.state.pending = undefined;
    return reply;
  }

  #drop(text: string): Reply {
    const pending = this.state.pending;
    const task = pending && this.#deps.tasks.get(pending.intent);
    if (task && pending) this.#active = { task, slots: { ...pending.slots } };
    this.state.pending = undefined;
    return { reply: text };
  }

  /** Fills in `intent` and `entities`: the task worked on and what is known of it, else what was understood. */
  #finish(r: Reply): BrainReply {
    const active = this.#active;
    const reply: BrainReply = {
      intent: active ? active.task.intent : this.#u.intent,
      entities: active ? entitiesOf(active.task, active.slots) : this.#u.entities,
      reply: r.reply,
    };
    if (r.outcome?.crmCall) reply.crm_call = r.outcome.crmCall as CrmCall;
    if (r.outcome) reply.result = r.outcome.output;
    if (r.awaiting) reply.awaiting = r.awaiting;
    if (r.error) reply.error = r.error;
    return reply;
  }
}

const crmError = (details: string) => ({ type: 'CRM_ERROR' as const, details });

/** A task's slots as the bot's `entities`: a resolved lead is its id, else the reference as said. */
export function entitiesOf(task: TaskDefinition, slots: Slots): Entities {
  const entities: Record<string, unknown> = {};
  for (const spec of task.slots) {
    const value = slots[spec.name] ?? slots[refKey(spec.name)];
    const key = spec.entity ?? ENTITY_OF[spec.kind];
    // Slots are text; the two entities that are not are kept as JSON and as digits.
    if (value !== undefined) {
      entities[key] =
        key === 'attendees' ? JSON.parse(value) : key === 'duration_minutes' ? Number(value) : value;
    } else if (spec.kind === 'datetime' && slots[dayKey(spec.name)]) entities.date = slots[dayKey(spec.name)];
  }
  return entities as Entities;
}
