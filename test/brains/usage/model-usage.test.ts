/**
 * Model tokens recorded for real calls, the whole server (buildRooman) talking to protocol-faithful fakes through
 * the providers' clients: Gemini text (@google/genai, streamed, the totals on the last chunk), an OpenAI-compatible
 * stream (include_usage asked, the usage chunk after the finish), and Gemini Live (usageMetadata on turnComplete).
 * Each lands in `model_usage` per turn, summed over a turn's tool rounds, and in `GET /api/stats`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/core/config.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { buildRooman, type Rooman } from '../../../src/server.ts';
import { ModelUsageRepository } from '../../../src/store/model-usage.ts';
import type { DashboardStats } from '../../../src/store/stats.ts';
import { VoiceClient } from '../../channels/browser/ws-client.ts';
import { FakeGeminiLive } from '../../fakes/gemini-live-server.ts';
import { FakeGeminiRestServer } from '../../fakes/gemini-rest-server.ts';
import { FakeOpenAiServer } from '../../fakes/openai-server.ts';
import { callerAudio } from '../gemini-live/recorder.ts';
import { createLeadConversation, type Served, serve } from '../model/serve.ts';

async function usageOf(rooman: Rooman, sessionId: string, rows: number) {
  const repository = new ModelUsageRepository(rooman.database.db);
  // Calls write their usage without waiting for it: poll a little.
  for (let i = 0; i < 100; i++) {
    const found = await repository.forSession(rooman.defaultOrg.id, sessionId);
    if (found.length >= rows) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  return repository.forSession(rooman.defaultOrg.id, sessionId);
}

async function stats(base: string): Promise<DashboardStats> {
  const res = await fetch(`${base}/api/stats?bucket=hour`);
  assert.equal(res.status, 200);
  return (await res.json()) as DashboardStats;
}

describe('model usage of Gemini text turns', () => {
  let gemini: FakeGeminiRestServer;
  let server: Served;
  before(async () => {
    gemini = await FakeGeminiRestServer.start();
    server = await serve({
      ROOMAN_BRAIN: 'gemini',
      GEMINI_API_KEY: gemini.apiKey,
      GEMINI_BASE_URL: gemini.url,
    });
  });
  after(async () => {
    await server.close();
    await gemini.close();
  });

  it("records each turn's usageMetadata from the last chunk, the tool rounds of a turn summed", async () => {
    gemini.script(
      {
        text: 'Rohan Sharma, Gurgaon, phone 9876543210, from Instagram. Shall I add him?',
        usage: { promptTokenCount: 812, candidatesTokenCount: 31, thoughtsTokenCount: 9 },
      },
      {
        calls: [
          {
            name: 'createLead',
            args: { name: 'Rohan Sharma', phone: '9876543210', city: 'Gurgaon', source: 'Instagram' },
          },
        ],
        usage: { promptTokenCount: 870, candidatesTokenCount: 40, cachedContentTokenCount: 512 },
      },
      { text: 'Done, Rohan Sharma is added.', usage: { promptTokenCount: 990, candidatesTokenCount: 12 } },
    );
    const second = await createLeadConversation(server);
    const rows = await usageOf(server.rooman, second.session_id, 2);
    assert.deepEqual(
      rows.map(({ at: _at, ...r }) => r),
      [
        // Thinking is billed as output: 31 + 9.
        {
          turn: 1,
          channel: 'text',
          provider: 'gemini',
          model: 'gemini-2.5-flash',
          calls: 1,
          inputTokens: 812,
          outputTokens: 40,
          totalTokens: 852,
        },
        // The tool call and the answer after it: two provider calls, one row.
        {
          turn: 2,
          channel: 'text',
          provider: 'gemini',
          model: 'gemini-2.5-flash',
          calls: 2,
          inputTokens: 1860,
          outputTokens: 52,
          cachedTokens: 512,
          totalTokens: 1912,
        },
      ],
    );
    assert.equal(gemini.requests.length, 3);
    assert.ok(gemini.requests.every((r) => r.method === 'streamGenerateContent'));

    const usage = (await stats(server.base)).usage;
    assert.equal(usage.input_tokens, 2672);
    assert.equal(usage.output_tokens, 92);
    assert.equal(usage.calls, 3);
    assert.deepEqual(usage.by_model, [
      { provider: 'gemini', model: 'gemini-2.5-flash', calls: 3, input_tokens: 2672, output_tokens: 92 },
    ]);
    assert.equal(
      usage.per_bucket.input_tokens.reduce((a, b) => a + b, 0),
      2672,
    );
    assert.equal(usage.per_bucket.output_tokens.at(-1), 92, 'the current hour holds them');
  });
});

describe('model usage of an OpenAI-compatible stream', () => {
  let llm: FakeOpenAiServer;
  let server: Served;
  before(async () => {
    llm = await FakeOpenAiServer.start();
    server = await serve({ ROOMAN_BRAIN: 'openai', OPENAI_BASE_URL: llm.url, OPENAI_MODEL: 'llama3.1:8b' });
  });
  after(async () => {
    await server.close();
    await llm.close();
  });

  it('asks for include_usage and records the final chunk’s usage', async () => {
    llm.script({
      text: 'Hello! How can I help with your leads today?',
      usage: { prompt_tokens: 640, completion_tokens: 14, cached_tokens: 128 },
    });
    const reply = await server.say('hello');
    assert.equal(reply.reply, 'Hello! How can I help with your leads today?');
    assert.equal(llm.requests[0]!.body.stream, true);
    assert.deepEqual(llm.requests[0]!.body.stream_options, { include_usage: true });
    const rows = await usageOf(server.rooman, reply.session_id, 1);
    assert.deepEqual(
      rows.map(({ at: _at, ...r }) => r),
      [
        {
          turn: 1,
          channel: 'text',
          provider: 'openai',
          model: 'llama3.1:8b',
          calls: 1,
          inputTokens: 640,
          outputTokens: 14,
          cachedTokens: 128,
          totalTokens: 654,
        },
      ],
    );
    const usage = (await stats(server.base)).usage;
    assert.deepEqual([usage.input_tokens, usage.output_tokens], [640, 14]);
  });

  it('a turn whose model fails after a tool round still counts the round that was answered', async () => {
    llm.script(
      {
        calls: [{ name: 'findLeads', args: { query: 'Rohan' } }],
        usage: { prompt_tokens: 700, completion_tokens: 18 },
      },
      { status: 503, error: 'overloaded' },
      { status: 503, error: 'overloaded' },
    );
    const reply = await server.say('find Rohan');
    assert.match(String(reply.error?.details), /Language model unavailable/);
    const rows = await usageOf(server.rooman, reply.session_id, 1);
    assert.deepEqual(
      rows.map((r) => [r.calls, r.inputTokens, r.outputTokens]),
      [[1, 700, 18]],
    );
  });
});

describe('model usage of a Gemini Live call', () => {
  let dataDir: string;
  let rooman: Rooman;
  let fake: FakeGeminiLive;
  let base: string;
  before(async () => {
    fake = await FakeGeminiLive.start({
      scenario: {
        description: 'Two answered turns, each ending with its usage.',
        connections: [
          [
            { waitAudio: 200 },
            { inputTranscription: 'Hello there.' },
            { outputTranscription: 'Hi, how can I help?' },
            { audio: { ms: 120 } },
            { turnComplete: true, usage: { prompt: 310, response: 42, thoughts: 8 } },
            { waitText: true },
            { outputTranscription: 'Sure.' },
            { audio: { ms: 80 } },
            { turnComplete: true, usage: { prompt: 400, response: 12 } },
            { waitClose: true },
          ],
        ],
      },
    });
    dataDir = await mkdtemp(join(tmpdir(), 'rooman-usage-live-'));
    rooman = await buildRooman(
      loadConfig({
        ROOMAN_DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        ROOMAN_CSV_LOGS: 'off',
        ROOMAN_STT: 'none',
        ROOMAN_BRAIN: 'gemini-live',
        GEMINI_API_KEY: 'TEST_KEY',
        GEMINI_BASE_URL: fake.baseUrl,
      }),
      { logger: silentLogger },
    );
    await rooman.app.listen({ port: 0, host: '127.0.0.1' });
    base = `127.0.0.1:${(rooman.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await rooman.close();
    await fake.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("records each response's usageMetadata against its turn", async () => {
    const client = new VoiceClient(`ws://${base}/ws/voice`);
    const sessionId = String((await client.event('ready')).session_id);
    for (let t = 0; t < 300; t += 20) client.ws.send(callerAudio(20));
    await client.event('turn.metrics');
    client.sendJson({ type: 'text', text: 'Tell me more' });
    await client.event('agent.text', (e) => e.text === 'Sure.');
    const rows = await usageOf(rooman, sessionId, 2);
    client.sendJson({ type: 'hangup' });
    await client.closedWith();
    const model = String((fake.connections[0]!.setup as { model: string }).model).replace(/^models\//, '');
    assert.deepEqual(
      rows.map(({ at: _at, ...r }) => r),
      [
        {
          turn: 1,
          channel: 'browser',
          provider: 'gemini',
          model,
          calls: 1,
          inputTokens: 310,
          outputTokens: 50,
          totalTokens: 360,
        },
        {
          turn: 2,
          channel: 'browser',
          provider: 'gemini',
          model,
          calls: 1,
          inputTokens: 400,
          outputTokens: 12,
          totalTokens: 412,
        },
      ],
    );
    const usage = (await stats(`http://${base}`)).usage;
    assert.deepEqual([usage.input_tokens, usage.output_tokens, usage.calls], [710, 62, 2]);
    assert.deepEqual(fake.problems, []);
  });
});
