/**
 * Any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, llama.cpp server, LM Studio…) with plain
 * fetch: streamed (SSE) by default, tool calls assembled from their streamed pieces, failures turned into a
 * ModelError that says what went wrong (key refused, rate limited, provider down, too slow, unreadable answer).
 */
import { z } from 'zod';
import type { ModelUsage } from '../brain.ts';
import {
  type ChatModel,
  failureOfStatus,
  type ModelAnswer,
  ModelError,
  type ModelMessage,
  type ModelRequest,
  type ModelToolCall,
  providerSchema,
  withRetries,
} from '../model/chat-model.ts';
import { sseData } from './sse.ts';

export interface OpenAiModelOptions {
  /** Up to and including the version: `https://api.openai.com/v1`, `http://localhost:11434/v1`. */
  baseUrl: string;
  /** Optional: local servers (Ollama, llama.cpp) take none. */
  apiKey?: string;
  model: string;
  /** Stream the answer (default true); some servers answer with plain JSON anyway, which is read as well. */
  stream?: boolean;
  /** Limit of one attempt until its answer is complete (default 30 s). */
  timeoutMs?: number;
  /** Longest silence while an answer streams (default 15 s). */
  idleTimeoutMs?: number;
  /** Attempts again after a 429, a 5xx or a failed connection, before any answer arrived (default 1). */
  maxRetries?: number;
  /** Wait before a retry when the server does not say (Retry-After), in ms (default 500; at most 5 s is waited). */
  retryDelayMs?: number;
  temperature?: number;
  fetch?: typeof fetch;
}

/** The parts of a chat-completions answer read here; everything else is ignored, as servers add fields. */
const WireToolCall = z.object({
  index: z.number().int().optional(),
  id: z.string().optional(),
  function: z
    .object({
      name: z.string().optional(),
      arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    })
    .optional(),
});
const WireMessage = z.object({
  content: z.string().nullish(),
  tool_calls: z.array(WireToolCall).nullish(),
});
/** `usage`: on a whole answer, and on the last streamed chunk (with no choices) when include_usage was asked. */
const WireUsage = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative().optional(),
  prompt_tokens_details: z.object({ cached_tokens: z.number().int().nonnegative().nullish() }).nullish(),
});
type WireUsage = z.infer<typeof WireUsage>;
/** An answer as read off the wire, with the provider's usage when it sent one. */
type ReadAnswer = ModelAnswer & { wire?: WireUsage | null | undefined };
const WireAnswer = z.object({
  // Anything else there (a server's own shape) is not a count worth failing the answer for.
  usage: WireUsage.nullish().catch(null),
  choices: z.array(
    z.object({
      message: WireMessage.optional(),
      delta: WireMessage.optional(),
      finish_reason: z.string().nullish(),
    }),
  ),
});
const WireError = z.object({ error: z.union([z.object({ message: z.string() }).loose(), z.string()]) });

export class OpenAiModel implements ChatModel {
  readonly label: string;
  readonly #o: OpenAiModelOptions;
  readonly #url: string;

  constructor(options: OpenAiModelOptions) {
    this.#o = options;
    this.#url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.label = `openai:${options.model}`;
  }

  complete(request: ModelRequest): Promise<ModelAnswer> {
    const body = JSON.stringify(this.#body(request));
    return withRetries(() => this.#attempt(body, request), {
      maxRetries: this.#o.maxRetries ?? 1,
      delayMs: this.#o.retryDelayMs ?? 500,
      signal: request.signal,
    });
  }

  #body(request: ModelRequest): Record<string, unknown> {
    const body: Record<string, unknown> = {
      model: this.#o.model,
      messages: [{ role: 'system', content: request.system }, ...request.messages.flatMap(toWire)],
      stream: this.#o.stream ?? true,
    };
    // Without it a stream reports no token counts (OpenAI, vLLM, Ollama and llama.cpp accept it).
    if (body.stream) body.stream_options = { include_usage: true };
    if (this.#o.temperature !== undefined) body.temperature = this.#o.temperature;
    if (request.tools.length > 0) {
      body.tools = request.tools.map((t) => ({
        type: 'function',
        function: { name: t.name, description: t.description, parameters: providerSchema(t.parameters) },
      }));
      body.tool_choice = request.toolChoice;
    }
    return body;
  }

  async #attempt(body: string, request: ModelRequest): Promise<ModelAnswer> {
    const timeoutMs = this.#o.timeoutMs ?? 30_000;
    const idleMs = this.#o.idleTimeoutMs ?? 15_000;
    const timer = new AbortController();
    let timedOut: string | undefined;
    const expire = (why: string) => {
      timedOut = why;
      timer.abort();
    };
    const total = setTimeout(() => expire(`no complete answer within ${timeoutMs} ms`), timeoutMs);
    let idle: NodeJS.Timeout | undefined;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => expire(`the answer stalled for ${idleMs} ms`), idleMs);
    };
    const signal = request.signal ? AbortSignal.any([request.signal, timer.signal]) : timer.signal;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'text/event-stream, application/json',
    };
    if (this.#o.apiKey) headers.authorization = `Bearer ${this.#o.apiKey}`;
    try {
      let response: Response;
      try {
        response = await (this.#o.fetch ?? fetch)(this.#url, { method: 'POST', headers, body, signal });
      } catch (error) {
        throw this.#transportError(error, request, timedOut);
      }
      if (!response.ok) throw await errorOfResponse(response);
      try {
        const type = response.headers.get('content-type') ?? '';
        if (type.includes('text/event-stream') && response.body) {
          touch();
          return this.#withUsage(await readStream(response.body, request, touch));
        }
        return this.#withUsage(readWhole(await response.json()));
      } catch (error) {
        if (error instanceof ModelError) throw error;
        throw this.#transportError(error, request, timedOut);
      }
    } finally {
      clearTimeout(total);
      clearTimeout(idle);
    }
  }

  /** The answer with its token counts in our terms (output tokens include a reasoning model's thinking). */
  #withUsage({ wire, ...answer }: ReadAnswer): ModelAnswer {
    if (!wire) return answer;
    const cached = wire.prompt_tokens_details?.cached_tokens;
    const usage: ModelUsage = {
      provider: 'openai',
      model: this.#o.model,
      inputTokens: wire.prompt_tokens,
      outputTokens: wire.completion_tokens,
      ...(typeof cached === 'number' ? { cachedTokens: cached } : {}),
      ...(wire.total_tokens !== undefined ? { totalTokens: wire.total_tokens } : {}),
    };
    return { ...answer, usage };
  }

  #transportError(error: unknown, request: ModelRequest, timedOut: string | undefined): unknown {
    if (timedOut) return new ModelError('timeout', timedOut, { cause: error });
    // The caller gave up (the call ended): not the model's failure, and not worth an apology.
    if (request.signal?.aborted) return error;
    if (error instanceof SyntaxError)
      return new ModelError('bad_response', 'the answer is not JSON', { cause: error });
    const reason =
      error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    return new ModelError('unavailable', `could not reach ${this.#url} (${reason})`, { cause: error });
  }
}

function toWire(message: ModelMessage): Record<string, unknown>[] {
  if (message.role === 'user') return [{ role: 'user', content: message.text }];
  if (message.role === 'tool')
    return message.results.map((r) => ({
      role: 'tool',
      tool_call_id: r.id,
      content: JSON.stringify(r.output),
    }));
  const wire: Record<string, unknown> = {
    role: 'assistant',
    content: message.text === '' ? null : message.text,
  };
  if (message.calls.length > 0)
    wire.tool_calls = message.calls.map((c) => ({
      id: c.id,
      type: 'function',
      function: {
        name: c.name,
        arguments: typeof c.args === 'string' ? c.args : JSON.stringify(c.args ?? {}),
      },
    }));
  return [wire];
}

async function errorOfResponse(response: Response): Promise<ModelError> {
  const text = await response.text().catch(() => '');
  let detail = text.slice(0, 300) || response.statusText;
  try {
    const parsed = WireError.safeParse(JSON.parse(text));
    if (parsed.success)
      detail = typeof parsed.data.error === 'string' ? parsed.data.error : parsed.data.error.message;
  } catch {
    // Not JSON: the text itself says what happened.
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  return new ModelError(failureOfStatus(response.status), detail, {
    status: response.status,
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
  });
}

function readWhole(json: unknown): ReadAnswer {
  const parsed = WireAnswer.safeParse(json);
  const message = parsed.success ? parsed.data.choices[0]?.message : undefined;
  if (!message) throw new ModelError('bad_response', 'no choices[0].message in the answer');
  const calls = (message.tool_calls ?? []).map((c, i) =>
    toolCall(c.id ?? `call_${i}`, c.function?.name ?? '', c.function?.arguments ?? ''),
  );
  return { text: message.content ?? '', calls, wire: parsed.data?.usage };
}

async function readStream(
  body: ReadableStream<Uint8Array>,
  request: ModelRequest,
  touch: () => void,
): Promise<ReadAnswer> {
  let text = '';
  let finished = false;
  let wire: WireUsage | undefined;
  // Tool calls arrive in pieces keyed by index: the first piece has the id and name, later ones more arguments.
  const pending = new Map<number, { id: string; name: string; args: string | Record<string, unknown> }>();
  for await (const data of sseData(body, touch)) {
    if (data.trim() === '[DONE]') {
      finished = true;
      break;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw new ModelError('bad_response', `a streamed event is not JSON: ${data.slice(0, 80)}`);
    }
    const error = WireError.safeParse(json);
    if (error.success)
      throw new ModelError(
        'unavailable',
        typeof error.data.error === 'string' ? error.data.error : error.data.error.message,
      );
    const parsed = WireAnswer.safeParse(json);
    if (!parsed.success) throw new ModelError('bad_response', 'a streamed event has no choices');
    // The usage chunk comes after the finish_reason one, with `choices: []`; the others say `usage: null`.
    if (parsed.data.usage) wire = parsed.data.usage;
    const choice = parsed.data.choices[0];
    if (!choice) continue;
    const delta = choice.delta ?? choice.message;
    if (delta?.content) {
      text += delta.content;
      request.onText?.(delta.content);
    }
    for (const [position, piece] of (delta?.tool_calls ?? []).entries()) {
      const index = piece.index ?? position;
      const call = pending.get(index) ?? { id: piece.id ?? `call_${index}`, name: '', args: '' };
      if (piece.id) call.id = piece.id;
      // Names come whole in the first piece; some servers repeat them in every piece.
      if (piece.function?.name && call.name === '') call.name = piece.function.name;
      const args = piece.function?.arguments;
      if (typeof args === 'string') call.args = typeof call.args === 'string' ? call.args + args : args;
      else if (args) call.args = args;
      pending.set(index, call);
    }
    if (choice.finish_reason) finished = true;
  }
  if (!finished) throw new ModelError('bad_response', 'the stream ended before the answer was complete');
  const calls = [...pending.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, c]) => toolCall(c.id, c.name, c.args));
  return { text, calls, wire };
}

/** Arguments that are not a JSON object stay a string: the brain answers the model that they were not valid. */
function toolCall(id: string, name: string, args: string | Record<string, unknown>): ModelToolCall {
  if (typeof args !== 'string') return { id, name, args };
  if (args.trim() === '') return { id, name, args: {} };
  try {
    const value: unknown = JSON.parse(args);
    return {
      id,
      name,
      args: typeof value === 'object' && value !== null && !Array.isArray(value) ? value : args,
    };
  } catch {
    return { id, name, args };
  }
}
