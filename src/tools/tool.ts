/**
 * A tool is something a brain may do: a name, a description for models, one zod schema for its arguments (which
 * validates them, types the handler and becomes the JSON-schema declaration for Gemini/OpenAI/MCP) and a handler.
 */
import type { z } from 'zod';
import type { CrmCall } from '../core/bot.ts';
import type { CrmGateway } from '../core/crm.ts';
import type { MeetingCalendar } from '../core/meetings.ts';
import type { MessageSender } from '../core/messages.ts';

/** What a tool gets to do its work, for one organisation and one turn. */
export interface ToolContext {
  crm: CrmGateway;
  /** The organisation's calendar, for brains that manage meetings. */
  calendar?: MeetingCalendar;
  /** Where the organisation's messages go, for brains that send them. */
  messages?: MessageSender;
  /** The instant the turn happens at: "in the future" is judged against it. */
  now: Date;
  /** IANA time zone of the organisation. */
  timeZone: string;
  /** Makes a write safe to repeat: the same key never writes twice. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface Tool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  input: S;
  /** The seed-API request this call amounts to (`crm_call` in the bot's answer); absent for reads. */
  describeCall?: (args: z.output<S>) => CrmCall;
  run: (args: z.output<S>, context: ToolContext) => Promise<Record<string, unknown>>;
}

/** Keeps the schema's type flowing into the handler's arguments. */
export function defineTool<S extends z.ZodType>(tool: Tool<S>): Tool<S> {
  return tool;
}
