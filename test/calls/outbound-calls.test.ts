import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CallRepository } from '../../src/store/calls.ts';
import type { Database } from '../../src/store/database.ts';
import { TranscriptRepository } from '../../src/store/transcripts.ts';
import { twilioSignature } from '../fakes/twilio-rest-server.ts';
import { databaseTargets } from '../helpers/db.ts';
import { FROM, type Harness, startHarness } from './harness.ts';

for (const target of databaseTargets()) {
  describe(`outbound calls (${target.name})`, () => {
    let database: Database;
    let h: Harness;

    before(async () => {
      database = await target.open();
      h = await startHarness({ database });
    });
    after(async () => {
      await h.close();
      await database.close();
    });

    const callStatus = async (id: string) => (await h.api('GET', `/api/calls/${id}`)).body;

    test('POST /api/calls places the call through Twilio and records its progress from the signed callbacks', async () => {
      h.fake.script('+14155550111', { outcome: 'completed', talkMs: 20 });
      // The organisation is in New York: a number without a country code is read as a US number.
      const res = await h.api('POST', '/api/calls', { to: '(415) 555-0111', context: { lead: 'Asha' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.to, '+14155550111');
      assert.equal(res.body.from, FROM);
      assert.equal(res.body.agent, 'default');
      assert.deepEqual(res.body.context, { lead: 'Asha' });
      assert.match(res.body.call_sid, /^CA[0-9a-f]{32}$/);

      const sent = h.fake.calls.get(res.body.call_sid);
      assert.ok(sent, 'Twilio received the call');
      assert.equal(sent.params.Url, `${h.url}/twilio/voice?call=${res.body.id}`);
      assert.equal(sent.params.StatusCallback, `${h.url}/twilio/outbound/status?call=${res.body.id}`);
      assert.deepEqual(sent.params.StatusCallbackEvent, ['initiated', 'ringing', 'answered', 'completed']);
      assert.equal(sent.params.MachineDetection, undefined, 'the default agent does not ask for AMD');

      await h.fake.waitFor(() => sent.status === 'completed', 'the call to end');
      await h.fake.settled();
      assert.ok(
        sent.callbacks.every((c) => c.status === 204),
        JSON.stringify(sent.callbacks),
      );
      const call = await callStatus(res.body.id);
      assert.equal(call.status, 'completed');
      assert.ok(call.answered_at && call.ended_at);
      const fromCallbacks = call.events.filter((e: { source: string }) => e.source === 'status-callback');
      assert.deepEqual(
        fromCallbacks.map((e: { status: string }) => e.status),
        ['queued', 'ringing', 'in-progress', 'completed'],
      );
    });

    test("a status callback that beats Twilio's REST answer is kept: the call is found by our id", async () => {
      h.fake.earlyCallbacks = true;
      try {
        h.fake.script('+14155550171', { outcome: 'completed', talkMs: 5 });
        const res = await h.api('POST', '/api/calls', { to: '+14155550171' });
        assert.equal(res.status, 201);
        const sent = h.fake.calls.get(res.body.call_sid);
        assert.ok(sent);
        assert.equal(sent.callbacks[0]?.params.CallStatus, 'queued');
        assert.equal(sent.callbacks[0]?.status, 204);
        await h.fake.waitFor(() => sent.status === 'completed', 'the call to end');
        await h.fake.settled();
        const call = await callStatus(res.body.id);
        assert.equal(call.call_sid, sent.sid);
        assert.deepEqual(
          call.events
            .filter((e: { source: string }) => e.source === 'status-callback')
            .map((e: { status: string }) => e.status),
          ['queued', 'ringing', 'in-progress', 'completed'],
        );
      } finally {
        h.fake.earlyCallbacks = false;
      }
    });

    test("a provider error is recorded on the call and answered with Twilio's code", async () => {
      h.fake.script('+14155550112', {
        error: { status: 400, code: 21215, message: 'Geo Permission configuration is not permitting call' },
      });
      const res = await h.api('POST', '/api/calls', { to: '+14155550112' });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.type, 'VALIDATION_ERROR');
      assert.match(res.body.error.details, /21215/);
      const id = /recorded as call ([0-9a-f-]{36})/.exec(res.body.error.details)?.[1];
      assert.ok(id);
      const call = await callStatus(id);
      assert.equal(call.status, 'failed');
      assert.deepEqual(call.error, {
        code: 21215,
        message: 'Geo Permission configuration is not permitting call',
      });

      h.fake.script('+14155550113', { error: { status: 503, code: 20503, message: 'Service unavailable' } });
      const down = await h.api('POST', '/api/calls', { to: '+14155550113' });
      assert.equal(down.status, 500);
      assert.match(down.body.error.details, /20503/);
    });

    test('Idempotency-Key: a retried request never dials twice', async () => {
      const key = (k: string) => ({ 'idempotency-key': `${k}-${randomUUID()}` });
      h.fake.script('+14155550181', { outcome: 'completed', talkMs: 5 });
      const k1 = key('call');
      const first = await h.api('POST', '/api/calls', { to: '+14155550181' }, k1);
      assert.equal(first.status, 201);
      const retry = await h.api('POST', '/api/calls', { to: '+14155550181' }, k1);
      assert.equal(retry.status, 200);
      assert.equal(retry.body.id, first.body.id);
      assert.equal(h.fake.callsTo('+14155550181').length, 1);
      const other = await h.api('POST', '/api/calls', { to: '+14155550182' }, k1);
      assert.equal(other.status, 409);
      assert.equal(other.body.error.field, 'Idempotency-Key');

      // A refused call: the retry gets the failed call back, and Twilio is not asked again.
      h.fake.script('+14155550183', { error: { status: 400, code: 21215, message: 'Geo Permission' } });
      const k2 = key('refused');
      assert.equal((await h.api('POST', '/api/calls', { to: '+14155550183' }, k2)).status, 400);
      const again = await h.api('POST', '/api/calls', { to: '+14155550183' }, k2);
      assert.equal(again.status, 200);
      assert.equal(again.body.status, 'failed');
      assert.equal(again.body.error.code, 21215);
      assert.equal(h.fake.requests.filter((r) => r.params.To === '+14155550183').length, 1);

      const k3 = key('scheduled');
      const at = '2026-03-11T10:00:00Z';
      const scheduled = await h.api('POST', '/api/calls', { to: '+14155550184', at }, k3);
      assert.equal(scheduled.status, 202);
      const scheduledAgain = await h.api('POST', '/api/calls', { to: '+14155550184', at }, k3);
      assert.equal(scheduledAgain.status, 200);
      assert.equal(scheduledAgain.body.scheduled.id, scheduled.body.scheduled.id);
      const listed = (await h.api('GET', '/api/calls/scheduled')).body.scheduled;
      assert.equal(listed.filter((r: { to: string }) => r.to === '+14155550184').length, 1);
      await h.api('POST', `/api/calls/scheduled/${scheduled.body.scheduled.id}/cancel`);

      const k4 = key('campaign');
      const body = {
        name: 'Once',
        window: { start: '00:00', end: '23:59' },
        targets: [{ to: '+14155550185' }],
      };
      const campaign = await h.api('POST', '/api/campaigns', body, k4);
      assert.equal(campaign.status, 201);
      const campaignAgain = await h.api('POST', '/api/campaigns', body, k4);
      assert.equal(campaignAgain.status, 200);
      assert.equal(campaignAgain.body.id, campaign.body.id);
      const named = (await h.api('GET', '/api/campaigns')).body.campaigns.filter(
        (c: { name: string }) => c.name === 'Once',
      );
      assert.equal(named.length, 1);
      await h.api('POST', `/api/campaigns/${campaign.body.id}/cancel`);
    });

    test('bad input is refused with 400 and the field at fault', async () => {
      const cases: [unknown, string][] = [
        [{}, 'to'],
        [{ to: '12' }, 'to'],
        [{ to: '+14155550111', agent: 'nobody' }, 'agent'],
        [{ to: '+14155550111', colour: 'red' }, 'colour'],
        [{ to: '+14155550111', at: 'tomorrow' }, 'at'],
        [{ to: '+14155550111', at: '2020-01-01T10:00:00Z' }, 'at'],
        [{ to: '+14155550111', context: 'not an object' }, 'context'],
      ];
      for (const [body, field] of cases) {
        const res = await h.api('POST', '/api/calls', body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.error.type, 'VALIDATION_ERROR');
        assert.equal(res.body.error.field, field, JSON.stringify(res.body));
      }
      const bad = await h.api('PUT', '/api/agents/vm', { voicemail: 'message' });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.field, 'voicemail_message');
      assert.equal((await h.api('POST', `/api/calls/${randomUUID()}/hangup`)).status, 404);
      assert.equal((await h.api('POST', '/api/calls/not-a-uuid/transfer', {})).status, 404);
    });

    test("a machine gets the agent's message, then the call ends", async () => {
      const agent = await h.api('PUT', '/api/agents/sales', {
        greeting: 'Hi, this is Rooman',
        voicemail: 'message',
        voicemail_message: 'Sorry we missed you. Call us back on 415 555 0100.',
      });
      assert.equal(agent.status, 200, JSON.stringify(agent.body));
      h.fake.script('+14155550121', { outcome: 'answered', answeredBy: 'machine_end_beep' });
      const res = await h.api('POST', '/api/calls', { to: '+14155550121', agent: 'sales' });
      assert.equal(res.status, 201);
      const sent = h.fake.calls.get(res.body.call_sid);
      assert.ok(sent);
      assert.equal(sent.params.MachineDetection, 'DetectMessageEnd');
      assert.equal(sent.params.AsyncAmd, 'true');
      assert.equal(sent.params.AsyncAmdStatusCallback, `${h.url}/twilio/outbound/amd?call=${res.body.id}`);
      await h.fake.waitFor(() => sent.status === 'completed', 'the message to be left');
      const message = sent.twiml.at(-1) ?? '';
      assert.match(message, /<Say>Sorry we missed you\. Call us back on 415 555 0100\.<\/Say><Hangup\/>/);
      await h.fake.settled();
      const call = await callStatus(res.body.id);
      assert.equal(call.answered_by, 'machine_end_beep');
      assert.equal(call.status, 'completed');
    });

    test('an agent set to hang up on machines hangs up; a person keeps talking', async () => {
      await h.api('PUT', '/api/agents/brief', { voicemail: 'hangup' });
      h.fake.script('+14155550122', { outcome: 'answered', answeredBy: 'machine_start' });
      const machine = await h.api('POST', '/api/calls', { to: '+14155550122', agent: 'brief' });
      const sent = h.fake.calls.get(machine.body.call_sid);
      assert.ok(sent);
      assert.equal(sent.params.MachineDetection, 'Enable');
      await h.fake.waitFor(() => sent.status === 'completed', 'the hang-up');
      const update = h.fake.requests.find((r) => r.path.endsWith(`/Calls/${sent.sid}.json`));
      assert.equal(update?.params.Status, 'completed');
      assert.equal(sent.twiml.filter((t) => t.includes('<Say>')).length, 0, 'no message for this agent');

      h.fake.script('+14155550123', { outcome: 'answered', answeredBy: 'human' });
      const person = await h.api('POST', '/api/calls', { to: '+14155550123', agent: 'brief' });
      const human = h.fake.calls.get(person.body.call_sid);
      assert.ok(human);
      await h.fake.waitFor(() => human.callbacks.some((c) => c.url.includes('/amd')), 'the AMD verdict');
      assert.equal(human.status, 'in-progress');
      assert.equal((await callStatus(person.body.id)).answered_by, 'human');
      await h.api('POST', `/api/calls/${person.body.id}/hangup`);
    });

    test('hang up a live call from the API; hanging up again is a conflict', async () => {
      h.fake.script('+14155550131', { outcome: 'answered' });
      const res = await h.api('POST', '/api/calls', { to: '+14155550131' });
      const sent = h.fake.calls.get(res.body.call_sid);
      assert.ok(sent);
      await h.fake.waitFor(() => sent.status === 'in-progress', 'the answer');
      const hung = await h.api('POST', `/api/calls/${res.body.id}/hangup`);
      assert.equal(hung.status, 200, JSON.stringify(hung.body));
      assert.equal(sent.status, 'completed');
      await h.fake.settled();
      assert.equal((await callStatus(res.body.id)).status, 'completed');
      const again = await h.api('POST', `/api/calls/${res.body.id}/hangup`);
      assert.equal(again.status, 409);
      assert.equal(again.body.error.type, 'CONFLICT');
    });

    test("transfer an answered call to the agent's number or to a given one", async () => {
      await h.api('PUT', '/api/agents/desk', { voicemail: 'none', transfer_number: '+1 (212) 736-5000' });
      h.fake.script('+14155550141', { outcome: 'answered' });
      const res = await h.api('POST', '/api/calls', { to: '+14155550141', agent: 'desk' });
      const sent = h.fake.calls.get(res.body.call_sid);
      assert.ok(sent);
      await h.fake.waitFor(() => sent.status === 'in-progress', 'the answer');
      await h.fake.settled();
      const moved = await h.api('POST', `/api/calls/${res.body.id}/transfer`, {});
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.equal(moved.body.transferred_to, '+12127365000');
      await h.fake.waitFor(() => sent.dialed.length > 0, 'the transfer');
      assert.deepEqual(sent.dialed, ['+12127365000']);
      assert.match(sent.twiml.at(-1) ?? '', /<Dial>\+12127365000<\/Dial>/);

      h.fake.script('+14155550142', { outcome: 'answered' });
      const other = await h.api('POST', '/api/calls', { to: '+14155550142' });
      const second = h.fake.calls.get(other.body.call_sid);
      assert.ok(second);
      await h.fake.waitFor(() => second.status === 'in-progress', 'the answer');
      await h.fake.settled();
      const noNumber = await h.api('POST', `/api/calls/${other.body.id}/transfer`, {});
      assert.equal(noNumber.status, 400, 'the default agent has no transfer number');
      assert.equal(noNumber.body.error.field, 'to');
      const given = await h.api('POST', `/api/calls/${other.body.id}/transfer`, { to: '+44 20 7946 0958' });
      assert.equal(given.status, 200);
      await h.fake.waitFor(() => second.dialed.length > 0, 'the transfer');
      assert.deepEqual(second.dialed, ['+442079460958']);
      await h.api('POST', `/api/calls/${res.body.id}/hangup`);
      await h.api('POST', `/api/calls/${other.body.id}/hangup`);
    });

    test('live calls list their transcript so far', async () => {
      h.fake.script('+14155550151', { outcome: 'answered' });
      const res = await h.api('POST', '/api/calls', { to: '+14155550151' });
      const sent = h.fake.calls.get(res.body.call_sid);
      assert.ok(sent);
      await h.fake.waitFor(() => sent.status === 'in-progress', 'the answer');
      await h.fake.settled();
      const waiting = (await h.api('GET', '/api/calls?live=true')).body.calls.find(
        (c: { id: string }) => c.id === res.body.id,
      );
      assert.equal(waiting?.bridged, false, 'placed and answered, the stream not started yet');
      assert.deepEqual(waiting?.transcript, []);
      // What the media bridge does when it takes the call: a transcript session and a place in the live registry.
      const sessionId = randomUUID();
      const transcripts = new TranscriptRepository(database.db);
      await transcripts.startSession(h.org.id, sessionId, 'twilio', h.clock.now());
      await transcripts.append(h.org.id, sessionId, {
        seq: 1,
        turn: 1,
        role: 'agent',
        text: 'Hello, this is Rooman.',
        startedAt: h.clock.now(),
      });
      await transcripts.append(h.org.id, sessionId, {
        seq: 2,
        turn: 1,
        role: 'user',
        text: 'Hi, who is this?',
        startedAt: h.clock.now(),
      });
      await new CallRepository(database.db).markLive(
        h.org.id,
        res.body.id,
        { instanceId: 'other-instance', sessionId },
        h.clock.now(),
      );
      const live = await h.api('GET', '/api/calls?live=true');
      assert.equal(live.status, 200);
      const mine = live.body.calls.find((c: { id: string }) => c.id === res.body.id);
      assert.ok(mine, JSON.stringify(live.body));
      assert.equal(mine.status, 'in-progress');
      assert.equal(mine.bridged, true);
      assert.deepEqual(
        mine.transcript.map((e: { role: string; text: string }) => [e.role, e.text]),
        [
          ['agent', 'Hello, this is Rooman.'],
          ['user', 'Hi, who is this?'],
        ],
      );
      // Bridged by another instance, hung up from this one.
      assert.equal((await h.api('POST', `/api/calls/${res.body.id}/hangup`)).status, 200);
      assert.equal(sent.status, 'completed');
      await h.fake.settled();
      const after = (await h.api('GET', '/api/calls?live=true')).body.calls;
      assert.equal(after.filter((c: { id: string }) => c.id === res.body.id).length, 0);
    });

    test('Twilio callbacks without a valid signature are refused with 403 and change nothing', async () => {
      h.fake.script('+14155550161', { outcome: 'answered' });
      const res = await h.api('POST', '/api/calls', { to: '+14155550161' });
      const sid = res.body.call_sid as string;
      await h.fake.waitFor(() => h.fake.calls.get(sid)?.status === 'in-progress', 'the answer');
      await h.fake.settled();
      const params = { CallSid: sid, CallStatus: 'completed', AccountSid: h.fake.accountSid };
      const path = `/twilio/outbound/status?call=${res.body.id}`;
      const post = (signature: string | undefined) =>
        fetch(`${h.url}${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...(signature ? { 'x-twilio-signature': signature } : {}),
          },
          body: new URLSearchParams(params).toString(),
        });
      assert.equal((await post(undefined)).status, 403);
      assert.equal((await post(twilioSignature('wrong-token', `${h.url}${path}`, params))).status, 403);
      assert.equal((await callStatus(res.body.id)).status, 'in-progress');
      assert.equal((await post(twilioSignature(h.fake.authToken, `${h.url}${path}`, params))).status, 204);
      assert.equal((await callStatus(res.body.id)).status, 'completed');
      await h.fake.endCall(sid);
    });
  });
}
