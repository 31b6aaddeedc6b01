/**
 * The text bot end to end: the real understanding engine, the dialogue, the built-in CRM and sessions in the
 * database, driven turn by turn as a person would type (or say) it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BotService } from '../../../src/channels/text/bot-service.ts';
import { type BotResponse, BotResponse as BotResponseSchema } from '../../../src/core/bot.ts';
import { fixedClock } from '../../../src/core/time.ts';
import type { BuiltinCrm } from '../../../src/crm/builtin-crm.ts';
import type { Database } from '../../../src/store/database.ts';
import { createTestOrg, type DatabaseTarget, databaseTargets } from '../../helpers/db.ts';
import { realBot } from './real-bot.ts';

const clock = fixedClock('2025-10-04T10:00:00+05:30'); // a Saturday

for (const target of databaseTargets()) describe(`text bot end to end (${target.name})`, () => suite(target));

function suite(target: DatabaseTarget) {
  let database: Database;
  let bot: BotService;
  let crm: BuiltinCrm;

  before(async () => {
    database = await target.open();
    ({ bot, crm } = realBot(database, clock));
  });
  after(async () => {
    await crm.close();
    await database.close();
  });

  /** A conversation in a new organisation of its own. */
  async function conversation(timeZone = 'Asia/Kolkata') {
    const org = await createTestOrg(database.db, timeZone);
    let sessionId: string | undefined;
    const say = async (transcript: string): Promise<BotResponse> => {
      const turn = BotResponseSchema.parse(await bot.handle({ transcript, session_id: sessionId }, org.id));
      sessionId = turn.session_id;
      return turn;
    };
    return { org, say };
  }

  it('creates the seed example lead in one sentence and reads the result back to be spoken', async () => {
    const { org, say } = await conversation();
    const r = await say('Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram');
    assert.equal(r.intent, 'LEAD_CREATE');
    assert.equal(r.error, undefined);
    assert.equal(r.crm_call?.function, 'createLead');
    assert.equal(r.crm_call?.body.phone, '+919876543210');
    assert.equal(r.result?.status, 'NEW');
    const lead = await crm.getLead(org.id, String(r.result?.lead_id));
    assert.equal(lead?.name, 'Rohan Sharma');
    assert.match(r.reply, /phone nine eight seven six five, four three two one zero\. Lead reference /);
  });

  it('fills a lead over several turns, with the phone number spoken as words', async () => {
    const { org, say } = await conversation();
    let r = await say('Add a new lead Priya Nair');
    assert.equal(r.awaiting, 'phone');
    assert.equal(r.error?.details, 'Missing required field: phone number');
    r = await say('nine eight seven six five four three two one zero');
    assert.equal(r.awaiting, 'city');
    r = await say('pune');
    assert.equal(r.error, undefined, JSON.stringify(r));
    assert.equal(r.crm_call?.function, 'createLead');
    const page = await crm.listLeads(org.id, {});
    assert.deepEqual(
      page.items.map((l) => [l.name, l.phone_e164, l.city]),
      [['Priya Nair', '+919876543210', 'Pune']],
    );
  });

  it('"her" is the lead just created; the visit is spoken in the organisation\'s time zone', async () => {
    const { org, say } = await conversation('Europe/London');
    const created = await say(
      'Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram',
    );
    const r = await say('schedule a visit for her tomorrow at 3');
    assert.equal(r.intent, 'VISIT_SCHEDULE');
    assert.equal(r.error, undefined, JSON.stringify(r));
    assert.equal(r.crm_call?.body.lead_id, created.result?.lead_id);
    assert.equal(r.crm_call?.body.visit_time, '2025-10-05T15:00:00+01:00');
    assert.equal(
      r.reply,
      'Done. Site visit for Rohan Sharma booked for Sunday the fifth of October at three PM.',
    );
    const visits = await crm.listVisits(org.id, {});
    assert.equal(visits.items.length, 1);
  });

  it('resolves a name shared by two leads by asking which, then confirms before WON', async () => {
    const { org, say } = await conversation();
    const sharma = await crm.createLead(org.id, {
      name: 'Rohan Sharma',
      phone: '9876543210',
      city: 'Gurgaon',
    });
    const mehta = await crm.createLead(org.id, { name: 'Rohan Mehta', phone: '9876500000', city: 'Pune' });
    let r = await say('Update Rohan to won');
    assert.equal(r.awaiting, 'lead_choice');
    assert.match(
      r.reply,
      /Rohan (Sharma|Mehta) from (Gurgaon|Pune) and Rohan (Sharma|Mehta) from (Gurgaon|Pune)\. Which one/,
    );
    r = await say('Mehta');
    assert.equal(r.awaiting, 'confirmation');
    assert.equal(r.reply, 'Mark Rohan Mehta as won? Say yes to confirm.');
    assert.equal((await crm.getLead(org.id, mehta.lead_id))?.status, 'NEW');
    r = await say('yes');
    assert.equal(r.result?.status, 'WON');
    assert.equal((await crm.getLead(org.id, mehta.lead_id))?.status, 'WON');
    assert.equal((await crm.getLead(org.id, sharma.lead_id))?.status, 'NEW');
  });

  it('an id prefix from the seed example updates the lead', async () => {
    const { org, say } = await conversation();
    const lead = await crm.createLead(org.id, { name: 'Asha Rao', phone: '9876512345', city: 'Mysuru' });
    const r = await say(`Update lead ${lead.lead_id.slice(0, 8)} to in progress`);
    assert.equal(r.error, undefined, JSON.stringify(r));
    assert.equal(r.crm_call?.path, `/crm/leads/${lead.lead_id}/status`);
    assert.equal((await crm.getLead(org.id, lead.lead_id))?.status, 'IN_PROGRESS');
  });

  it('a visit for a lead that does not exist is a CRM_ERROR "Lead not found"', async () => {
    const { say } = await conversation();
    const r = await say(
      'Schedule a visit for lead a1b2c3d4-e5f6-4890-abcd-ef1234567890 at 2025-10-05T15:00:00+05:30',
    );
    assert.equal(r.intent, 'VISIT_SCHEDULE');
    assert.deepEqual(r.error, { type: 'CRM_ERROR', details: 'Lead not found' });
  });

  it('a visit in the past is a VALIDATION_ERROR, and an unintelligible request a PARSING_ERROR', async () => {
    const { org, say } = await conversation();
    await crm.createLead(org.id, { name: 'Kavya Iyer', phone: '9876598765', city: 'Chennai' });
    const past = await say('Schedule a visit for Kavya Iyer yesterday at 3 pm');
    assert.deepEqual(past.error, {
      type: 'VALIDATION_ERROR',
      details: 'visit_time: must be a future date and time',
    });
    assert.equal(past.awaiting, 'visit_time');
    // Off-topic while a time is awaited: not understood as a time, and asked again.
    const offTopic = await say('what is the weather like');
    assert.equal(offTopic.intent, 'VISIT_SCHEDULE');
    assert.equal(offTopic.error?.type, 'PARSING_ERROR');
    assert.equal(offTopic.awaiting, 'visit_time');
    const fixed = await say('tomorrow at 11 am');
    assert.equal(fixed.crm_call?.body.visit_time, '2025-10-05T11:00:00+05:30');

    const unknown = await (await conversation()).say('what is the weather like');
    assert.equal(unknown.intent, 'UNKNOWN');
    assert.equal(unknown.error?.type, 'PARSING_ERROR');
  });
}
