/**
 * An agent's greeting, through the inbound voice webhook (registerTwilio's `answer` hook): Twilio fetches the
 * webhook of the placed call and is told to say the greeting, then to stream the call to the agent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../../src/core/logger.ts';
import { registerTwilio } from '../../src/http/routes/twilio.ts';
import type { Database } from '../../src/store/database.ts';
import { databaseTargets } from '../helpers/db.ts';
import { FROM, type Harness, startHarness } from './harness.ts';

describe('agent greeting', () => {
  let database: Database;
  let h: Harness;

  before(async () => {
    database = await (databaseTargets()[0] as { open(): Promise<Database> }).open();
    h = await startHarness({
      database,
      fakeOptions: { onTwimlFailure: 'hangup' },
      beforeListen: async (app, { calling, fake, url, org }) => {
        await registerTwilio(app, {
          db: database.db,
          logger: silentLogger,
          twilio: {
            accountSid: fake.accountSid,
            authToken: fake.authToken,
            phoneNumber: FROM,
            apiBaseUrl: fake.url,
          },
          publicUrl: url,
          defaultOrgId: org.id,
          openSession: () => Promise.reject(new Error('no media stream in this test')),
          answer: (call) => calling.outbound.answer(call),
        });
      },
    });
  });
  after(async () => {
    await h.close();
    await database.close();
  });

  test('the greeting is said before the call is streamed to the agent; no greeting, no <Say>', async () => {
    await h.api('PUT', '/api/agents/greeter', { greeting: 'Hello, this is Rooman from Skyline Homes.' });
    h.fake.script('+14155550951', { outcome: 'answered' });
    const res = await h.api('POST', '/api/calls', { to: '+14155550951', agent: 'greeter' });
    assert.equal(res.status, 201);
    const sent = h.fake.calls.get(res.body.call_sid);
    assert.ok(sent);
    await h.fake.waitFor(() => sent.twiml.length > 0 || sent.errors.length > 0, 'the voice webhook');
    assert.deepEqual(sent.errors, []);
    const twiml = sent.twiml[0] ?? '';
    assert.match(
      twiml,
      /<Response><Say>Hello, this is Rooman from Skyline Homes\.<\/Say><Connect><Stream url="ws:\/\/127\.0\.0\.1:\d+\/twilio\/media">/,
    );
    assert.ok(twiml.includes(`<Parameter name="call_id" value="${res.body.id}"/>`));
    assert.ok(twiml.includes('<Parameter name="agent" value="greeter"/>'));

    h.fake.script('+14155550952', { outcome: 'answered' });
    const plain = await h.api('POST', '/api/calls', { to: '+14155550952' });
    const other = h.fake.calls.get(plain.body.call_sid);
    assert.ok(other);
    await h.fake.waitFor(() => other.twiml.length > 0 || other.errors.length > 0, 'the voice webhook');
    assert.match(other.twiml[0] ?? '', /<Response><Connect><Stream /);
    await h.api('POST', `/api/calls/${res.body.id}/hangup`);
    await h.api('POST', `/api/calls/${plain.body.id}/hangup`);
  });

  test('a greeting names facts of the call: filled from its context; a call without them is refused', async () => {
    const put = await h.api('PUT', '/api/agents/personal', {
      greeting: 'Hi {{lead_name}}, this is Rooman from Skyline Homes about your {{ purpose }}.',
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    // Refused before anything is dialled: the field names what is missing.
    const dialled = h.fake.calls.size;
    const missing = await h.api('POST', '/api/calls', {
      to: '+14155550961',
      agent: 'personal',
      context: { lead_name: 'Asha Verma' },
    });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.field, 'context.purpose');
    assert.match(missing.body.error.details, /greets with \{\{purpose\}\}/);
    const campaign = await h.api('POST', '/api/campaigns', {
      agent: 'personal',
      targets: [
        { to: '+14155550962', context: { lead_name: 'Asha', purpose: 'site visit' } },
        { to: '+14155550963', context: { lead_name: 'Ravi' } },
      ],
    });
    assert.equal(campaign.status, 400);
    assert.equal(campaign.body.error.field, 'targets[1].context.purpose');
    assert.equal(h.fake.calls.size, dialled, 'a refused request dialled');

    h.fake.script('+14155550964', { outcome: 'answered' });
    const res = await h.api('POST', '/api/calls', {
      to: '+14155550964',
      agent: 'personal',
      context: { lead_name: 'Asha Verma', purpose: 'site visit on Saturday' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const sent = h.fake.calls.get(res.body.call_sid);
    assert.ok(sent);
    await h.fake.waitFor(() => sent.twiml.length > 0 || sent.errors.length > 0, 'the voice webhook');
    assert.match(
      sent.twiml[0] ?? '',
      /<Say>Hi Asha Verma, this is Rooman from Skyline Homes about your site visit on Saturday\.<\/Say>/,
    );
    await h.api('POST', `/api/calls/${res.body.id}/hangup`);
  });

  test('a greeting variable must be a plain name', async () => {
    const bad = await h.api('PUT', '/api/agents/odd', { greeting: 'Hi {{lead-name}}' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'greeting');
  });
});
