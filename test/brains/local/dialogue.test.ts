/**
 * The local dialogue's own logic: slot filling over several turns, lead references (pronoun, id prefix, name,
 * ambiguity), confirmation before closing a lead, and every error type. The CRM is the real HTTP client against a
 * real local HTTP CRM; the understander is scripted so each test states exactly what the engine "heard".
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { LocalBrain } from '../../../src/brains/local/local-brain.ts';
import { HttpCrmGateway } from '../../../src/integrations/crm/http-crm-gateway.ts';
import { FakeCrmServer } from '../../fakes/crm-server.ts';
import { Conversation, type Scripted, scriptedUnderstander } from '../conversation.ts';

const NOW = new Date('2025-10-04T10:00:00+05:30'); // a Saturday
const TOMORROW_3PM = '2025-10-05T15:00:00+05:30';
const ROHAN_ID = 'a1b2c3d4-e5f6-4890-abcd-ef1234567890';
const ROHAN_M_ID = 'a1b2ffff-0000-4000-8000-000000000002';

const script: Record<string, Scripted> = {
  'Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram': {
    intent: 'LEAD_CREATE',
    entities: { person: 'Rohan Sharma', city: 'Gurgaon', phone: '+919876543210', source: 'Instagram' },
  },
  'Add a new lead Priya Nair': { intent: 'LEAD_CREATE', entities: { person: 'Priya Nair' } },
  'add a new lead': { intent: 'LEAD_CREATE', entities: {} },
  'Add lead Kiran from Pune, phone 12345': {
    intent: 'LEAD_CREATE',
    entities: { person: 'Kiran', city: 'Pune' },
  },
  'schedule a visit for her tomorrow at 3': {
    intent: 'VISIT_SCHEDULE',
    entities: { lead_ref: '@last', datetime: TOMORROW_3PM },
  },
  'book a site visit with her tomorrow at 3': {
    intent: 'VISIT_SCHEDULE',
    entities: { datetime: TOMORROW_3PM },
  },
  'tomorrow at 3': { intent: 'UNKNOWN', entities: { datetime: TOMORROW_3PM } },
  'schedule a visit for Rohan Sharma yesterday at 3': {
    intent: 'VISIT_SCHEDULE',
    entities: { lead_ref: 'Rohan Sharma', datetime: '2025-10-03T15:00:00+05:30' },
  },
  'schedule a visit for Rohan Sharma on Monday': {
    intent: 'VISIT_SCHEDULE',
    entities: { lead_ref: 'Rohan Sharma', date: '2025-10-06' },
  },
  'at 11 am': { intent: 'UNKNOWN', entities: { datetime: '2025-10-04T11:00:00+05:30' } },
  'Update lead a1b2c3d4 to in progress': {
    intent: 'LEAD_UPDATE',
    entities: { lead_ref: 'a1b2c3d4', status: 'IN_PROGRESS' },
  },
  'Update lead a1b2 to follow up': {
    intent: 'LEAD_UPDATE',
    entities: { lead_ref: 'a1b2', status: 'FOLLOW_UP' },
  },
  "Move Rohan's lead to follow up": {
    intent: 'LEAD_UPDATE',
    entities: { lead_ref: 'Rohan', status: 'FOLLOW_UP' },
  },
  "Move Zed's lead to follow up": {
    intent: 'LEAD_UPDATE',
    entities: { lead_ref: 'Zed', status: 'FOLLOW_UP' },
  },
  'Mark Rohan Sharma as won': {
    intent: 'LEAD_UPDATE',
    entities: { lead_ref: 'Rohan Sharma', status: 'WON' },
  },
  'Mark Rohan Sharma as lost': {
    intent: 'LEAD_UPDATE',
    entities: { lead_ref: 'Rohan Sharma', status: 'LOST' },
  },
  'Update lead 00000000-0000-4000-8000-000000000000 to won': {
    intent: 'LEAD_UPDATE',
    entities: { lead_ref: '00000000-0000-4000-8000-000000000000', status: 'WON' },
  },
  'mark Rohan Sharma as in progress': {
    intent: 'LEAD_UPDATE',
    entities: { lead_ref: 'Rohan Sharma', status: 'IN_PROGRESS' },
  },
  yes: { intent: 'CONFIRM' },
  Pune: { intent: 'CONFIRM', confidence: 0.45, entities: { city: 'Pune' } },
  no: { intent: 'DENY' },
  cancel: { intent: 'DENY' },
  hello: { intent: 'GREETING' },
  help: { intent: 'HELP' },
  'set up a meeting with the team': { intent: 'MEETING_SCHEDULE', entities: { title: 'team' } },
};

describe('LocalBrain dialogue', () => {
  let crm: FakeCrmServer;
  let gateway: HttpCrmGateway;
  const brain = new LocalBrain({ understander: scriptedUnderstander(script) });
  const talk = () => new Conversation(brain, gateway, NOW, `s${Math.random().toString(36).slice(2, 8)}`);

  before(async () => {
    crm = await FakeCrmServer.start();
  });
  after(() => crm.close());
  beforeEach(() => {
    crm.leads.clear();
    crm.visits.clear();
    crm.requests.length = 0;
    gateway = new HttpCrmGateway({ baseUrl: crm.url, sleep: async () => {}, random: () => 0 });
  });

  it('creates a lead from one sentence, saying the phone digit by digit and a short reference', async () => {
    const c = talk();
    const r = await c.say('Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram');
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
    assert.match(r.reply, /phone nine eight seven six five, four three two one zero\./);
    const ref = leadId.slice(0, 8);
    assert.ok(r.reply.includes('Lead reference '), r.reply);
    assert.equal(r.awaiting, undefined);
    assert.ok(ref.length === 8);
    assert.equal(c.wrote, true);
  });

  it('asks for each missing field and fills it from a bare reply', async () => {
    const c = talk();
    let r = await c.say('Add a new lead Priya Nair');
    assert.equal(r.awaiting, 'phone');
    assert.equal(r.reply, "What's Priya Nair's phone number?");
    assert.deepEqual(r.error, { type: 'VALIDATION_ERROR', details: 'Missing required field: phone number' });
    assert.equal(c.wrote, false);

    r = await c.say('nine eight seven six five four three two one zero');
    assert.equal(r.intent, 'LEAD_CREATE', 'the reply continues the task');
    assert.equal(r.awaiting, 'city');
    assert.equal(r.reply, 'Which city is Priya Nair in?');
    assert.equal(r.entities.phone, '+919876543210');

    r = await c.say('pune');
    assert.equal(r.awaiting, undefined);
    assert.equal(r.error, undefined);
    assert.equal(r.crm_call?.function, 'createLead');
    assert.deepEqual(r.crm_call?.body, { name: 'Priya Nair', phone: '+919876543210', city: 'Pune' });
    assert.equal(crm.requestsTo('POST', '/crm/leads').length, 1);
  });

  it('an invalid phone is a VALIDATION_ERROR with a spoken re-ask, and the next reply fixes it', async () => {
    const c = talk();
    let r = await c.say('Add lead Kiran from Pune, phone 12345');
    assert.equal(r.error?.type, 'VALIDATION_ERROR');
    assert.match(r.error?.details ?? '', /^phone: 12345 is not a valid phone number/);
    assert.equal(r.awaiting, 'phone');
    assert.equal(r.reply, "That doesn't sound like a valid phone number. What's Kiran's phone number?");

    r = await c.say('98765');
    assert.equal(r.error?.type, 'VALIDATION_ERROR');
    assert.equal(r.awaiting, 'phone');

    r = await c.say('98765 43210');
    assert.equal(r.error, undefined);
    assert.equal(r.crm_call?.body.phone, '+919876543210');
    assert.equal(crm.leads.size, 1);
  });

  it('"add a new lead" with nothing else: PARSING_ERROR, then asks for the name', async () => {
    const c = talk();
    let r = await c.say('add a new lead');
    assert.equal(r.intent, 'LEAD_CREATE');
    assert.equal(r.error?.type, 'PARSING_ERROR');
    assert.match(r.error?.details ?? '', /Could not extract required entities: name, phone number, city/);
    assert.equal(r.awaiting, 'name');
    r = await c.say('her name is priya nair');
    assert.equal(r.entities.person, 'Priya Nair');
    assert.equal(r.awaiting, 'phone');
  });

  it('"her" refers to the lead created earlier in the session', async () => {
    const c = talk();
    const created = await c.say(
      'Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram',
    );
    const leadId = String(created.result?.lead_id);
    const r = await c.say('schedule a visit for her tomorrow at 3');
    assert.equal(r.intent, 'VISIT_SCHEDULE');
    assert.equal(r.error, undefined);
    assert.deepEqual(r.crm_call, {
      function: 'scheduleVisit',
      method: 'POST',
      path: '/crm/visits',
      body: { lead_id: leadId, visit_time: TOMORROW_3PM },
    });
    assert.equal(
      r.reply,
      'Done. Site visit for Rohan Sharma booked for Sunday the fifth of October at three PM.',
    );
    assert.equal([...crm.visits.values()][0]?.lead_id, leadId);

    // A pronoun the engine did not turn into a reference still finds the session's lead.
    const again = await c.say('book a site visit with her tomorrow at 3');
    assert.equal(again.crm_call?.body.lead_id, leadId);
  });

  it('"her" with no lead yet in the session asks which lead', async () => {
    const c = talk();
    const r = await c.say('schedule a visit for her tomorrow at 3');
    assert.equal(r.awaiting, 'lead_id');
    assert.equal(r.error?.type, 'VALIDATION_ERROR');
    assert.equal(r.entities.datetime, TOMORROW_3PM);
  });

  it('resolves a unique id prefix; several matches are listed and the choice is understood', async () => {
    crm.addLead({ lead_id: ROHAN_ID, name: 'Rohan Sharma', city: 'Gurgaon' });
    const c = talk();
    let r = await c.say('Update lead a1b2c3d4 to in progress');
    assert.equal(r.error, undefined);
    assert.deepEqual(r.crm_call, {
      function: 'updateLeadStatus',
      method: 'POST',
      path: `/crm/leads/${ROHAN_ID}/status`,
      body: { status: 'IN_PROGRESS' },
    });
    assert.equal(r.reply, 'Done. Rohan Sharma is now marked as in progress.');
    assert.equal(crm.requestsTo('GET', '/crm/leads')[0]?.query.get('id_prefix'), 'a1b2c3d4');

    crm.addLead({ lead_id: ROHAN_M_ID, name: 'Rohan Mehta', city: 'Pune' });
    r = await c.say('Update lead a1b2 to follow up');
    assert.equal(r.awaiting, 'lead_choice');
    assert.equal(r.error, undefined);
    assert.match(r.reply, /^I found 2 leads matching a1b2\. /);
    assert.match(r.reply, /Rohan Sharma from Gurgaon and Rohan Mehta from Pune\. Which one do you mean\?$/);

    r = await c.say('the second one');
    assert.equal(r.crm_call?.path, `/crm/leads/${ROHAN_M_ID}/status`);
    assert.equal(crm.leads.get(ROHAN_M_ID)?.status, 'FOLLOW_UP');
  });

  it('resolves a name; several leads by that name are listed and a distinguishing word picks one', async () => {
    crm.addLead({ lead_id: ROHAN_ID, name: 'Rohan Sharma', city: 'Gurgaon' });
    crm.addLead({ lead_id: ROHAN_M_ID, name: 'Rohan Mehta', city: 'Pune' });
    const c = talk();
    let r = await c.say("Move Rohan's lead to follow up");
    assert.equal(r.awaiting, 'lead_choice');
    assert.equal(crm.requestsTo('GET', '/crm/leads')[0]?.query.get('q'), 'Rohan');
    r = await c.say('I mean something else entirely');
    assert.equal(r.awaiting, 'lead_choice', 'an unclear answer asks again');
    assert.match(r.reply, /^Sorry, which one\?/);
    r = await c.say('Mehta');
    assert.equal(r.crm_call?.path, `/crm/leads/${ROHAN_M_ID}/status`);
    assert.equal(crm.leads.get(ROHAN_ID)?.status, 'NEW');

    // "that lead" now means Rohan Mehta.
    const visit = await c.say('schedule a visit for her tomorrow at 3');
    assert.equal(visit.crm_call?.body.lead_id, ROHAN_M_ID);
  });

  it('a name nobody has: CRM_ERROR "Lead not found", and the bot asks again', async () => {
    const c = talk();
    const r = await c.say("Move Zed's lead to follow up");
    assert.deepEqual(r.error, { type: 'CRM_ERROR', details: 'Lead not found' });
    assert.equal(r.awaiting, 'lead_id');
    assert.equal(
      r.reply,
      "I couldn't find a lead matching Zed. Which lead should I update? Tell me their name or lead reference.",
    );
  });

  it('an unknown full id: CRM_ERROR "Lead not found"', async () => {
    const c = talk();
    const r = await c.say('Update lead 00000000-0000-4000-8000-000000000000 to won');
    assert.deepEqual(r.error, { type: 'CRM_ERROR', details: 'Lead not found' });
    assert.equal(crm.requestsTo('GET', '/crm/leads/00000000-0000-4000-8000-000000000000').length, 1);
  });

  it('asks before marking a lead WON; yes does it', async () => {
    crm.addLead({ lead_id: ROHAN_ID, name: 'Rohan Sharma', city: 'Gurgaon' });
    const c = talk();
    let r = await c.say('Mark Rohan Sharma as won');
    assert.equal(r.reply, 'Mark Rohan Sharma as won? Say yes to confirm.');
    assert.equal(r.awaiting, 'confirmation');
    assert.equal(r.crm_call, undefined);
    assert.equal(c.wrote, false);
    assert.equal(crm.leads.get(ROHAN_ID)?.status, 'NEW');

    r = await c.say('Pune');
    assert.equal(r.awaiting, 'confirmation', 'a weak CONFIRM does not confirm');
    assert.equal(crm.leads.get(ROHAN_ID)?.status, 'NEW');

    r = await c.say('hmm');
    assert.equal(r.awaiting, 'confirmation');
    assert.equal(r.reply, 'Please say yes or no. Mark Rohan Sharma as won? Say yes to confirm.');

    r = await c.say('yes');
    assert.equal(r.intent, 'LEAD_UPDATE');
    assert.equal(r.crm_call?.body.status, 'WON');
    assert.equal(r.reply, 'Done. Rohan Sharma is now marked as won.');
    assert.equal(crm.leads.get(ROHAN_ID)?.status, 'WON');
    assert.equal(r.awaiting, undefined);
  });

  it('no to LOST drops it; a later yes has nothing to confirm', async () => {
    crm.addLead({ lead_id: ROHAN_ID, name: 'Rohan Sharma', city: 'Gurgaon' });
    const c = talk();
    await c.say('Mark Rohan Sharma as lost');
    let r = await c.say('no');
    assert.equal(r.reply, "Okay, I won't change Rohan Sharma's status.");
    assert.equal(r.awaiting, undefined);
    assert.equal(crm.requestsTo('POST', `/crm/leads/${ROHAN_ID}/status`).length, 0);
    r = await c.say('yes');
    assert.equal(r.intent, 'CONFIRM');
    assert.match(r.reply, /^There's nothing waiting for a yes or no\./);
    assert.equal(crm.leads.get(ROHAN_ID)?.status, 'NEW');
  });

  it('a visit time in the past is a VALIDATION_ERROR; the next reply fills the time', async () => {
    crm.addLead({ lead_id: ROHAN_ID, name: 'Rohan Sharma', city: 'Gurgaon' });
    const c = talk();
    let r = await c.say('schedule a visit for Rohan Sharma yesterday at 3');
    assert.deepEqual(r.error, {
      type: 'VALIDATION_ERROR',
      details: 'visit_time: must be a future date and time',
    });
    assert.equal(r.awaiting, 'visit_time');
    assert.equal(
      r.reply,
      'That time has already passed. When should Rohan Sharma visit? Tell me the day and time.',
    );
    r = await c.say('tomorrow at 3');
    assert.equal(r.error, undefined);
    assert.equal(r.crm_call?.body.visit_time, TOMORROW_3PM);
  });

  it('a day without a time asks for the time on that day and combines the answer', async () => {
    crm.addLead({ lead_id: ROHAN_ID, name: 'Rohan Sharma', city: 'Gurgaon' });
    const c = talk();
    let r = await c.say('schedule a visit for Rohan Sharma on Monday');
    assert.equal(r.awaiting, 'visit_time');
    assert.equal(r.reply, 'At what time on Monday the sixth of October?');
    assert.equal(r.entities.date, '2025-10-06');
    r = await c.say('at 11 am');
    assert.equal(r.crm_call?.body.visit_time, '2025-10-06T11:00:00+05:30');
    assert.match(r.reply, /Monday the sixth of October at eleven AM\.$/);
  });

  it('an unparseable answer to a question is a PARSING_ERROR and the question is asked again', async () => {
    crm.addLead({ lead_id: ROHAN_ID, name: 'Rohan Sharma', city: 'Gurgaon' });
    const c = talk();
    await c.say('schedule a visit for Rohan Sharma on Monday');
    const r = await c.say('whenever suits the client best really');
    assert.equal(r.error?.type, 'PARSING_ERROR');
    assert.equal(r.awaiting, 'visit_time');
    assert.equal(r.reply, "Sorry, I didn't catch that. At what time on Monday the sixth of October?");
  });

  it('a CRM that is down: CRM_ERROR and "try again"; yes retries with the same idempotency key', async () => {
    const c = talk();
    crm.failNext(3, 503);
    let r = await c.say('Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram');
    assert.equal(r.error?.type, 'CRM_ERROR');
    assert.equal(r.awaiting, 'retry');
    assert.equal(r.reply, 'The CRM is not answering, please try again in a moment. Say yes to try again.');
    assert.equal(crm.leads.size, 0);

    r = await c.say('yes');
    assert.equal(r.error, undefined);
    assert.equal(r.crm_call?.function, 'createLead');
    const keys = new Set(crm.requestsTo('POST', '/crm/leads').map((q) => q.headers['idempotency-key']));
    assert.equal(crm.requestsTo('POST', '/crm/leads').length, 4);
    assert.equal(keys.size, 1, 'every attempt, in both turns, used the key of the first turn');
    assert.equal(crm.leads.size, 1);
  });

  it('a CRM that refuses the write: VALIDATION_ERROR with its details, re-asking that field', async () => {
    const c = talk();
    crm.answerNext(400, {
      error: { type: 'VALIDATION_ERROR', details: 'city: unknown city', field: 'city' },
    });
    const r = await c.say('Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram');
    assert.deepEqual(r.error, { type: 'VALIDATION_ERROR', details: 'city: unknown city' });
    assert.equal(r.awaiting, 'city');
    assert.equal(r.reply, "That doesn't look right. Which city is Rohan Sharma in?");
  });

  it('a different request while a field is awaited starts that request instead', async () => {
    crm.addLead({ lead_id: ROHAN_ID, name: 'Rohan Sharma', city: 'Gurgaon' });
    const c = talk();
    await c.say('Add a new lead Priya Nair');
    const r = await c.say('mark Rohan Sharma as in progress');
    assert.equal(r.intent, 'LEAD_UPDATE');
    assert.equal(crm.leads.get(ROHAN_ID)?.status, 'IN_PROGRESS');
    assert.equal(crm.requestsTo('POST', '/crm/leads').length, 0);
  });

  it('cancel drops a half-filled task', async () => {
    const c = talk();
    await c.say('Add a new lead Priya Nair');
    const r = await c.say('cancel');
    assert.equal(r.reply, "Okay, I've dropped that.");
    assert.equal(r.awaiting, undefined);
    const after = await c.say('9876543210');
    assert.equal(after.intent, 'UNKNOWN');
  });

  it('UNKNOWN: a helpful reply listing what it can do, with PARSING_ERROR', async () => {
    const r = await talk().say('what is the weather like');
    assert.equal(r.intent, 'UNKNOWN');
    assert.deepEqual(r.error, { type: 'PARSING_ERROR', details: 'Could not understand the request' });
    assert.match(
      r.reply,
      /^Sorry, I didn't understand that\. I can add a new lead, schedule a site visit and update a lead's status\. For example: "[^"]+"\.$/,
    );
  });

  it('greeting and help answer without an error; an intent without a task says it cannot yet', async () => {
    const c = talk();
    const hello = await c.say('hello');
    assert.equal(hello.intent, 'GREETING');
    assert.equal(hello.error, undefined);
    assert.match(hello.reply, /^Hello! I can add a new lead/);
    const help = await c.say('help');
    assert.match(help.reply, /"Schedule a visit for Rohan tomorrow at 3 PM"/);
    const meeting = await c.say('set up a meeting with the team');
    assert.equal(meeting.intent, 'MEETING_SCHEDULE');
    assert.match(meeting.reply, /^I can't do that yet\./);
    assert.equal(meeting.error, undefined);
  });

  it('keeps a short history and the last lead in JSON state', async () => {
    const c = talk();
    await c.say('Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram');
    const state = c.state as { last_lead: { name: string }; history: { intent: string; outcome: string }[] };
    assert.equal(state.last_lead.name, 'Rohan Sharma');
    assert.equal(state.history[0]?.intent, 'LEAD_CREATE');
    assert.match(state.history[0]?.outcome ?? '', /^created lead Rohan Sharma \([0-9a-f]{8}\)$/);
  });

  it('a state it does not recognise starts afresh instead of failing', async () => {
    const c = talk();
    c.state = { v: 99, pending: 'garbage' };
    const r = await c.say('hello');
    assert.equal(r.intent, 'GREETING');
  });
});
