/**
 * Personal greetings: an agent's greeting may name facts of the call, `{{lead_name}}`, filled from the call's
 * context (`POST /api/calls` `context`, a campaign row's columns). "Hi {{lead_name}}, this is Asha from Acme about
 * your {{purpose}}" opens each call of a campaign with that row's name and purpose.
 *
 * Outbound calls are checked when they are requested: a variable the greeting uses and the context lacks (or holds
 * as something other than text or a number) is a 400 naming `context.<name>`, before any call is placed. Inbound
 * calls have no context; there, a missing variable is left out and the sentence tidied ("Hi, this is Asha…").
 */
import { RoomanError } from '../core/errors.ts';

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;

/** The variables a greeting uses, each once, in order of appearance. */
export function greetingVariables(greeting: string): string[] {
  return [...new Set([...greeting.matchAll(VARIABLE)].map((m) => m[1]!))];
}

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** The greeting with its variables filled from `context`; missing ones left out, spacing and commas tidied. */
export function renderGreeting(greeting: string, context: Readonly<Record<string, unknown>>): string {
  const filled = greeting.replace(VARIABLE, (_whole, name: string) => textOf(context[name]) ?? '');
  return filled
    .replace(/[ \t]+/g, ' ')
    .replace(/ +([,.!?;:])/g, '$1')
    .replace(/([,;:])(?=[,.!?;:])/g, '')
    .trim();
}

/**
 * Refuses an outbound call whose context lacks what the agent's greeting uses. `field` prefixes the error's field
 * (`context` for one call, `targets[3].context` for a campaign row).
 */
export function requireGreetingContext(
  greeting: string | null | undefined,
  context: Readonly<Record<string, unknown>>,
  agentName: string,
  field = 'context',
): void {
  if (!greeting) return;
  for (const name of greetingVariables(greeting)) {
    if (textOf(context[name]) !== undefined) continue;
    throw new RoomanError(
      'VALIDATION_ERROR',
      `${field}.${name}: agent "${agentName}" greets with {{${name}}}; give it as text or a number`,
      { field: `${field}.${name}` },
    );
  }
}
