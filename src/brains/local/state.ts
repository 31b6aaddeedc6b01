/**
 * What the local dialogue remembers between turns. Plain JSON so any instance behind a load balancer can continue
 * a session: the task being filled in, what the bot is waiting for, the lead the conversation is about, a short
 * history. Unknown or outdated shapes start afresh rather than fail.
 */
import { z } from 'zod';
import { LeadStatus } from '../../core/crm.ts';
import { Intent, TASK_INTENTS } from '../../core/understanding.ts';

export const LeadSummarySchema = z.object({
  lead_id: z.string(),
  name: z.string(),
  city: z.string().optional(),
  status: LeadStatus.optional(),
});

/** What the bot waits for besides a slot value. */
export const CONFIRMATION = 'confirmation';
export const LEAD_CHOICE = 'lead_choice';
/** The CRM was down: "yes" tries the same write again (with the same idempotency key). */
export const RETRY = 'retry';

export const PendingTask = z.object({
  intent: z.enum(TASK_INTENTS),
  /** Slot values as strings (phone in E.164, times in ISO with offset); `lead_ref` until resolved to `lead_id`. */
  slots: z.record(z.string(), z.string()),
  /** A slot name, CONFIRMATION, LEAD_CHOICE or RETRY. */
  awaiting: z.string().optional(),
  candidates: z.array(LeadSummarySchema).optional(),
  /** The speaker said yes to the confirmation question. */
  confirmed: z.boolean().optional(),
  /** The key of a write that failed retriably; a retry reuses it so a write that did land is not repeated. */
  idempotency_key: z.string().optional(),
});
export type PendingTask = z.infer<typeof PendingTask>;

export const HistoryEntry = z.object({ turn: z.number(), intent: Intent, outcome: z.string() });
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const DialogueState = z.object({
  v: z.literal(1),
  pending: PendingTask.optional(),
  last_lead: LeadSummarySchema.optional(),
  history: z.array(HistoryEntry),
});
export type DialogueState = z.infer<typeof DialogueState>;

export const HISTORY_LIMIT = 8;

export const freshState = (): DialogueState => ({ v: 1, history: [] });

export function readState(raw: unknown): DialogueState {
  const parsed = DialogueState.safeParse(raw);
  return parsed.success ? parsed.data : freshState();
}

export function remember(state: DialogueState, entry: HistoryEntry): void {
  state.history.push(entry);
  if (state.history.length > HISTORY_LIMIT) state.history.splice(0, state.history.length - HISTORY_LIMIT);
}
