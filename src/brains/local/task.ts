/**
 * A task is something the dialogue can get done, described as data: which slots it needs and how to ask for each,
 * whether to confirm first, which tool to call and how to say the result. Adding an intent to the local brain means
 * adding one of these, not editing the dialogue.
 */
import type { CrmGateway, LeadStatus } from '../../core/crm.ts';
import type { BotErrorType } from '../../core/errors.ts';
import type { Entities, TASK_INTENTS, Understanding } from '../../core/understanding.ts';
import type { LeadSummary } from '../../tools/lead-lookup.ts';
import type { Fill, FillContext, SlotKind, Slots } from './slot-values.ts';

export type TaskIntent = (typeof TASK_INTENTS)[number];

/** Speaks values in the organisation's zone, relative to the turn's "now". */
export interface Say {
  phone(e164: string): string;
  leadRef(leadId: string): string;
  dateTime(iso: string): string;
  date(ymd: string): string;
  status(status: LeadStatus): string;
  /** The turn's instant and the organisation's zone, for tasks that word times themselves. */
  now: Date;
  timeZone: string;
}

export interface SlotSpec {
  /** The tool argument it fills; also the `awaiting` value while the bot asks for it. */
  name: string;
  kind: SlotKind;
  required: boolean;
  /** As in "Missing required field: phone number". */
  label: string;
  /** The spoken question. */
  ask(slots: Slots, say: Say): string;
  /**
   * Reads the slot itself instead of by its kind (meeting titles, channels, recipients…): from a whole sentence,
   * or, with `reply`, from the answer to its own question.
   */
  read?(u: Understanding, ctx: FillContext, reply: boolean): Fill;
  /** The entity the slot is reported as in the bot's `entities`, when not its kind's. */
  entity?: keyof Entities;
}

/** What a task's own steps (lookups before acting, reading a choice) may use during a turn. */
export interface TaskSteps {
  /** Runs one of the brain's tools with the turn's context; lookups only (no idempotency key is given). */
  invoke(tool: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  crm: CrmGateway;
  now: Date;
  timeZone: string;
  say: Say;
  understanding: Understanding;
}

/** What a task's `prepare` decided: go on (confirm, act), ask something, or finish without acting. */
export type Step =
  | { kind: 'ready' }
  | { kind: 'ask'; reply: string; awaiting: string; error?: { type: BotErrorType; details: string } }
  | { kind: 'finish'; reply: string; error?: { type: BotErrorType; details: string } };

export interface TaskResult {
  slots: Slots;
  /** The tool's validated arguments (phone in E.164…). */
  args: Record<string, unknown>;
  output: Record<string, unknown>;
}

export interface TaskDefinition {
  intent: TaskIntent;
  tool: string;
  /** "add a new lead": used in "I can …". */
  capability: string;
  /** An example request, for help. */
  example: string;
  slots: SlotSpec[];
  /** A yes/no question to ask before acting, or null to act at once. */
  confirm?(slots: Slots, say: Say): string | null;
  /** Said when the speaker answers no to `confirm`. */
  declined?(slots: Slots): string;
  /**
   * Tool arguments from the slots; default: every slot with a value, by name. A list calls the tool once per
   * item (cancelling several meetings), and the output is `{ items: [...] }`.
   */
  args?(slots: Slots): Record<string, unknown> | Record<string, unknown>[];
  /**
   * Runs once the required slots are filled, before the confirmation: looks things up (which meeting is meant,
   * a recipient's number), fills slots, or asks. `awaiting` of an `ask` is a slot name or the task's own question,
   * whose answer goes to `answer`.
   */
  prepare?(slots: Slots, steps: TaskSteps): Promise<Step>;
  /** Reads the answer to a question `prepare` asked that is not a slot; false when it did not answer it. */
  answer?(awaiting: string, slots: Slots, steps: TaskSteps): boolean;
  /** The tool only reads (a calendar query): the turn does not count as a write. */
  readOnly?: boolean;
  /** The spoken result. */
  done(result: TaskResult, say: Say): string;
  /** The lead "her" / "that lead" refers to afterwards. */
  leadAfter(result: TaskResult): LeadSummary | undefined;
  /** One line for the session history. */
  outcome(result: TaskResult): string;
}

/** The name the speaker used for the lead in slot `slot`, once resolved (falls back to "the lead"). */
export const leadName = (slots: Slots, slot = 'lead_id') => slots[`${slot}:name`] ?? 'the lead';

/** "Priya" → "Priya's", "James" → "James'". */
export const possessive = (name: string) => (/s$/i.test(name) ? `${name}'` : `${name}'s`);
