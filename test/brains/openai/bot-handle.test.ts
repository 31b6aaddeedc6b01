/**
 * `POST /bot/handle` served by the whole server with ROOMAN_BRAIN=openai, the model a fake chat-completions server:
 * the answers follow the built-in engine's JSON contract and the lead lands in the built-in CRM.
 */
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runChatCommand } from '../../../src/cli/commands/chat.ts';
import { FakeOpenAiServer } from '../../fakes/openai-server.ts';
import { createLeadConversation, ROHAN, type Served, serve } from '../model/serve.ts';

describe('/bot/handle with ROOMAN_BRAIN=openai', () => {
  let llm: FakeOpenAiServer;
  let server: Served;
  before(async () => {
    llm = await FakeOpenAiServer.start();
    llm.apiKey = 'sk-local';
    server = await serve({
      ROOMAN_BRAIN: 'openai',
      OPENAI_BASE_URL: llm.url,
      OPENAI_API_KEY: 'sk-local',
      OPENAI_MODEL: 'llama3.1:8b',
    });
  });
  after(async () => {
    await server.close();
    await llm.close();
  });

  it('creates a lead over two requests, answering in the bot contract', async () => {
    llm.script(
      { text: 'Rohan Sharma, Gurgaon, phone 9876543210, from Instagram. Shall I add him?' },
      { calls: [{ name: 'createLead', args: ROHAN }] },
      { text: 'Done, Rohan Sharma is added.' },
    );
    const done = await createLeadConversation(server);
    assert.equal(done.reply, 'Done, Rohan Sharma is added.');
    assert.equal(llm.requests[0]!.body.model, 'llama3.1:8b');
    // The server offers every tool of the registry: CRM, meetings and messages.
    const offered = llm.requests[0]!.body.tools!.map((t) => t.function.name);
    for (const name of [
      'createLead',
      'scheduleVisit',
      'updateLeadStatus',
      'findLeads',
      'scheduleMeeting',
      'sendMessage',
    ])
      assert.ok(offered.includes(name), `${name} offered`);
  });

  it('answers 200 with an apology and the reason when the provider rate-limits', async () => {
    llm.script(
      { status: 429, error: 'Rate limit reached', headers: { 'retry-after': '0' } },
      { status: 429, error: 'Rate limit reached', headers: { 'retry-after': '0' } },
    );
    const r = await server.say('hello');
    assert.equal(r.reply, "Sorry, I can't answer right now. Please try again in a moment.");
    assert.equal(r.error?.type, 'PARSING_ERROR');
    assert.match(r.error!.details, /rate limited by the provider \(HTTP 429\)/);
  });

  it('rooman chat talks through the configured model brain, printing each turn in the bot contract', async () => {
    llm.script({ text: 'Hello! I can add leads and book visits.' });
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const code = await runChatCommand(['--quiet'], {
      bot: server.rooman.bot,
      orgId: server.rooman.defaultOrg.id,
      input: Readable.from(['hello\n', 'q\n']),
      output,
    });
    assert.equal(code, 0);
    assert.match(text, /bot > Hello! I can add leads and book visits\./);
    assert.match(text, /"intent": "GREETING"/);
    assert.equal(llm.requests.at(-1)!.body.messages.at(-1)!.content, 'hello');
  });
});
