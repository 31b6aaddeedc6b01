/** The text bot's contract: `POST /bot/handle`, `rooman chat` and the web page all speak it. */
import { z } from 'zod';
import { Entities, Intent } from './understanding.ts';

export const BotRequest = z.strictObject({
  transcript: z.string().trim().min(1, 'must not be empty').max(4000, 'must be at most 4000 characters'),
  session_id: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, _ or -')
    .optional(),
});
export type BotRequest = z.output<typeof BotRequest>;

export const BotError = z.object({
  type: z.enum(['VALIDATION_ERROR', 'CRM_ERROR', 'PARSING_ERROR']),
  details: z.string(),
});
export type BotError = z.infer<typeof BotError>;

/** The CRM request the bot made for this turn, as it would be sent over HTTP. */
export const CrmCall = z.object({
  function: z.enum(['createLead', 'scheduleVisit', 'updateLeadStatus']),
  method: z.literal('POST'),
  path: z.string(),
  body: z.record(z.string(), z.unknown()),
});
export type CrmCall = z.infer<typeof CrmCall>;

export const BotResponse = z.object({
  session_id: z.string(),
  intent: Intent,
  entities: Entities,
  crm_call: CrmCall.optional(),
  result: z.record(z.string(), z.unknown()).optional(),
  /** What the agent says back, written to be spoken (digits one by one, dates in words). */
  reply: z.string(),
  /** Set while the bot waits for a missing field or a yes/no. */
  awaiting: z.string().optional(),
  error: BotError.optional(),
});
export type BotResponse = z.infer<typeof BotResponse>;
