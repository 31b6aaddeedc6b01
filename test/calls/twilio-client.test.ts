import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import twilio from 'twilio';
import {
  createTwilioClient,
  describeTwilioFailure,
  type TwilioClient,
  twilioError,
} from '../../src/integrations/twilio/client.ts';
import { FakeTwilioRestServer } from '../fakes/twilio-rest-server.ts';

/** Our side of the webhooks: answers TwiML, records what Twilio posted and whether the official validator agrees. */
class Webhooks {
  readonly received: { path: string; params: Record<string, string>; valid: boolean }[] = [];
  twiml =
    '<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://x/m"/></Connect></Response>';
  readonly server: Server;
  url = '';
  constructor(authToken: string) {
    this.server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const params = Object.fromEntries(new URLSearchParams(body));
      const url = `${this.url}${req.url}`;
      const valid = twilio.validateRequest(authToken, String(req.headers['x-twilio-signature']), url, params);
      this.received.push({ path: req.url ?? '', params, valid });
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      res.end(req.url?.startsWith('/voice') ? this.twiml : '');
    });
  }
  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

describe('Twilio client against the fake REST API', () => {
  let fake: FakeTwilioRestServer;
  let hooks: Webhooks;
  let client: TwilioClient;
  const from = '+14155550100';

  before(async () => {
    fake = await FakeTwilioRestServer.start();
    hooks = new Webhooks(fake.authToken);
    await hooks.start();
    client = createTwilioClient({
      accountSid: fake.accountSid,
      authToken: fake.authToken,
      apiBaseUrl: fake.url,
    });
  });
  after(async () => {
    await fake.close();
    await new Promise((r) => hooks.server.close(r));
  });

  test('creates a call with Basic auth and a form body; progress comes back signed', async () => {
    fake.script('+14155550111', { outcome: 'completed', talkMs: 10 });
    const call = await client.calls.create({
      to: '+14155550111',
      from,
      url: `${hooks.url}/voice?call=abc`,
      statusCallback: `${hooks.url}/status`,
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    assert.match(call.sid, /^CA[0-9a-f]{32}$/);
    assert.equal(call.status, 'queued');
    const request = fake.requests.at(-1);
    assert.equal(request?.authorized, true);
    assert.deepEqual(request?.params.StatusCallbackEvent, ['initiated', 'ringing', 'answered', 'completed']);
    await fake.waitFor(() => fake.calls.get(call.sid)?.status === 'completed', 'the call to end');
    await fake.settled();
    const statuses = hooks.received.filter((r) => r.path === '/status').map((r) => r.params.CallStatus);
    assert.deepEqual(statuses, ['queued', 'ringing', 'in-progress', 'completed']);
    assert.ok(
      hooks.received.every((r) => r.valid),
      'every webhook carries a valid X-Twilio-Signature',
    );
    const voice = hooks.received.find((r) => r.path === '/voice?call=abc');
    assert.equal(voice?.params.CallSid, call.sid);
    assert.equal(voice?.params.Direction, 'outbound-api');
    assert.equal(fake.calls.get(call.sid)?.twiml.length, 1);
    const fetched = await client.calls(call.sid).fetch();
    assert.equal(fetched.status, 'completed');
  });

  test('a bad To number is a Twilio 21211 error the SDK raises as a RestException', async () => {
    await assert.rejects(
      client.calls.create({ to: '12345', from, url: `${hooks.url}/voice` }),
      (error: unknown) => {
        const failure = describeTwilioFailure(error);
        assert.equal(failure.code, 21211);
        assert.equal(failure.status, 400);
        assert.equal(failure.retriable, false);
        assert.equal(twilioError(error, 'to').type, 'VALIDATION_ERROR');
        return true;
      },
    );
  });

  test('wrong credentials are refused with 20003', async () => {
    const bad = createTwilioClient({
      accountSid: fake.accountSid,
      authToken: 'not-the-token-0000000',
      apiBaseUrl: fake.url,
    });
    await assert.rejects(bad.calls.create({ to: '+14155550111', from, url: `${hooks.url}/voice` }), (e) => {
      assert.equal(describeTwilioFailure(e).code, 20003);
      assert.equal(twilioError(e).type, 'INTERNAL_ERROR');
      return true;
    });
  });

  test('scripted outcomes: busy, then answered by a machine with AMD', async () => {
    fake.script('+14155550122', { outcome: 'busy' }, { outcome: 'answered', answeredBy: 'machine_end_beep' });
    const first = await client.calls.create({
      to: '+14155550122',
      from,
      url: `${hooks.url}/voice`,
      statusCallback: `${hooks.url}/status2`,
    });
    await fake.waitFor(() => fake.calls.get(first.sid)?.status === 'busy', 'busy');
    const second = await client.calls.create({
      to: '+14155550122',
      from,
      url: `${hooks.url}/voice`,
      machineDetection: 'DetectMessageEnd',
      asyncAmd: 'true',
      asyncAmdStatusCallback: `${hooks.url}/amd`,
    });
    await fake.waitFor(() => hooks.received.some((r) => r.path === '/amd'), 'the AMD callback');
    const amd = hooks.received.find((r) => r.path === '/amd');
    assert.equal(amd?.params.AnsweredBy, 'machine_end_beep');
    assert.equal(amd?.params.CallSid, second.sid);
    assert.equal(amd?.valid, true);
    // Leave a message over the live call, then it ends.
    await client.calls(second.sid).update({ twiml: '<Response><Say>Call us back</Say><Hangup/></Response>' });
    await fake.waitFor(
      () => fake.calls.get(second.sid)?.status === 'completed',
      'the message to end the call',
    );
    const final = hooks.received.filter((r) => r.path === '/status2').at(-1);
    assert.equal(final?.params.CallStatus, 'busy');
  });

  test('hang up and transfer a live call; updating an ended call is 21220', async () => {
    fake.script('+14155550133', { outcome: 'answered' });
    const a = await client.calls.create({ to: '+14155550133', from, url: `${hooks.url}/voice` });
    const b = await client.calls.create({ to: '+14155550133', from, url: `${hooks.url}/voice` });
    // `active` counts ringing calls too; hanging up a ringing call cancels it, so wait until both are answered.
    const answered = (sid: string) => fake.calls.get(sid)?.status === 'in-progress';
    await fake.waitFor(() => answered(a.sid) && answered(b.sid), 'both calls answered');
    await client.calls(a.sid).update({ status: 'completed' });
    assert.equal(fake.calls.get(a.sid)?.status, 'completed');
    await client.calls(b.sid).update({ twiml: '<Response><Dial>+14155550199</Dial></Response>' });
    await fake.waitFor(() => (fake.calls.get(b.sid)?.dialed.length ?? 0) > 0, 'the transfer');
    assert.deepEqual(fake.calls.get(b.sid)?.dialed, ['+14155550199']);
    assert.equal(fake.calls.get(b.sid)?.status, 'in-progress');
    await assert.rejects(client.calls(a.sid).update({ status: 'completed' }), (e) => {
      assert.equal(describeTwilioFailure(e).code, 21220);
      return true;
    });
    await client.calls(b.sid).update({ status: 'completed' });
  });

  test('sends an SMS and reports delivery', async () => {
    const message = await client.messages.create({
      to: '+14155550144',
      from,
      body: 'Your visit is at 5 pm',
      statusCallback: `${hooks.url}/sms`,
    });
    assert.match(message.sid, /^SM[0-9a-f]{32}$/);
    await fake.waitFor(() => fake.messages.get(message.sid)?.status === 'delivered', 'delivery');
    await fake.settled();
    const statuses = hooks.received.filter((r) => r.path === '/sms').map((r) => r.params.MessageStatus);
    assert.deepEqual(statuses, ['sent', 'delivered']);
    await assert.rejects(client.messages.create({ to: 'nope', from, body: 'x' }), (e) => {
      assert.equal(describeTwilioFailure(e).code, 21211);
      return true;
    });
  });
});
