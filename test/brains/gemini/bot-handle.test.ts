/**
 * `POST /bot/handle` served by the whole server with ROOMAN_BRAIN=gemini, the model a fake Gemini API reached
 * through @google/genai: the answers follow the built-in engine's JSON contract and the lead lands in the CRM.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeGeminiRestServer } from '../../fakes/gemini-rest-server.ts';
import { createLeadConversation, ROHAN, type Served, serve } from '../model/serve.ts';

describe('/bot/handle with ROOMAN_BRAIN=gemini', () => {
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

  it('creates a lead over two requests, answering in the bot contract', async () => {
    gemini.script(
      { text: 'Rohan Sharma, Gurgaon, phone 9876543210, from Instagram. Shall I add him?' },
      { calls: [{ name: 'createLead', args: ROHAN }] },
      { text: 'Done, Rohan Sharma is added.' },
    );
    await createLeadConversation(server);
    assert.equal(gemini.requests[0]!.model, 'gemini-2.5-flash');
    assert.match(String(gemini.requests[0]!.body.systemInstruction?.parts[0]?.text), /Asia\/Kolkata/);
  });
});
