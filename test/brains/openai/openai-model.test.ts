/**
 * The OpenAI-compatible client against a real local chat-completions server: what goes on the wire (messages,
 * tools, key), streamed answers reassembled (text pieces, tool-call arguments in pieces), plain JSON answers, and
 * every failure turned into a ModelError that names it (401, 429 with Retry-After, 5xx, hang, stalled stream,
 * nothing listening).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ModelError, type ModelRequest } from '../../../src/brains/model/chat-model.ts';
import { OpenAiModel } from '../../../src/brains/openai/openai-model.ts';
import { sseData } from '../../../src/brains/openai/sse.ts';
import { crmTools } from '../../../src/tools/crm-tools.ts';
import { FakeOpenAiServer } from '../../fakes/openai-server.ts';

const request = (over: Partial<ModelRequest> = {}): ModelRequest => ({
  system: 'Be brief.',
  messages: [{ role: 'user', text: 'Add Rohan from Pune, 9876543210' }],
  tools: crmTools().declarations(),
  toolChoice: 'auto',
  ...over,
});

const rejectsWith = async (promise: Promise<unknown>, failure: ModelError['failure'], message: RegExp) => {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ModelError, String(error));
    assert.equal(error.failure, failure);
    assert.match(error.message, message);
    return true;
  });
};

describe('OpenAiModel', () => {
  let llm: FakeOpenAiServer;
  before(async () => {
    llm = await FakeOpenAiServer.start();
  });
  after(() => llm.close());
  beforeEach(() => {
    llm.reset();
    llm.apiKey = undefined;
  });
  const model = (over: Partial<ConstructorParameters<typeof OpenAiModel>[0]> = {}) =>
    new OpenAiModel({ baseUrl: llm.url, model: 'qwen2.5:7b', maxRetries: 0, ...over });

  it('streams text in pieces, handing each to onText', async () => {
    llm.pieceSize = 3;
    llm.script({ text: 'Shall I add Rohan from Pune?' });
    const pieces: string[] = [];
    const answer = await model().complete(request({ onText: (p) => pieces.push(p) }));
    assert.equal(answer.text, 'Shall I add Rohan from Pune?');
    assert.deepEqual(answer.calls, []);
    assert.ok(pieces.length >= 9, `${pieces.length} pieces`);
    assert.equal(pieces.join(''), answer.text);
    const sent = llm.requests[0]!.body;
    assert.equal(sent.model, 'qwen2.5:7b');
    assert.equal(sent.stream, true);
    assert.deepEqual(sent.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Add Rohan from Pune, 9876543210' },
    ]);
    assert.equal(sent.tools?.[0]?.type, 'function');
    assert.equal(sent.tools?.[0]?.function.name, 'createLead');
  });

  it('reassembles tool calls whose arguments arrive in many pieces, in index order', async () => {
    llm.pieceSize = 4;
    const args = { name: 'Rohan Sharma', phone: '9876543210', city: 'Pune', source: 'Walk-in "VIP"' };
    llm.script({
      calls: [
        { name: 'createLead', args, id: 'call_a' },
        { name: 'findLeads', args: { query: 'Priya' }, id: 'call_b' },
      ],
    });
    const answer = await model().complete(request());
    assert.equal(answer.text, '');
    assert.deepEqual(answer.calls, [
      { id: 'call_a', name: 'createLead', args },
      { id: 'call_b', name: 'findLeads', args: { query: 'Priya' } },
    ]);
  });

  it('copes with servers that repeat the name in every piece or send pieces without an index', async () => {
    llm.quirks = { repeatNames: true, noIndex: true };
    llm.script({ calls: [{ name: 'createLead', args: { name: 'Rohan Sharma', city: 'Pune' }, id: 'c1' }] });
    try {
      const answer = await model().complete(request());
      assert.deepEqual(answer.calls, [
        { id: 'c1', name: 'createLead', args: { name: 'Rohan Sharma', city: 'Pune' } },
      ]);
    } finally {
      llm.quirks = { repeatNames: false, noIndex: false };
    }
  });

  it('reads a plain JSON answer when streaming is off, and sends the conversation back in wire form', async () => {
    llm.script({ calls: [{ name: 'createLead', args: { name: 'R' }, id: 'c1' }], text: 'Adding.' });
    const answer = await model({ stream: false }).complete(
      request({
        messages: [
          { role: 'user', text: 'hi' },
          { role: 'assistant', text: '', calls: [{ id: 'c0', name: 'findLeads', args: { query: 'R' } }] },
          { role: 'tool', results: [{ id: 'c0', name: 'findLeads', output: { matches: [], total: 0 } }] },
        ],
        toolChoice: 'none',
      }),
    );
    assert.deepEqual(answer, {
      text: 'Adding.',
      calls: [{ id: 'c1', name: 'createLead', args: { name: 'R' } }],
      // A whole answer's `usage` (the fake's default counts).
      usage: {
        provider: 'openai',
        model: 'qwen2.5:7b',
        inputTokens: 10,
        outputTokens: 10,
        cachedTokens: 0,
        totalTokens: 20,
      },
    });
    const sent = llm.requests[0]!.body;
    assert.equal(sent.stream, false);
    assert.equal(sent.stream_options, undefined, 'include_usage is asked only of a stream');
    assert.equal(sent.tool_choice, 'none');
    assert.deepEqual(sent.messages.slice(2), [
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c0', type: 'function', function: { name: 'findLeads', arguments: '{"query":"R"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c0', content: '{"matches":[],"total":0}' },
    ]);
  });

  it('keeps arguments that are not a JSON object as text, for the brain to refuse', async () => {
    llm.script({ calls: [{ name: 'createLead', args: '{"name": "Ro' }] });
    const answer = await model().complete(request());
    assert.equal(answer.calls[0]!.args, '{"name": "Ro');
  });

  it('sends the key as a bearer token, and none when there is none (Ollama)', async () => {
    llm.apiKey = 'sk-test';
    llm.script({ text: 'ok' });
    await model({ apiKey: 'sk-test' }).complete(request());
    assert.equal(llm.requests[0]!.headers.authorization, 'Bearer sk-test');
    llm.script({ text: 'ok' });
    await rejectsWith(
      model().complete(request()),
      'auth',
      /refused the API key \(HTTP 401\): Incorrect API key/,
    );
    assert.equal(llm.requests[1]!.headers.authorization, undefined);
  });

  it('names a rate limit with the wait asked for, and a provider outage', async () => {
    llm.script({ status: 429, error: 'Rate limit reached for requests', headers: { 'retry-after': '7' } });
    await assert.rejects(model().complete(request()), (error: unknown) => {
      assert.ok(error instanceof ModelError);
      assert.equal(error.failure, 'rate_limited');
      assert.equal(error.status, 429);
      assert.equal(error.retryAfterSeconds, 7);
      assert.match(error.message, /rate limited by the provider \(HTTP 429\): Rate limit reached/);
      return true;
    });
    llm.script({ status: 503, error: 'The engine is currently overloaded' });
    await rejectsWith(
      model().complete(request()),
      'unavailable',
      /HTTP 503\): The engine is currently overloaded/,
    );
    llm.script({ status: 404, error: 'model "nope" not found, try pulling it first' });
    await rejectsWith(model().complete(request()), 'bad_request', /model "nope" not found/);
  });

  it('tries once more after a 5xx and succeeds', async () => {
    llm.script({ status: 502, error: 'Bad gateway' }, { text: 'Hello' });
    const answer = await model({ maxRetries: 1, retryDelayMs: 10 }).complete(request());
    assert.equal(answer.text, 'Hello');
    assert.equal(llm.requests.length, 2);
  });

  it('gives up on a server that does not answer, or stops streaming', async () => {
    llm.script({ hang: true });
    await rejectsWith(
      model({ timeoutMs: 200 }).complete(request()),
      'timeout',
      /no complete answer within 200 ms/,
    );
    llm.script({ stall: true });
    await rejectsWith(
      model({ idleTimeoutMs: 150, timeoutMs: 5000 }).complete(request()),
      'timeout',
      /the answer stalled for 150 ms/,
    );
  });

  it('says which address could not be reached', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const down = new OpenAiModel({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', maxRetries: 0 });
    await rejectsWith(
      down.complete(request()),
      'unavailable',
      new RegExp(`could not reach http://127.0.0.1:${port}/v1/chat/completions`),
    );
  });

  it('lets a caller that hangs up abort without calling it a model failure', async () => {
    llm.script({ hang: true });
    const controller = new AbortController();
    const pending = model().complete(request({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, (error: unknown) => !(error instanceof ModelError));
  });
});

describe('sseData', () => {
  const streamOf = (...chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
        controller.close();
      },
    });

  it('splits events across arbitrary chunk boundaries and line endings, skipping comments and event names', async () => {
    const events: string[] = [];
    for await (const data of sseData(
      streamOf('data: {"a"', ':1}\r', '\n\r\n: ping\n\nevent: x\ndata: {"b":2}\n', '\ndata: [DONE]'),
    ))
      events.push(data);
    assert.deepEqual(events, ['{"a":1}', '{"b":2}', '[DONE]']);
  });
});
