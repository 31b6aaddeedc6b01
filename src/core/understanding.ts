/**
 * What the understanding engine produces for one utterance: an intent with a confidence and the entities found.
 * This is the `rooman understand` JSON-lines contract and the `intent`/`entities` of `/bot/handle`.
 */
import { z } from 'zod';
import { LeadStatus } from './crm.ts';

export const TASK_INTENTS = [
  'LEAD_CREATE',
  'VISIT_SCHEDULE',
  'LEAD_UPDATE',
  'MEETING_SCHEDULE',
  'MEETING_RESCHEDULE',
  'MEETING_CANCEL',
  'MEETING_QUERY',
  'MESSAGE_SEND',
] as const;
export const DIALOGUE_ACTS = ['CONFIRM', 'DENY', 'GREETING', 'GOODBYE', 'HELP'] as const;
export const INTENTS = [...TASK_INTENTS, ...DIALOGUE_ACTS, 'UNKNOWN'] as const;
export const Intent = z.enum(INTENTS);
export type Intent = z.infer<typeof Intent>;

export const CHANNELS = ['email', 'whatsapp', 'telegram', 'sms', 'slack'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

/** Entity keys; an absent entity is omitted, never null. */
export const Entities = z.object({
  person: z.string().optional(),
  /** E.164, e.g. +919876543210. */
  phone: z.string().optional(),
  email: z.string().optional(),
  city: z.string().optional(),
  source: z.string().optional(),
  status: LeadStatus.optional(),
  /** A full lead uuid, a unique prefix of one, or a lead's name ("Rohan's lead" → "Rohan"). */
  lead_ref: z.string().optional(),
  /** An instant: ISO-8601 with offset in the business time zone. */
  datetime: z.string().optional(),
  /** A whole day (YYYY-MM-DD), when no time of day is meant. */
  date: z.string().optional(),
  end_datetime: z.string().optional(),
  duration_minutes: z.number().optional(),
  title: z.string().optional(),
  attendees: z.array(z.string()).optional(),
  channel: Channel.optional(),
  message: z.string().optional(),
  notes: z.string().optional(),
  scope: z.literal('all').optional(),
  /** The meeting being moved: "my 2 PM meeting" in "reschedule my 2 PM meeting to 3 PM". */
  original_datetime: z.string().optional(),
  /** A recurrence as an RFC 5545 RRULE ("every Monday" → FREQ=WEEKLY;BYDAY=MO). */
  recurrence: z.string().optional(),
});
export type Entities = z.infer<typeof Entities>;

export const Understanding = z.object({
  text: z.string(),
  intent: Intent,
  confidence: z.number().min(0).max(1),
  entities: Entities,
});
export type Understanding = z.infer<typeof Understanding>;

export interface UnderstandingContext {
  /** The reference instant relative expressions resolve against. */
  now: Date;
  /** IANA time zone for resolving and writing times. */
  tz: string;
  /**
   * How the organisation writes numeric dates: 5/10 is 5 October (`day-first`) or May 10 (`month-first`). When
   * absent, US time zones read month first and every other zone day first (Indian usage).
   */
  dateOrder?: 'day-first' | 'month-first';
}

/** The built-in engine and any other understander: synchronous, no I/O, fast (p99 < 2 ms). */
export interface Understander {
  understand(text: string, context: UnderstandingContext): Understanding;
}
