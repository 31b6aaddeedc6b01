/**
 * Gemini text through the official @google/genai SDK against a fake Gemini REST API: what the SDK puts on the wire
 * (model path, key header, system instruction, function declarations from the registry's zod schemas, tool mode,
 * contents with functionCall/functionResponse and thought signatures), streamed answers, failures named, and the
 * tool loop creating a lead through a real HTTP CRM.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GeminiModel, type GeminiModelOptions } from '../../../src/brains/gemini/gemini-model.ts';
import { ModelError, type ModelRequest } from '../../../src/brains/model/chat-model.ts';
import { ModelBrain } from '../../../src/brains/model/model-brain.ts';
import { HttpCrmGateway } from '../../../src/integrations/crm/http-crm-gateway.ts';
import { crmTools } from '../../../src/tools/crm-tools.ts';
import { FakeCrmServer } from '../../fakes/crm-server.ts';
import { FakeGeminiRestServer } from '../../fakes/gemini-rest-server.ts';
import { Talk } from '../model/driver.ts';

const request = (over: Partial<ModelRequest> = {}): ModelRequest => ({
  system: 'Be brief.',
  messages: [{ role: 'user', text: 'Add Rohan from Pune, 9876543210' }],
  tools: crmTools().declarations(),
  toolChoice: 'auto',
  ...over,
});

const failsWith = async (promise: Promise<unknown>, failure: ModelError['failure'], message: RegExp) => {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ModelError, String(error));
    assert.equal(error.failure, failure);
    assert.match(error.message, message);
    return true;
  });
};

describe('GeminiModel (@google/genai against a fake Gemini API)', () => {
  let gemini: FakeGeminiRestServer;
  before(async () => {
    gemini = await FakeGeminiRestServer.start();
  });
  after(() => gemini.close());
  beforeEach(() => gemini.reset());
  const model = (over: Partial<GeminiModelOptions> = {}) =>
    new GeminiModel({
      apiKey: gemini.apiKey,
      model: 'gemini-2.5-flash',
      baseUrl: gemini.url,
      maxRetries: 0,
      ...over,
    });

  it('streams text, sending the system instruction and the registry tools as function declarations', async () => {
    gemini.script({ text: 'Shall I add Rohan from Pune?' });
    const pieces: string[] = [];
    const answer = await model({ thinkingBudget: 0 }).complete(request({ onText: (p) => pieces.push(p) }));
    assert.equal(answer.text, 'Shall I add Rohan from Pune?');
    assert.ok(pieces.length >= 4);
    const sent = gemini.requests[0]!;
    assert.equal(sent.model, 'gemini-2.5-flash');
    assert.equal(sent.method, 'streamGenerateContent');
    assert.equal(sent.headers['x-goog-api-key'], gemini.apiKey);
    assert.equal(sent.body.systemInstruction?.parts[0]?.text, 'Be brief.');
    assert.deepEqual(sent.body.contents, [
      { role: 'user', parts: [{ text: 'Add Rohan from Pune, 9876543210' }] },
    ]);
    const declarations = sent.body.tools?.[0]?.functionDeclarations ?? [];
    assert.deepEqual(
      declarations.map((d) => d.name),
      ['createLead', 'scheduleVisit', 'updateLeadStatus', 'findLeads'],
    );
    const schema = declarations[0]!.parametersJsonSchema!;
    assert.deepEqual(schema.required, ['name', 'phone', 'city']);
    assert.equal(schema.$schema, undefined);
    assert.equal(sent.body.toolConfig?.functionCallingConfig?.mode, 'AUTO');
    assert.deepEqual(sent.body.generationConfig?.thinkingConfig, { thinkingBudget: 0 });
  });

  it('returns function calls with their thought signature and sends both back with the function response', async () => {
    gemini.script({ calls: [{ name: 'findLeads', args: { query: 'Rohan' }, thoughtSignature: 'c2lnLTE=' }] });
    const first = await model().complete(request());
    assert.equal(first.calls.length, 1);
    assert.deepEqual(
      { name: first.calls[0]!.name, args: first.calls[0]!.args, signature: first.calls[0]!.signature },
      { name: 'findLeads', args: { query: 'Rohan' }, signature: 'c2lnLTE=' },
    );
    gemini.script({ text: 'No lead called Rohan.' });
    const second = await model({ stream: false }).complete(
      request({
        toolChoice: 'none',
        messages: [
          { role: 'user', text: 'find Rohan' },
          { role: 'assistant', text: '', calls: first.calls },
          {
            role: 'tool',
            results: [{ id: first.calls[0]!.id, name: 'findLeads', output: { matches: [], total: 0 } }],
          },
        ],
      }),
    );
    assert.equal(second.text, 'No lead called Rohan.');
    const sent = gemini.requests[1]!;
    assert.equal(sent.method, 'generateContent');
    assert.equal(sent.body.toolConfig?.functionCallingConfig?.mode, 'NONE');
    assert.deepEqual(sent.body.contents.slice(1), [
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'findLeads', args: { query: 'Rohan' } }, thoughtSignature: 'c2lnLTE=' },
        ],
      },
      {
        role: 'user',
        parts: [{ functionResponse: { name: 'findLeads', response: { matches: [], total: 0 } } }],
      },
    ]);
  });

  it('names a wrong key, a quota, an outage and a hang', async () => {
    await failsWith(
      model({ apiKey: 'wrong' }).complete(request()),
      'auth',
      /refused the API key \(HTTP 400\): API key not valid/,
    );
    gemini.script({
      status: 429,
      message: 'Resource has been exhausted (e.g. check quota).',
      grpcStatus: 'RESOURCE_EXHAUSTED',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '37s' }],
    });
    await assert.rejects(model().complete(request()), (error: unknown) => {
      assert.ok(error instanceof ModelError);
      assert.equal(error.failure, 'rate_limited');
      assert.equal(error.retryAfterSeconds, 37);
      assert.match(error.message, /HTTP 429\): Resource has been exhausted/);
      return true;
    });
    gemini.script({
      status: 503,
      message: 'The model is overloaded. Please try again later.',
      grpcStatus: 'UNAVAILABLE',
    });
    await failsWith(model().complete(request()), 'unavailable', /HTTP 503\): The model is overloaded/);
    gemini.script({ hang: true });
    await failsWith(model({ timeoutMs: 200 }).complete(request()), 'timeout', /within 200 ms/);
  });

  it('tries again once after an overloaded answer', async () => {
    gemini.script({ status: 503, message: 'overloaded', grpcStatus: 'UNAVAILABLE' }, { text: 'Hello' });
    const answer = await model({ maxRetries: 1, retryDelayMs: 10 }).complete(request());
    assert.equal(answer.text, 'Hello');
    assert.equal(gemini.requests.length, 2);
  });
});

describe('ModelBrain on Gemini', () => {
  let gemini: FakeGeminiRestServer;
  let crm: FakeCrmServer;
  before(async () => {
    gemini = await FakeGeminiRestServer.start();
    crm = await FakeCrmServer.start();
  });
  after(async () => {
    await gemini.close();
    await crm.close();
  });

  it('creates a lead after a corrected phone, reading back the reference', async () => {
    const brain = new ModelBrain({
      model: new GeminiModel({
        apiKey: gemini.apiKey,
        model: 'gemini-2.5-flash',
        baseUrl: gemini.url,
        maxRetries: 0,
      }),
      tools: crmTools(),
    });
    const gateway = new HttpCrmGateway({ baseUrl: crm.url, sleep: async () => {}, random: () => 0 });
    const talk = new Talk(brain, gateway, new Date('2025-10-04T10:00:00+05:30'));
    const lead = { name: 'Rohan Sharma', city: 'Gurgaon', source: 'Instagram' };
    gemini.script(
      { calls: [{ name: 'createLead', args: { ...lead, phone: '98765' } }] },
      { calls: [{ name: 'createLead', args: { ...lead, phone: '+91 98765 43210' } }] },
      { text: 'Done. Lead reference is in the answer.' },
    );
    const r = await talk.say('yes, add Rohan Sharma from Gurgaon, 98765 43210, Instagram');
    assert.equal(r.intent, 'LEAD_CREATE');
    assert.equal(r.error, undefined);
    assert.equal(r.crm_call?.body.phone, '+919876543210');
    assert.equal(crm.leads.size, 1);
    assert.equal(crm.requestsTo('POST', '/crm/leads')[0]!.headers['idempotency-key'], `${talk.sessionId}:1`);
    const rounds = gemini.requests.map((q) => q.body.contents.at(-1)!.parts[0]!);
    const refused = rounds[1]!.functionResponse as { response: { error: { field: string } } };
    assert.equal(refused.response.error.field, 'phone');
    const done = rounds[2]!.functionResponse as { response: { lead_reference_spoken: string } };
    assert.equal(typeof done.response.lead_reference_spoken, 'string');
    // The next turn carries the whole exchange, alternating user and model as Gemini requires.
    gemini.script({ text: 'You are welcome.' });
    await talk.say('thanks');
    const roles = gemini.requests.at(-1)!.body.contents.map((c) => c.role);
    assert.deepEqual(roles, ['user', 'model', 'user', 'model', 'user', 'model', 'user']);
  });
});
