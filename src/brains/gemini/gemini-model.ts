/**
 * Gemini text with function calling through the official @google/genai SDK (streamGenerateContent over SSE). The
 * conversation is translated to Gemini contents (user / model turns, functionCall and functionResponse parts, thought
 * signatures sent back as received); the SDK's ApiError becomes a ModelError naming the failure.
 */
import {
  ApiError,
  type Content,
  type FunctionCall,
  FunctionCallingConfigMode,
  type GenerateContentConfig,
  type GenerateContentResponse,
  GoogleGenAI,
  type Part,
} from '@google/genai';
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

export interface GeminiModelOptions {
  apiKey: string;
  /** A text model with function calling: `gemini-2.5-flash`, `gemini-2.5-pro`… */
  model: string;
  /** Override of https://generativelanguage.googleapis.com (tests point it at a fake). */
  baseUrl?: string;
  /** Stream the answer (default true). */
  stream?: boolean;
  /** Limit of one attempt until its answer is complete (default 30 s). */
  timeoutMs?: number;
  /** Attempts again after a 429, a 5xx or a failed connection (default 1). */
  maxRetries?: number;
  /** Wait before a retry in ms (default 500). */
  retryDelayMs?: number;
  /** Thinking tokens (0 turns thinking off on 2.5 Flash models, for the fastest spoken answers); default: the model's. */
  thinkingBudget?: number;
  temperature?: number;
}

export class GeminiModel implements ChatModel {
  readonly label: string;
  readonly #o: GeminiModelOptions;
  readonly #ai: GoogleGenAI;

  constructor(options: GeminiModelOptions) {
    this.#o = options;
    this.label = `gemini:${options.model}`;
    this.#ai = new GoogleGenAI({
      apiKey: options.apiKey,
      ...(options.baseUrl ? { httpOptions: { baseUrl: options.baseUrl } } : {}),
    });
  }

  complete(request: ModelRequest): Promise<ModelAnswer> {
    return withRetries(() => this.#attempt(request), {
      maxRetries: this.#o.maxRetries ?? 1,
      delayMs: this.#o.retryDelayMs ?? 500,
      signal: request.signal,
    });
  }

  async #attempt(request: ModelRequest): Promise<ModelAnswer> {
    const timeoutMs = this.#o.timeoutMs ?? 30_000;
    const timer = new AbortController();
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      timer.abort();
    }, timeoutMs);
    const abortSignal = request.signal ? AbortSignal.any([request.signal, timer.signal]) : timer.signal;
    const params = {
      model: this.#o.model,
      contents: toContents(request.messages),
      config: { ...this.#config(request), abortSignal },
    };
    try {
      if (this.#o.stream === false) {
        const whole = await this.#ai.models.generateContent(params);
        return this.#withUsage(readAnswer([whole]), [whole]);
      }
      const chunks: GenerateContentResponse[] = [];
      for await (const chunk of await this.#ai.models.generateContentStream(params)) {
        chunks.push(chunk);
        for (const part of partsOf(chunk)) if (part.text && !part.thought) request.onText?.(part.text);
      }
      return this.#withUsage(readAnswer(chunks), chunks);
    } catch (error) {
      if (error instanceof ModelError) throw error;
      if (timedOut)
        throw new ModelError('timeout', `no complete answer within ${timeoutMs} ms`, { cause: error });
      if (request.signal?.aborted) throw error;
      throw modelErrorOf(error);
    } finally {
      clearTimeout(deadline);
    }
  }

  #withUsage(answer: ModelAnswer, chunks: GenerateContentResponse[]): ModelAnswer {
    const usage = usageOf(chunks, this.#o.model);
    return usage ? { ...answer, usage } : answer;
  }

  #config(request: ModelRequest): GenerateContentConfig {
    const config: GenerateContentConfig = { systemInstruction: request.system };
    if (this.#o.temperature !== undefined) config.temperature = this.#o.temperature;
    if (this.#o.thinkingBudget !== undefined)
      config.thinkingConfig = { thinkingBudget: this.#o.thinkingBudget };
    if (request.tools.length > 0) {
      config.tools = [
        {
          functionDeclarations: request.tools.map((t) => ({
            name: t.name,
            description: t.description,
            parametersJsonSchema: providerSchema(t.parameters),
          })),
        },
      ];
      config.toolConfig = {
        functionCallingConfig: {
          mode:
            request.toolChoice === 'none' ? FunctionCallingConfigMode.NONE : FunctionCallingConfigMode.AUTO,
        },
      };
    }
    return config;
  }
}

/** The conversation as Gemini contents: tool results are a user turn of functionResponse parts. */
function toContents(messages: readonly ModelMessage[]): Content[] {
  return messages.map((m): Content => {
    if (m.role === 'user') return { role: 'user', parts: [{ text: m.text }] };
    if (m.role === 'tool')
      return {
        role: 'user',
        parts: m.results.map((r) => ({
          functionResponse: {
            ...(r.id.startsWith('gemini:') ? {} : { id: r.id }),
            name: r.name,
            response: r.output,
          },
        })),
      };
    const parts: Part[] = [];
    if (m.text !== '') parts.push({ text: m.text });
    for (const c of m.calls) {
      const call: FunctionCall = {
        ...(c.id.startsWith('gemini:') ? {} : { id: c.id }),
        name: c.name,
        args: typeof c.args === 'object' && c.args !== null ? (c.args as Record<string, unknown>) : {},
      };
      parts.push({ functionCall: call, ...(c.signature ? { thoughtSignature: c.signature } : {}) });
    }
    // A model turn must have a part; an empty answer is kept as empty text.
    return { role: 'model', parts: parts.length > 0 ? parts : [{ text: '' }] };
  });
}

const partsOf = (chunk: GenerateContentResponse): Part[] => chunk.candidates?.[0]?.content?.parts ?? [];

function readAnswer(chunks: GenerateContentResponse[]): ModelAnswer {
  if (chunks.length === 0) throw new ModelError('bad_response', 'the stream ended without an answer');
  const blocked = chunks.find((c) => c.promptFeedback?.blockReason)?.promptFeedback?.blockReason;
  if (blocked) return { text: '', calls: [] };
  let text = '';
  const calls: ModelToolCall[] = [];
  for (const chunk of chunks) {
    for (const part of partsOf(chunk)) {
      if (part.thought) continue;
      if (part.text) text += part.text;
      if (part.functionCall) {
        const { id, name, args } = part.functionCall;
        calls.push({
          // Gemini API calls often carry no id: one is made up, and not sent back (the name pairs them).
          id: id ?? `gemini:${calls.length}`,
          name: name ?? '',
          args: args ?? {},
          ...(part.thoughtSignature ? { signature: part.thoughtSignature } : {}),
        });
      }
    }
  }
  return { text, calls };
}

/**
 * The call's tokens from `usageMetadata`: streamed, every chunk may carry one and the last carries the totals (the
 * earlier ones only the prompt count), so the last chunk that has one is read. Thinking tokens are billed as output.
 */
function usageOf(chunks: GenerateContentResponse[], model: string): ModelUsage | undefined {
  const meta = chunks.findLast((c) => c.usageMetadata)?.usageMetadata;
  if (!meta) return undefined;
  return {
    provider: 'gemini',
    model,
    inputTokens: meta.promptTokenCount ?? 0,
    outputTokens: (meta.candidatesTokenCount ?? 0) + (meta.thoughtsTokenCount ?? 0),
    ...(meta.cachedContentTokenCount !== undefined ? { cachedTokens: meta.cachedContentTokenCount } : {}),
    ...(meta.totalTokenCount !== undefined ? { totalTokens: meta.totalTokenCount } : {}),
  };
}

/** ApiError's message is the JSON error body: its `error.message` is what is worth saying. */
function modelErrorOf(error: unknown): ModelError {
  if (error instanceof ApiError) {
    let detail = error.message;
    let reason = '';
    try {
      const body = JSON.parse(error.message) as {
        error?: { message?: string; status?: string; details?: unknown };
      };
      detail = body.error?.message ?? detail;
      reason = `${body.error?.status ?? ''} ${JSON.stringify(body.error?.details ?? '')}`;
    } catch {
      // Not JSON: the message is the text of the answer.
    }
    // The Gemini API answers a wrong key with 400 INVALID_ARGUMENT / API_KEY_INVALID, not 401.
    const badKey = error.status === 400 && /API_KEY_INVALID|API key not valid/i.test(`${detail} ${reason}`);
    // A quota answer says how long to wait in a google.rpc.RetryInfo detail: "retryDelay": "37s".
    const delay = /"retryDelay":"(\d+(?:\.\d+)?)s"/.exec(reason)?.[1];
    return new ModelError(badKey ? 'auth' : failureOfStatus(error.status), detail, {
      status: error.status,
      ...(delay ? { retryAfterSeconds: Number(delay) } : {}),
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/JSON|parsing stream chunk|Incomplete/.test(message))
    return new ModelError('bad_response', message, { cause: error });
  const reason = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return new ModelError('unavailable', `could not reach Gemini: ${message}${reason}`, { cause: error });
}
