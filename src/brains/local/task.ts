/**
 * A task is something the dialogue can get done, described as data: which slots it needs and how to ask for each,
 * whether to confirm first, which tool to call and how to say the result. Adding an intent to the local brain means
 * adding one of these, not editing the dialogue.
 */
import type { LeadStatus } from '../../core/crm.ts';
import type { TASK_INTENTS } from '../../core/understanding.ts';
import type { LeadSummary } from '../../tools/lead-lookup.ts';
import type { SlotKind, Slots } from './slot-values.ts';

export type TaskIntent = (typeof TASK_INTENTS)[number];

/** Speaks values in the organisation's zone, relative to the turn's "now". */
export interface Say {
  phone(e164: string): string;
  leadRef(leadId: string): string;
  dateTime(iso: string): string;
  date(ymd: string): string;
  status(status: LeadStatus): string;
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
}

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
  /** Tool arguments from the slots; default: every slot with a value, by name. */
  args?(slots: Slots): Record<string, unknown>;
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
