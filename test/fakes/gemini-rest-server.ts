/**
 * A fake Gemini API (generativelanguage) on 127.0.0.1, as the @google/genai SDK calls it with `httpOptions.baseUrl`:
 * `POST /{v1|v1beta}/models/{model}:generateContent` (one JSON answer) and `:streamGenerateContent?alt=sse` (SSE events
 * separated by \r\n\r\n, text split over several events, a function call whole in one part, as the API sends them).
 * The key comes in `x-goog-api-key`; a wrong key is answered like the real API: 400 INVALID_ARGUMENT with reason
 * API_KEY_INVALID. Answers are scripted per test; every request is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Token counts of one answer, as `usageMetadata` names them. */
export interface GeminiUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
}

export type GeminiScripted =
  | { text: string; usage?: GeminiUsage }
  | {
      calls: { name: string; args: Record<string, unknown>; id?: string; thoughtSignature?: string }[];
      text?: string;
      usage?: GeminiUsage;
    }
  | { status: number; message: string; grpcStatus: string; details?: unknown[] }
  | { hang: true };

export interface RecordedGeminiRequest {
  model: string;
  method: 'generateContent' | 'streamGenerateContent';
  headers: IncomingMessage['headers'];
  body: {
    contents: { role: string; parts: Record<string, unknown>[] }[];
    systemInstruction?: { parts: { text: string }[] };
    tools?: {
      functionDeclarations: {
        name: string;
        description: string;
        parametersJsonSchema?: Record<string, unknown>;
      }[];
    }[];
    toolConfig?: { functionCallingConfig?: { mode?: string } };
    generationConfig?: Record<string, unknown>;
  };
}

export class FakeGeminiRestServer {
  readonly requests: RecordedGeminiRequest[] = [];
  readonly #script: GeminiScripted[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  apiKey = 'test-gemini-key';
  pieceSize = 6;
  #url = '';

  private constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(): Promise<FakeGeminiRestServer> {
    const fake = new FakeGeminiRestServer();
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.#url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  /** What GEMINI_BASE_URL takes (the SDK adds the API version, `/v1/…` by default in SDK 2.x). */
  get url(): string {
    return this.#url;
  }

  script(...answers: GeminiScripted[]): void {
    this.#script.push(...answers);
  }

  reset(): void {
    this.#script.length = 0;
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    const route = /^\/(?:v1|v1beta|v1alpha)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(
      url.pathname,
    );
    if (req.method !== 'POST' || !route)
      return sendError(res, 404, `Not found: ${url.pathname}`, 'NOT_FOUND');
    const method = route[2] as RecordedGeminiRequest['method'];
    if (method === 'streamGenerateContent' && url.searchParams.get('alt') !== 'sse')
      return sendError(res, 400, 'This fake streams only with alt=sse', 'INVALID_ARGUMENT');
    let body: RecordedGeminiRequest['body'];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return sendError(res, 400, 'Invalid JSON payload received.', 'INVALID_ARGUMENT');
    }
    this.requests.push({ model: route[1]!, method, headers: req.headers, body });
    if (req.headers['x-goog-api-key'] !== this.apiKey) {
      return sendError(res, 400, 'API key not valid. Please pass a valid API key.', 'INVALID_ARGUMENT', [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
        },
      ]);
    }
    const answer = this.#script.shift();
    if (!answer) return sendError(res, 500, 'The fake has no scripted answer left', 'INTERNAL');
    if ('hang' in answer) return;
    if ('status' in answer)
      return sendError(res, answer.status, answer.message, answer.grpcStatus, answer.details);

    const calls = 'calls' in answer ? answer.calls : [];
    const text = answer.text ?? '';
    const callParts = calls.map((c) => ({
      functionCall: { ...(c.id ? { id: c.id } : {}), name: c.name, args: c.args },
      ...(c.thoughtSignature ? { thoughtSignature: c.thoughtSignature } : {}),
    }));
    // Streamed, every chunk has usageMetadata but only the last has the answer's counts (earlier ones: the prompt).
    const u = answer.usage ?? { promptTokenCount: 20, candidatesTokenCount: 5 };
    const promptDetails = [{ modality: 'TEXT', tokenCount: u.promptTokenCount }];
    const usageMetadata = (last: boolean) =>
      last
        ? {
            promptTokenCount: u.promptTokenCount,
            candidatesTokenCount: u.candidatesTokenCount,
            totalTokenCount: u.promptTokenCount + u.candidatesTokenCount + (u.thoughtsTokenCount ?? 0),
            ...(u.cachedContentTokenCount !== undefined
              ? { cachedContentTokenCount: u.cachedContentTokenCount }
              : {}),
            promptTokensDetails: promptDetails,
            ...(u.thoughtsTokenCount !== undefined ? { thoughtsTokenCount: u.thoughtsTokenCount } : {}),
          }
        : {
            promptTokenCount: u.promptTokenCount,
            totalTokenCount: u.promptTokenCount,
            promptTokensDetails: promptDetails,
          };
    const response = (parts: Record<string, unknown>[], last: boolean) => ({
      candidates: [
        {
          content: { role: 'model', parts },
          ...(last ? { finishReason: 'STOP' } : {}),
          index: 0,
        },
      ],
      usageMetadata: usageMetadata(last),
      modelVersion: route[1],
      responseId: `r${this.requests.length}`,
    });
    if (method === 'generateContent') {
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(response([...(text ? [{ text }] : []), ...callParts], true)));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-content-type-options': 'nosniff' });
    const events: Record<string, unknown>[][] = pieces(text, this.pieceSize).map((t) => [{ text: t }]);
    if (callParts.length > 0) events.push(callParts);
    if (events.length === 0) events.push([{ text: '' }]);
    for (const [i, parts] of events.entries())
      res.write(`data: ${JSON.stringify(response(parts, i === events.length - 1))}\r\n\r\n`);
    res.end();
  }
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function sendError(
  res: ServerResponse,
  code: number,
  message: string,
  status: string,
  details?: unknown[],
): void {
  res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } }));
}
