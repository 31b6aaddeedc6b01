/**
 * What a model brain keeps between turns, inside the session state (JSON): the conversation as the model saw it,
 * trimmed so a long call does not grow the prompt (or the session row) without bound, and the task being worked on
 * so a bare answer ("9876543210") still reports the intent it belongs to.
 */
import { z } from 'zod';
import { Entities, Intent } from '../../core/understanding.ts';
import { ModelMessage } from './chat-model.ts';

export const ModelBrainState = z.object({
  v: z.literal(1),
  history: z.array(ModelMessage),
  /** The task intent the conversation is on, until it is done or dropped. */
  task: Intent.optional(),
  /** What is known of that task so far. */
  entities: Entities.default({}),
});
export type ModelBrainState = z.infer<typeof ModelBrainState>;

export const emptyState = (): ModelBrainState => ({ v: 1, history: [], entities: {} });

/** A state from another brain or an older shape starts a fresh conversation rather than failing the turn. */
export function readState(raw: unknown): ModelBrainState {
  const parsed = ModelBrainState.safeParse(raw);
  return parsed.success ? parsed.data : emptyState();
}

export interface TrimLimits {
  /** Most messages kept (default 40). */
  maxMessages: number;
  /** Most characters of JSON kept (default 24,000, ≈ 6k tokens). */
  maxChars: number;
}

export const DEFAULT_TRIM: TrimLimits = { maxMessages: 40, maxChars: 24_000 };

/**
 * Drops the oldest exchanges until the history fits. It cuts only before a user message, so a tool call is never
 * separated from its result (providers reject a tool result whose call is gone) and the history starts with the
 * user, as Gemini requires. The newest exchange is always kept whole.
 */
export function trimHistory(history: ModelMessage[], limits: TrimLimits = DEFAULT_TRIM): ModelMessage[] {
  const starts = history.flatMap((m, i) => (m.role === 'user' ? [i] : []));
  const size = (from: number) => JSON.stringify(history.slice(from)).length;
  for (const start of starts) {
    if (history.length - start <= limits.maxMessages && size(start) <= limits.maxChars)
      return history.slice(start);
  }
  const last = starts.at(-1);
  return last === undefined ? [] : history.slice(last);
}
