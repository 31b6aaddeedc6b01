/**
 * The provider-agnostic tool loop: a model (here an OpenAI-compatible fake server, scripted per test, reached through
 * the real client) proposes calls, the loop runs them through the ToolRegistry against a real HTTP CRM (fake CRM
 * server through the real CRM client) and answers the bot contract. The tests check what the model was sent (system
 * rules, tools, history, tool results), what the CRM received, and the bot JSON.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ModelBrain, type ModelBrainOptions } from '../../../src/brains/model/model-brain.ts';
import { OpenAiModel } from '../../../src/brains/openai/openai-model.ts';
import { HttpCrmGateway } from '../../../src/integrations/crm/http-crm-gateway.ts';
import { crmTools } from '../../../src/tools/crm-tools.ts';
import { meetingTools } from '../../../src/tools/meeting-tools.ts';
import { messageTools } from '../../../src/tools/message-tools.ts';
import { createUnderstandingEngine } from '../../../src/understanding/engine.ts';
import { FakeCrmServer } from '../../fakes/crm-server.ts';
import { FakeOpenAiServer } from '../../fakes/openai-server.ts';
import { Talk } from './driver.ts';

const NOW = new Date('2025-10-04T10:00:00+05:30'); // a Saturday
const ROHAN = { name: 'Rohan Sharma', phone: '9876543210', city: 'Gurgaon', source: 'Instagram' };
const understander = createUnderstandingEngine();

describe('ModelBrain tool loop', () => {
  let crm: FakeCrmServer;
  let llm: FakeOpenAiServer;
  let gateway: HttpCrmGateway;
  const brainWith = (options: Partial<ModelBrainOptions> = {}) =>
    new ModelBrain({
      model: new OpenAiModel({ baseUrl: llm.url, model: 'test-model', maxRetries: 0 }),
      tools: crmTools(),
      understander,
      ...options,
    });
  const talk = (brain = brainWith()) => new Talk(brain, gateway, NOW);

  before(async () => {
    crm = await FakeCrmServer.start();
    llm = await FakeOpenAiServer.start();
  });
  after(async () => {
    await crm.close();
    await llm.close();
  });
  beforeEach(() => {
    crm.leads.clear();
    crm.visits.clear();
    crm.requests.length = 0;
    llm.reset();
    gateway = new HttpCrmGateway({ baseUrl: crm.url, sleep: async () => {}, random: () => 0 });
  });

  it('confirms, then creates a lead through the CRM and reports it as the built-in engine does', async () => {
    const c = talk();
    llm.script({
      text: 'Rohan Sharma from Gurgaon, phone 9876543210, from Instagram. Shall I add this lead?',
    });
    let r = await c.say('Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram');
    assert.equal(r.intent, 'LEAD_CREATE');
    assert.equal(r.crm_call, undefined);
    assert.equal(c.wrote, false);
    assert.equal(crm.requests.length, 0);
    // The model's digits are spoken one by one whatever it wrote.
    assert.match(r.reply, /phone nine eight seven six five, four three two one zero, from Instagram/);

    const first = llm.requests[0]!.body;
    const system = String(first.messages[0]!.content);
    assert.equal(first.messages[0]!.role, 'system');
    assert.match(system, /Saturday, 4 October 2025, 10:00 in the Asia\/Kolkata time zone \(UTC\+05:30\)/);
    assert.match(system, /ask the caller to confirm/);
    assert.match(system, /digit by digit/);
    assert.match(system, /lead_reference_spoken/);
    assert.deepEqual(
      first.tools?.map((t) => t.function.name),
      ['createLead', 'scheduleVisit', 'updateLeadStatus', 'findLeads'],
    );
    const createLead = first.tools![0]!.function.parameters;
    assert.deepEqual(createLead.required, ['name', 'phone', 'city']);
    assert.equal(createLead.$schema, undefined);
    assert.equal(first.tool_choice, 'auto');

    llm.script(
      { calls: [{ name: 'createLead', args: ROHAN }] },
      { text: 'Done. Lead reference as in the answer.' },
    );
    r = await c.say('yes go ahead');
    assert.equal(r.intent, 'LEAD_CREATE');
    assert.equal(r.error, undefined);
    assert.deepEqual(r.crm_call, {
      function: 'createLead',
      method: 'POST',
      path: '/crm/leads',
      body: { name: 'Rohan Sharma', phone: '+919876543210', city: 'Gurgaon', source: 'Instagram' },
    });
    const leadId = String(r.result?.lead_id);
    assert.equal(crm.leads.get(leadId)?.name, 'Rohan Sharma');
    assert.deepEqual(r.entities, {
      person: 'Rohan Sharma',
      phone: '+919876543210',
      city: 'Gurgaon',
      source: 'Instagram',
    });
    assert.equal(c.wrote, true);
    const posts = crm.requestsTo('POST', '/crm/leads');
    assert.equal(posts.length, 1);
    assert.equal(posts[0]!.headers['idempotency-key'], `${c.sessionId}:2`);

    // Turn 2 sent the whole conversation (kept in the JSON state) and then the tool's answer.
    const second = llm.requests[1]!.body.messages.map((m) => m.role);
    assert.deepEqual(second, ['system', 'user', 'assistant', 'user']);
    const third = llm.requests[2]!.body.messages;
    const call = third[4]!.tool_calls![0] as { id: string; function: { name: string; arguments: string } };
    assert.equal(call.function.name, 'createLead');
    assert.deepEqual(JSON.parse(call.function.arguments), ROHAN);
    const result = third[5]!;
    assert.equal(result.role, 'tool');
    assert.equal(result.tool_call_id, call.id);
    const told = JSON.parse(String(result.content));
    assert.equal(told.ok, true);
    assert.equal(told.lead_id, leadId);
    assert.equal(told.lead_reference, leadId.replace(/-/g, '').slice(0, 8));
    assert.equal(typeof told.lead_reference_spoken, 'string');
    assert.equal(told.phone_spoken, 'nine eight seven six five, four three two one zero');
  });

  it('returns a bad argument to the model as a VALIDATION_ERROR and runs its corrected call', async () => {
    const lead = crm.addLead({ name: 'Rohan Sharma' });
    const c = talk();
    llm.script(
      { calls: [{ name: 'scheduleVisit', args: { lead_id: lead.lead_id, visit_time: 'tomorrow 3pm' } }] },
      {
        calls: [
          { name: 'scheduleVisit', args: { lead_id: lead.lead_id, visit_time: '2025-10-05T15:00:00+05:30' } },
        ],
      },
      { text: 'Booked for 2025-10-05T15:00:00+05:30.' },
    );
    const r = await c.say(`yes, book the visit for ${lead.lead_id} tomorrow at 3`);
    const told = JSON.parse(String(llm.requests[1]!.body.messages.at(-1)!.content));
    assert.equal(told.ok, false);
    assert.equal(told.error.type, 'VALIDATION_ERROR');
    assert.equal(told.error.field, 'visit_time');
    assert.match(told.next, /Ask the caller for a correct visit_time/);
    assert.equal(r.intent, 'VISIT_SCHEDULE');
    assert.equal(r.error, undefined);
    assert.equal(r.crm_call?.body.visit_time, '2025-10-05T15:00:00+05:30');
    assert.equal(crm.visits.size, 1);
    assert.equal(r.reply, 'Booked for Sunday the fifth of October at three PM.');
    assert.deepEqual(r.entities, { lead_ref: lead.lead_id, datetime: '2025-10-05T15:00:00+05:30' });
  });

  it('tells a model that shortened a lead id to look the full one up', async () => {
    const lead = crm.addLead({ name: 'Rohan Sharma' });
    const c = talk();
    const short = lead.lead_id.slice(0, 8);
    llm.script(
      { calls: [{ name: 'updateLeadStatus', args: { lead_id: short, status: 'FOLLOW_UP' } }] },
      { calls: [{ name: 'findLeads', args: { query: short } }] },
      { calls: [{ name: 'updateLeadStatus', args: { lead_id: lead.lead_id, status: 'FOLLOW_UP' } }] },
      { text: 'Rohan Sharma is now follow up.' },
    );
    const r = await c.say(`move ${short} to follow up`);
    const told = JSON.parse(String(llm.requests[1]!.body.messages.at(-1)!.content));
    assert.equal(told.next, 'lead_id must be the full id: get it with findLeads first.');
    assert.equal(crm.leads.get(lead.lead_id)?.status, 'FOLLOW_UP');
    assert.equal(r.error, undefined);
    assert.equal(r.intent, 'LEAD_UPDATE');
  });

  it('asks the caller again when the model cannot fix a bad phone, then completes the lead next turn', async () => {
    const c = talk();
    llm.script(
      { calls: [{ name: 'createLead', args: { ...ROHAN, phone: '12345' } }] },
      { text: "That phone number doesn't look right. What is Rohan's number?" },
    );
    let r = await c.say('yes');
    assert.equal(r.intent, 'LEAD_CREATE');
    assert.equal(r.error?.type, 'VALIDATION_ERROR');
    assert.match(r.error!.details, /^phone: is not a valid phone number/);
    assert.equal(r.awaiting, 'phone');
    assert.equal(c.wrote, false);
    assert.equal(crm.requests.length, 0);

    llm.script({ calls: [{ name: 'createLead', args: ROHAN }] }, { text: 'Added.' });
    r = await c.say('9876543210');
    assert.equal(r.intent, 'LEAD_CREATE');
    assert.equal(r.error, undefined);
    assert.equal(crm.leads.size, 1);
    // The failed call and its error were in the history the model saw.
    const roles = llm.requests[2]!.body.messages.map((m) => m.role);
    assert.deepEqual(roles, ['system', 'user', 'assistant', 'tool', 'assistant', 'user']);
  });

  it('tells the model about CRM failures and reports CRM_ERROR (lead not found, CRM down)', async () => {
    const c = talk();
    const missing = '00000000-0000-4000-8000-000000000000';
    llm.script(
      { calls: [{ name: 'updateLeadStatus', args: { lead_id: missing, status: 'IN_PROGRESS' } }] },
      { text: "I couldn't find that lead." },
    );
    let r = await c.say(`move ${missing} to in progress`);
    assert.equal(r.intent, 'LEAD_UPDATE');
    assert.deepEqual(r.error, { type: 'CRM_ERROR', details: 'Lead not found' });
    assert.equal(c.wrote, false);

    crm.failNext(3, 503);
    llm.script(
      { calls: [{ name: 'createLead', args: ROHAN }] },
      { text: 'The CRM is not answering. Try again?' },
    );
    r = await c.say('yes');
    assert.equal(r.intent, 'LEAD_CREATE');
    assert.equal(r.error?.type, 'CRM_ERROR');
    const told = JSON.parse(String(llm.requests.at(-1)!.body.messages.at(-1)!.content));
    assert.equal(told.error.type, 'CRM_ERROR');
    assert.match(told.next, /offer to try again/);
    // A write that failed upstream may have been made: the turn must not be re-run under a new key.
    assert.equal(c.wrote, true);
  });

  it('holds closing a lead until the caller has said yes to a question, whatever the model does', async () => {
    const lead = crm.addLead({ name: 'Rohan Sharma' });
    const won = { lead_id: lead.lead_id, status: 'WON' };
    const c = talk();
    llm.script(
      { calls: [{ name: 'updateLeadStatus', args: won }] },
      { text: 'Mark Rohan Sharma as won? Say yes to confirm.' },
    );
    let r = await c.say('Mark Rohan Sharma as won');
    const told = JSON.parse(String(llm.requests[1]!.body.messages.at(-1)!.content));
    assert.equal(told.needs_confirmation, true);
    assert.equal(r.intent, 'LEAD_UPDATE');
    assert.equal(r.awaiting, 'confirmation');
    assert.equal(r.error, undefined);
    assert.equal(crm.leads.get(lead.lead_id)?.status, 'NEW');
    assert.equal(c.wrote, false);

    // A no is not a yes: still held.
    llm.script({ calls: [{ name: 'updateLeadStatus', args: won }] }, { text: 'Okay, I left it.' });
    r = await c.say('no');
    assert.equal(crm.leads.get(lead.lead_id)?.status, 'NEW');

    // An answer to another question is not a yes either.
    llm.script({ text: 'Which lead, Rohan Sharma or Rohan Mehta?' });
    await c.say('mark Rohan won');
    llm.script({ calls: [{ name: 'updateLeadStatus', args: won }] }, { text: 'Shall I mark him as won?' });
    r = await c.say('Rohan Sharma');
    assert.equal(r.awaiting, 'confirmation');
    assert.equal(crm.leads.get(lead.lead_id)?.status, 'NEW');

    llm.script({ text: 'Mark Rohan Sharma as won? Say yes to confirm.' });
    await c.say('mark him won');
    llm.script(
      { calls: [{ name: 'updateLeadStatus', args: won }] },
      { text: 'Rohan Sharma is marked as won.' },
    );
    r = await c.say('yes, do it');
    assert.equal(crm.leads.get(lead.lead_id)?.status, 'WON');
    assert.equal(r.intent, 'LEAD_UPDATE');
    assert.equal(r.crm_call?.path, `/crm/leads/${lead.lead_id}/status`);
    assert.deepEqual(r.crm_call?.body, { status: 'WON' });
    assert.equal(r.awaiting, undefined);
  });

  it('answers unknown tools and arguments that are not JSON with a VALIDATION_ERROR', async () => {
    const c = talk();
    llm.script(
      {
        calls: [
          { name: 'deleteEverything', args: {} },
          { name: 'createLead', args: '{"name": "Rohan", "phone": ' },
        ],
      },
      { text: 'Sorry, something went wrong. What was the phone number?' },
    );
    const r = await c.say('yes');
    const results = llm.requests[1]!.body.messages.filter((m) => m.role === 'tool').map((m) =>
      JSON.parse(String(m.content)),
    );
    assert.equal(results[0].error.details, 'Unknown tool: deleteEverything');
    assert.equal(results[1].error.field, '(arguments)');
    assert.equal(r.error?.type, 'VALIDATION_ERROR');
    assert.equal(r.awaiting, undefined);
    assert.equal(crm.requests.length, 0);
  });

  it('gives each write of a turn its own key and makes a repeated write once', async () => {
    const c = talk();
    const priya = { name: 'Priya Nair', phone: '9123456780', city: 'Pune' };
    llm.script(
      {
        calls: [
          { name: 'createLead', args: ROHAN },
          { name: 'createLead', args: priya },
        ],
      },
      { calls: [{ name: 'createLead', args: ROHAN }] },
      { text: 'Both added.' },
    );
    const r = await c.say('yes add both');
    const keys = crm.requestsTo('POST', '/crm/leads').map((q) => q.headers['idempotency-key']);
    assert.deepEqual(keys, [`${c.sessionId}:1`, `${c.sessionId}:1:2`]);
    assert.equal(crm.leads.size, 2);
    const repeated = JSON.parse(String(llm.requests[2]!.body.messages.at(-1)!.content));
    assert.equal(repeated.ok, true);
    assert.equal(r.intent, 'LEAD_CREATE');
    assert.equal(r.crm_call?.body.name, 'Rohan Sharma');
  });

  it('looks a lead up by name before scheduling; the turn is VISIT_SCHEDULE', async () => {
    const lead = crm.addLead({ name: 'Priya Nair' });
    const c = talk();
    llm.script(
      { calls: [{ name: 'findLeads', args: { query: 'Priya' } }] },
      {
        calls: [
          { name: 'scheduleVisit', args: { lead_id: lead.lead_id, visit_time: '2025-10-06T11:00:00+05:30' } },
        ],
      },
      { text: 'Visit booked for Priya on Monday at eleven AM.' },
    );
    const r = await c.say('yes');
    const found = JSON.parse(String(llm.requests[1]!.body.messages.at(-1)!.content));
    assert.equal(found.matches[0].lead_id, lead.lead_id);
    // Read-only lookups carry no idempotency key of their own and do not make the turn a write.
    assert.equal(r.intent, 'VISIT_SCHEDULE');
    assert.equal(crm.visits.size, 1);
    assert.equal(crm.requestsTo('POST', '/crm/visits')[0]!.headers['idempotency-key'], `${c.sessionId}:1`);
  });

  it('reports a lookup that found nothing as CRM_ERROR Lead not found', async () => {
    const c = talk();
    llm.script({ calls: [{ name: 'findLeads', args: { query: 'Zed' } }] }, { text: 'I could not find Zed.' });
    const r = await c.say("Move Zed's lead to follow up");
    assert.equal(r.intent, 'LEAD_UPDATE');
    assert.deepEqual(r.error, { type: 'CRM_ERROR', details: 'Lead not found' });
  });

  it('stops offering tools after the round cap and takes the words', async () => {
    const c = talk(brainWith({ maxToolRounds: 2 }));
    llm.script(
      { calls: [{ name: 'findLeads', args: { query: 'a' } }] },
      { calls: [{ name: 'findLeads', args: { query: 'b' } }] },
      { text: 'I could not find it.', calls: [{ name: 'findLeads', args: { query: 'c' } }] },
    );
    const r = await c.say('find the lead');
    assert.equal(llm.requests.length, 3);
    assert.deepEqual(
      llm.requests.map((q) => q.body.tool_choice),
      ['auto', 'auto', 'none'],
    );
    assert.equal(r.reply, 'I could not find it.');
    assert.equal(crm.requests.length, 2);
    // The unanswered call is not kept: the next request must not carry a call without its result.
    llm.script({ text: 'Hello!' });
    await c.say('hello');
    const last = llm.requests.at(-1)!.body.messages;
    assert.equal(last.at(-2)!.tool_calls, undefined);
  });

  it('apologises when the model fails, says why in the error, and keeps the conversation as it was', async () => {
    const c = talk();
    llm.script({ text: 'Hello! How can I help?' });
    await c.say('hello');
    const before = JSON.stringify(c.state);
    llm.script({ status: 401, error: 'Incorrect API key provided: sk-abc.' });
    const r = await c.say('add a lead');
    assert.equal(r.reply, "Sorry, I can't answer right now. Please try again in a moment.");
    assert.equal(r.error?.type, 'PARSING_ERROR');
    assert.match(
      r.error!.details,
      /the provider refused the API key \(HTTP 401\): Incorrect API key provided/,
    );
    assert.equal(r.intent, 'LEAD_CREATE');
    assert.equal(JSON.stringify(c.state), before);
  });

  it("drops a reasoning model's thinking from the reply and from the history", async () => {
    const c = talk();
    llm.script({ text: '<think>The user greets me. I should greet back.</think>\n\nHello! How can I help?' });
    const r = await c.say('hello');
    assert.equal(r.reply, 'Hello! How can I help?');
    assert.equal(r.intent, 'GREETING');
    const history = (c.state as { history: { text?: string }[] }).history;
    assert.equal(history.at(-1)!.text, 'Hello! How can I help?');
  });

  it('says "Done." after a change the model did not put into words, and asks again when it said nothing at all', async () => {
    const c = talk();
    llm.script({ calls: [{ name: 'createLead', args: ROHAN }] }, { text: '' });
    let r = await c.say('yes');
    assert.equal(r.reply, 'Done.');
    assert.equal(r.error, undefined);
    assert.equal(r.crm_call?.function, 'createLead');
    llm.script({ text: '' });
    r = await c.say('hmm');
    assert.equal(r.reply, "Sorry, I didn't catch that. Could you say it again?");
    assert.deepEqual(r.error, { type: 'PARSING_ERROR', details: 'The model gave no answer' });
  });

  it('offers meeting and message tools only to an organisation that has a calendar and a message channel', async () => {
    const c = talk(brainWith({ tools: messageTools(meetingTools(crmTools())) }));
    llm.script({ text: 'Hello!' });
    await c.say('hello');
    assert.deepEqual(
      llm.requests[0]!.body.tools?.map((t) => t.function.name),
      ['createLead', 'scheduleVisit', 'updateLeadStatus', 'findLeads'],
    );
  });

  it('gives the model one deadline for the whole turn, then apologises', async () => {
    const c = talk(brainWith({ turnTimeoutMs: 300 }));
    llm.script({ calls: [{ name: 'findLeads', args: { query: 'Rohan' } }] }, { hang: true });
    const r = await c.say('find Rohan');
    assert.equal(r.reply, "Sorry, I can't answer right now. Please try again in a moment.");
    assert.match(r.error!.details, /the model did not answer in time: no answer within 300 ms for the turn/);
    assert.equal(llm.requests.length, 2);
  });

  it('keeps the history within its limits, cutting only before a user turn', async () => {
    const c = talk(brainWith({ trim: { maxMessages: 5 } }));
    for (let i = 0; i < 4; i++) {
      llm.script({ calls: [{ name: 'findLeads', args: { query: `lead ${i}` } }] }, { text: `Answer ${i}` });
      await c.say(`question ${i}`);
    }
    const history = (c.state as { history: { role: string; text?: string }[] }).history;
    assert.deepEqual(
      history.map((m) => m.role),
      ['user', 'assistant', 'tool', 'assistant'],
    );
    assert.equal(history[0]!.text, 'question 3');
  });
});
