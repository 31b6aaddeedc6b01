/**
 * What the tool loop needs from a language model, whatever the provider: one request (system instruction, the
 * conversation so far, the tools) in, one answer (text and/or tool calls) out. Providers (Gemini, OpenAI-compatible)
 * translate this to and from their wire format; the loop never sees a provider's shapes.
 */
import { z } from 'zod';
import type { ToolDeclaration } from '../../tools/registry.ts';
import type { ModelUsage } from '../brain.ts';

/** A tool call the model proposed. `args` is what it sent, unvalidated (a string when it was not JSON). */
export const ModelToolCall = z.object({
  id: z.string(),
  name: z.string(),
  args: z.unknown(),
  /** Gemini's opaque thought signature: it must be sent back with the call in the next request. */
  signature: z.string().optional(),
});
export type ModelToolCall = z.infer<typeof ModelToolCall>;

export const ModelToolResult = z.object({
  id: z.string(),
  name: z.string(),
  output: z.record(z.string(), z.unknown()),
});
export type ModelToolResult = z.infer<typeof ModelToolResult>;

/** One message of the conversation as the brain keeps it (in the session state, so JSON only). */
export const ModelMessage = z.discriminatedUnion('role', [
  z.object({ role: z.literal('user'), text: z.string() }),
  z.object({
    role: z.literal('assistant'),
    text: z.string(),
    calls: z.array(ModelToolCall).default([]),
  }),
  z.object({ role: z.literal('tool'), results: z.array(ModelToolResult) }),
]);
export type ModelMessage = z.infer<typeof ModelMessage>;

export interface ModelRequest {
  system: string;
  messages: readonly ModelMessage[];
  tools: readonly ToolDeclaration[];
  /** `none`: answer in words now (the last round, when the tool-round cap is reached). */
  toolChoice: 'auto' | 'none';
  signal?: AbortSignal;
  /** Called with each piece of reply text as it streams in. */
  onText?: (piece: string) => void;
}

export interface ModelAnswer {
  text: string;
  calls: ModelToolCall[];
  /** Tokens this call used, when the provider said (not every OpenAI-compatible server does). */
  usage?: ModelUsage;
}

export interface ChatModel {
  /** Provider and model, for logs: `openai:gpt-4o-mini`, `gemini:gemini-2.5-flash`. */
  readonly label: string;
  /** Throws ModelError when the provider fails or cannot be reached. */
  complete(request: ModelRequest): Promise<ModelAnswer>;
}

/** Why a model request failed, in terms an operator can act on. */
export type ModelFailure =
  | 'auth' // 401/403: the key is missing, wrong or not allowed this model
  | 'rate_limited' // 429: quota or rate limit
  | 'unavailable' // 5xx or the connection failed
  | 'timeout' // no (complete) answer in time
  | 'bad_request' // other 4xx: the provider refused the request (unknown model, bad schema…)
  | 'bad_response'; // the answer could not be read

const FAILURE_WORDS: Record<ModelFailure, string> = {
  auth: 'the provider refused the API key',
  rate_limited: 'rate limited by the provider',
  unavailable: 'the provider is unavailable',
  timeout: 'the model did not answer in time',
  bad_request: 'the provider refused the request',
  bad_response: 'the provider sent an answer that could not be read',
};

export class ModelError extends Error {
  readonly failure: ModelFailure;
  readonly status: number | undefined;
  /** Seconds the provider asked to wait (Retry-After), when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    failure: ModelFailure,
    detail: string,
    options: { status?: number; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    const status = options.status === undefined ? '' : ` (HTTP ${options.status})`;
    super(`${FAILURE_WORDS[failure]}${status}: ${detail}`, { cause: options.cause });
    this.name = 'ModelError';
    this.failure = failure;
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get retriable(): boolean {
    return this.failure === 'rate_limited' || this.failure === 'unavailable' || this.failure === 'timeout';
  }
}

/** The failure an HTTP status means. */
export function failureOfStatus(status: number): ModelFailure {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status === 504) return 'timeout';
  if (status >= 500) return 'unavailable';
  return 'bad_request';
}

/**
 * JSON Schema of a tool as providers take it: without zod's `$schema` marker (Gemini refuses keys it does not know),
 * and without a `pattern` where a `format` says the same (zod's 200-character uuid regex costs tokens on every
 * request and tells a model nothing `format: uuid` does not). The registry still validates with the full schema.
 */
export function providerSchema(parameters: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = parameters;
  return simplify(rest) as Record<string, unknown>;
}

function simplify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(simplify);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  const formatted = typeof (node as { format?: unknown }).format === 'string';
  for (const [key, value] of Object.entries(node)) {
    if (key === 'pattern' && formatted) continue;
    out[key] = key === 'enum' || key === 'required' ? value : simplify(value);
  }
  return out;
}

/**
 * Runs a request, and once more (by default) after a rate limit, an outage or a refused connection — not after a
 * timeout: the caller has waited long enough. Waits what the provider asked (Retry-After), at most 5 s.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  options: { maxRetries: number; delayMs: number; signal?: AbortSignal | undefined },
): Promise<T> {
  for (let tried = 0; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      const again =
        error instanceof ModelError &&
        error.retriable &&
        error.failure !== 'timeout' &&
        tried < options.maxRetries;
      if (!again) throw error;
      const asked = error.retryAfterSeconds === undefined ? options.delayMs : error.retryAfterSeconds * 1000;
      await sleep(Math.min(asked, 5000), options.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
