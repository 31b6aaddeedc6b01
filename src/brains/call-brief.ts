/**
 * The lines of a system instruction that say whom the agent is talking with and why (BrainContext.call): shared by
 * the model brains (src/brains/model) and Gemini Live's setup, so every model is told the same thing.
 */
import type { CallInfo } from './brain.ts';

/** Context is operator data of any size: each value and the whole are capped so a row cannot flood the prompt. */
const MAX_VALUE_CHARS = 300;
const MAX_CONTEXT_CHARS = 2000;

export function callBrief(call: CallInfo | undefined): string[] {
  if (!call) return [];
  const lines: string[] = [];
  const phone = call.channel === 'twilio';
  if (call.direction === 'outbound')
    lines.push(
      `This is a phone call you placed${call.to ? ` to ${call.to}` : ''}${call.from ? ` from ${call.from}` : ''}: you called them, so say who you are and why you call.`,
    );
  else if (phone)
    lines.push(`This is a phone call to you${call.from ? ` from ${call.from}` : ''} (the caller's number).`);
  else if (call.from) lines.push(`The caller is ${call.from}.`);
  const context = contextLines(call.context);
  if (context.length > 0) lines.push('What you know about this call (why it was made):', ...context);
  if (call.greeting)
    lines.push(`You opened the call by saying: "${call.greeting}". Do not greet again; go on from there.`);
  return lines;
}

function contextLines(context: Record<string, unknown> | undefined): string[] {
  if (!context) return [];
  const lines: string[] = [];
  let used = 0;
  for (const [key, value] of Object.entries(context)) {
    if (value === null || value === undefined || value === '') continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const line = `- ${key}: ${text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text}`;
    if (used + line.length > MAX_CONTEXT_CHARS) break;
    used += line.length;
    lines.push(line);
  }
  return lines;
}
