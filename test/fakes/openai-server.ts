/**
 * A fake OpenAI-compatible chat-completions server on 127.0.0.1: `POST /v1/chat/completions`, answered from a script
 * the test gives (text, tool calls, or an HTTP error), streamed as SSE when the request says `stream: true` — text in
 * small pieces and tool-call arguments split across several events, the way OpenAI, Ollama and vLLM send them — or
 * as one JSON answer otherwise. Every request is recorded for the test to check what the model was sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Token counts of one answer, as `usage` names them. */
export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens?: number;
}

export type ScriptedAnswer =
  | { text: string; usage?: OpenAiUsage }
  | {
      calls: { name: string; args: Record<string, unknown> | string; id?: string }[];
      text?: string;
      usage?: OpenAiUsage;
    }
  | { status: number; error: string; headers?: Record<string, string> }
  | { hang: true }
  /** Sends the start of a stream and then nothing more. */
  | { stall: true };

export interface RecordedChatRequest {
  headers: IncomingMessage['headers'];
  body: {
    model: string;
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
    messages: { role: string; content?: string | null; tool_calls?: unknown[]; tool_call_id?: string }[];
    tools?: {
      type: string;
      function: { name: string; description: string; parameters: Record<string, unknown> };
    }[];
    tool_choice?: string;
  };
}

export class FakeOpenAiServer {
  readonly requests: RecordedChatRequest[] = [];
  readonly #script: ScriptedAnswer[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** Characters per streamed piece. */
  pieceSize = 7;
  /** Server quirks seen in the wild: the name repeated in every piece of a call, pieces without an `index`. */
  quirks = { repeatNames: false, noIndex: false };
  /** When set, requests without `Authorization: Bearer <key>` get 401. */
  apiKey: string | undefined;
  #url = '';

  private constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(): Promise<FakeOpenAiServer> {
    const fake = new FakeOpenAiServer();
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.#url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}/v1`;
    return fake;
  }

  /** The base URL, with `/v1`, as OPENAI_BASE_URL takes it. */
  get url(): string {
    return this.#url;
  }

  /** Answers the next requests in order. */
  script(...answers: ScriptedAnswer[]): void {
    this.#script.push(...answers);
  }

  reset(): void {
    this.#script.length = 0;
    this.requests.length = 0;
  }

  get unanswered(): number {
    return this.#script.length;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      return sendError(res, 404, `Unknown route ${req.method} ${req.url}`);
    }
    let body: RecordedChatRequest['body'];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return sendError(res, 400, 'We could not parse the JSON body of your request.');
    }
    this.requests.push({ headers: req.headers, body });
    if (this.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return sendError(res, 401, 'Incorrect API key provided.');
    }
    const answer = this.#script.shift();
    if (!answer) return sendError(res, 500, 'The fake has no scripted answer left');
    if ('hang' in answer) return;
    if ('status' in answer) return sendError(res, answer.status, answer.error, answer.headers);
    const n = this.requests.length;
    const calls =
      'calls' in answer
        ? answer.calls.map((c, i) => ({
            id: c.id ?? `call_${n}_${i}`,
            name: c.name,
            arguments: typeof c.args === 'string' ? c.args : JSON.stringify(c.args),
          }))
        : [];
    const text = 'text' in answer ? (answer.text ?? '') : '';
    const u = 'usage' in answer && answer.usage ? answer.usage : { prompt_tokens: 10, completion_tokens: 10 };
    const usage = {
      prompt_tokens: u.prompt_tokens,
      completion_tokens: u.completion_tokens,
      total_tokens: u.prompt_tokens + u.completion_tokens,
      prompt_tokens_details: { cached_tokens: u.cached_tokens ?? 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
    };
    if ('stall' in answer || body.stream)
      return this.#stream(res, body.model, text, calls, 'stall' in answer, {
        usage: body.stream_options?.include_usage === true ? usage : undefined,
      });

    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: `chatcmpl-${n}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: text === '' && calls.length > 0 ? null : text,
              ...(calls.length > 0
                ? {
                    tool_calls: calls.map((c) => ({
                      id: c.id,
                      type: 'function',
                      function: { name: c.name, arguments: c.arguments },
                    })),
                  }
                : {}),
            },
            finish_reason: calls.length > 0 ? 'tool_calls' : 'stop',
          },
        ],
        usage,
      }),
    );
  }

  #stream(
    res: ServerResponse,
    model: string,
    text: string,
    calls: { id: string; name: string; arguments: string }[],
    stall: boolean,
    { usage }: { usage: Record<string, unknown> | undefined },
  ): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    // As OpenAI does with include_usage: every chunk says `usage: null`, then one last chunk has no choices and
    // the usage of the whole answer.
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      res.write(
        `data: ${JSON.stringify({
          id: 'chatcmpl-s',
          object: 'chat.completion.chunk',
          created: Math.floor(Date.now() / 1000),
          model,
          choices,
          ...(usage ? { usage: null } : {}),
          ...extra,
        })}\n\n`,
      );
    const event = (delta: Record<string, unknown>, finish: string | null = null) =>
      chunk([{ index: 0, delta, finish_reason: finish }]);
    event({ role: 'assistant', content: '' });
    if (stall) return;
    res.write(': keep-alive\n\n');
    for (const piece of pieces(text, this.pieceSize)) event({ content: piece });
    const { repeatNames, noIndex } = this.quirks;
    for (const [index, call] of calls.entries()) {
      const at = noIndex ? {} : { index };
      event({
        tool_calls: [{ ...at, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
      });
      for (const piece of pieces(call.arguments, this.pieceSize))
        event({
          tool_calls: [
            { ...at, function: { ...(repeatNames ? { name: call.name } : {}), arguments: piece } },
          ],
        });
    }
    event({}, calls.length > 0 ? 'tool_calls' : 'stop');
    if (usage) chunk([], { usage });
    res.end('data: [DONE]\n\n');
  }
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(
    JSON.stringify({
      error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'invalid_request_error', code: null },
    }),
  );
}
