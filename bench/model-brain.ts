/**
 * `npm run bench -- --only model-brain`: what a model brain adds to a turn besides the model's own thinking. Each
 * turn is a lead creation in two model rounds (a streamed createLead call, then the words) against loopback fakes
 * (chat completions; Gemini REST through @google/genai) and a fake HTTP CRM, so the time measured is Rooman's loop,
 * the clients, JSON state round-trips and three loopback HTTP exchanges — an upper bound on the overhead.
 */
import { GeminiModel } from '../src/brains/gemini/gemini-model.ts';
import type { ChatModel } from '../src/brains/model/chat-model.ts';
import { ModelBrain } from '../src/brains/model/model-brain.ts';
import { OpenAiModel } from '../src/brains/openai/openai-model.ts';
import { HttpCrmGateway } from '../src/integrations/crm/http-crm-gateway.ts';
import { crmTools } from '../src/tools/crm-tools.ts';
import { createUnderstandingEngine } from '../src/understanding/engine.ts';
import { FakeCrmServer } from '../test/fakes/crm-server.ts';
import { FakeGeminiRestServer } from '../test/fakes/gemini-rest-server.ts';
import { FakeOpenAiServer } from '../test/fakes/openai-server.ts';
import type { BenchContext } from './run.ts';

const TURNS = 150;
const NOW = new Date('2025-10-04T10:00:00+05:30');
const LEAD = { name: 'Rohan Sharma', phone: '9876543210', city: 'Gurgaon', source: 'Instagram' };

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const round = (n: number) => Math.round(n * 100) / 100;

export async function benchModelBrain(context: BenchContext): Promise<Record<string, unknown>> {
  const crm = await FakeCrmServer.start();
  const openai = await FakeOpenAiServer.start();
  const gemini = await FakeGeminiRestServer.start();
  const understander = createUnderstandingEngine();
  const gateway = new HttpCrmGateway({ baseUrl: crm.url });
  try {
    const run = async (label: string, model: ChatModel, script: () => void) => {
      const brain = new ModelBrain({ model, tools: crmTools(), understander });
      const times: number[] = [];
      let state: unknown;
      let historyChars = 0;
      for (let turn = 1; turn <= TURNS && !context.signal.aborted; turn++) {
        script();
        const start = performance.now();
        const outcome = await brain.respond(
          { sessionId: label, turn, text: 'yes, add him', state },
          { crm: gateway, now: NOW, timeZone: 'Asia/Kolkata', idempotencyKey: `${label}:${turn}` },
        );
        state = JSON.parse(JSON.stringify(outcome.state));
        times.push(performance.now() - start);
        if (!outcome.reply.crm_call) throw new Error(`${label}: turn ${turn} created no lead`);
        historyChars = JSON.stringify(state).length;
      }
      const sorted = times.slice(10).sort((a, b) => a - b); // the first turns warm the JIT and the sockets
      context.log(`${label}: p50 ${round(percentile(sorted, 50))} ms over ${sorted.length} turns`);
      return {
        turns: sorted.length,
        p50_ms: round(percentile(sorted, 50)),
        p95_ms: round(percentile(sorted, 95)),
        p99_ms: round(percentile(sorted, 99)),
        state_chars: historyChars,
      };
    };
    return {
      setup: `${TURNS} lead creations per provider, 2 model rounds + 1 CRM write each, loopback fakes, history trimmed to 40 messages`,
      openai_streamed: await run('openai', new OpenAiModel({ baseUrl: openai.url, model: 'bench' }), () =>
        openai.script(
          { calls: [{ name: 'createLead', args: LEAD }] },
          { text: 'Added. Lead reference given.' },
        ),
      ),
      gemini_streamed: await run(
        'gemini',
        new GeminiModel({ apiKey: gemini.apiKey, model: 'gemini-2.5-flash', baseUrl: gemini.url }),
        () =>
          gemini.script(
            { calls: [{ name: 'createLead', args: LEAD }] },
            { text: 'Added. Lead reference given.' },
          ),
      ),
    };
  } finally {
    await Promise.all([crm.close(), openai.close(), gemini.close()]);
  }
}
