/**
 * The Twilio webhooks and the media stream's handshake and bad input, through the whole server: signatures checked
 * with the official package (403 and a log line when wrong), TwiML, call records and status callbacks, the live
 * registry, and a malformed or out-of-order stream ending only its own call with its transcript kept.
 * No speech model here: keypad turns (DTMF) drive the calls; replies are spoken (eSpeak) and played by the fake.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import twilio from 'twilio';
import { CallRepository, PhoneNumberRepository } from '../../../src/store/calls.ts';
import { sid } from '../../fakes/twilio-media-client.ts';
import { createTestOrg } from '../../helpers/db.ts';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  type PhoneServer,
  PUBLIC_URL,
  startPhoneServer,
  upgradeStatus,
} from './harness.ts';

let server: PhoneServer;
let calls: CallRepository;

before(async () => {
  server = await startPhoneServer();
  calls = new CallRepository(server.rooman.database.db);
});
after(() => server.close());

const transcriptOf = async (orgId: string, sessionId: string) =>
  (await server.rooman.database.db
    .selectFrom('transcript_entries' as never)
    .selectAll()
    .where('org_id' as never, '=', orgId as never)
    .where('session_id' as never, '=', sessionId as never)
    .orderBy('seq' as never)
    .execute()) as unknown as Array<{
    role: string;
    text: string;
    interrupted: boolean;
    played_text: string | null;
  }>;

describe('signatures', () => {
  test('the official package reproduces the reference vector (protocols.md §2.9)', () => {
    const params = {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+14158675309',
      Digits: '1234',
      From: '+14158675309',
      To: '+18005551212',
    };
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    assert.equal(twilio.getExpectedTwilioSignature('12345', url, params), 'RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  test('unsigned, wrongly signed, tampered or other-URL webhooks are refused with 403, logged, and change nothing', async () => {
    const callSid = sid('CA');
    const form = {
      CallSid: callSid,
      AccountSid: ACCOUNT_SID,
      From: '+14155550100',
      To: '+14155550199',
      CallStatus: 'ringing',
    };
    const attempts: Array<[string, Response]> = [
      ['unsigned', await server.post('/twilio/voice', form, { signature: null })],
      ['other token', await server.post('/twilio/voice', form, { token: 'not-the-token' })],
      ['local URL', await server.post('/twilio/voice', form, { url: `${server.base}/twilio/voice` })],
      ['garbage', await server.post('/twilio/voice', form, { signature: 'abc=' })],
    ];
    const signedForOther = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}/twilio/voice`, {
      ...form,
      From: '+19999999999',
    });
    attempts.push(['tampered', await server.post('/twilio/voice', form, { signature: signedForOther })]);
    attempts.push([
      'status unsigned',
      await server.post('/twilio/status', { ...form, CallStatus: 'completed' }, { signature: null }),
    ]);
    for (const [what, response] of attempts) {
      assert.equal(response.status, 403, what);
      const body = (await response.json()) as { error: { type: string; details: string } };
      assert.match(body.error.details, /X-Twilio-Signature/, what);
    }
    assert.equal(await calls.findBySid(callSid), undefined, 'a refused webhook created a call');
    const refusals = server.lines.filter((l) => /X-Twilio-Signature missing or wrong/.test(l.msg));
    assert.ok(refusals.length >= attempts.length, `only ${refusals.length} refusals logged`);
    assert.equal(refusals[0]!.signed, false);
  });

  test('the media WebSocket upgrade needs a signature over the public wss:// URL', async () => {
    const good = twilio.getExpectedTwilioSignature(AUTH_TOKEN, 'wss://rooman.test/twilio/media', {});
    const overHttps = twilio.getExpectedTwilioSignature(AUTH_TOKEN, 'https://rooman.test/twilio/media', {});
    assert.equal(await upgradeStatus(server.base, '/twilio/media', {}), 403);
    assert.equal(await upgradeStatus(server.base, '/twilio/media', { 'x-twilio-signature': overHttps }), 403);
    assert.equal(await upgradeStatus(server.base, '/twilio/media', { 'x-twilio-signature': good }), 101);
  });
});

describe('voice webhook and status callbacks', () => {
  test('an inbound call is recorded and answered with <Connect><Stream> to the public wss URL', async () => {
    const { callSid, twiml, parameters } = await server.answer();
    assert.match(
      twiml,
      /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Connect><Stream url="wss:\/\/rooman.test\/twilio\/media">/,
    );
    const call = await calls.findBySid(callSid);
    assert.ok(call);
    assert.deepEqual(parameters, { call_id: call.id, org_id: server.rooman.defaultOrg.id, agent: 'default' });
    assert.equal(call.direction, 'inbound');
    assert.equal(call.status, 'ringing');
    assert.equal(call.from, '+14155550100');
    assert.equal(call.to, '+14155550199');
    // Twilio retries a webhook that timed out: the same call, not a second one.
    const again = await server.answer({ CallSid: callSid });
    assert.equal(again.parameters.call_id, call.id);
  });

  test('a number routed to an organisation and agent answers as them', async () => {
    const org = await createTestOrg(server.rooman.database.db);
    await new PhoneNumberRepository(server.rooman.database.db).assign(org.id, '+14155550777', 'sales');
    const { parameters } = await server.answer({ To: '+14155550777' });
    assert.equal(parameters.org_id, org.id);
    assert.equal(parameters.agent, 'sales');
  });

  test('status callbacks out of order: every one kept, the status only moves forward, 204', async () => {
    const { callSid, parameters } = await server.answer();
    const status = (CallStatus: string, SequenceNumber: string, extra: Record<string, string> = {}) =>
      server.post('/twilio/status', {
        CallSid: callSid,
        AccountSid: ACCOUNT_SID,
        CallStatus,
        SequenceNumber,
        CallbackSource: 'call-progress-events',
        Timestamp: 'Sat, 21 Nov 2026 10:00:0' + SequenceNumber + ' +0000',
        ...extra,
      });
    assert.equal((await status('completed', '2', { CallDuration: '42' })).status, 204);
    assert.equal((await status('in-progress', '1')).status, 204);
    const call = await calls.findById(parameters.org_id!, parameters.call_id!);
    assert.equal(call?.status, 'completed');
    assert.equal(call?.durationSeconds, 42);
    assert.deepEqual(call?.endedAt, new Date('2026-11-21T10:00:02Z'));
    const events = await calls.events(call!.orgId, call!.id);
    assert.deepEqual(
      events.map((e) => [e.source, e.status, e.sequenceNumber]),
      [
        ['created', 'ringing', null],
        ['voice-webhook', 'ringing', null],
        ['status-callback', 'completed', 2],
        ['status-callback', 'in-progress', 1],
      ],
    );
    const bad = await status('exploded', '3');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { field: string } }).error.field, 'CallStatus');
    // A callback for a call we never saw is answered (Twilio would only retry it) and changes nothing.
    const unknown = await server.post('/twilio/status', {
      CallSid: sid('CA'),
      AccountSid: ACCOUNT_SID,
      CallStatus: 'completed',
    });
    assert.equal(unknown.status, 204);
  });
});

describe('media stream', () => {
  test('keypad turn, spoken reply paced in 20 ms frames, marks echoed, live while streaming, ended by stop', async () => {
    const { parameters, callSid } = await server.answer();
    const client = server.stream(parameters, { callSid });
    await client.connect();
    client.begin();
    // Live in the registry with its transcript's session once the stream started.
    const live = await waitFor(async () => {
      const rows = await calls.listLive(parameters.org_id!);
      return rows.find((r) => r.id === parameters.call_id && r.sessionId);
    }, 'the call in the live registry');
    assert.equal(live.status, 'in-progress');
    assert.equal(live.streamSid, client.streamSid);
    for (const key of ['4', '2', '#']) client.dtmf(key);
    await client.until(() => client.receivedAudioMs() > 1000, 'a second of spoken reply');
    await client.until(
      () => client.echoedMarks.some((m) => m.how === 'played'),
      'a mark echoed after playing',
    );
    assert.deepEqual(client.problems, []);
    // Frames are whole 20 ms µ-law frames.
    for (const m of client.events('media')) {
      const payload = (JSON.parse(m.raw) as { media: { payload: string } }).media.payload;
      assert.equal(Buffer.from(payload, 'base64').length, 160);
    }
    // Paced: a second of audio takes about a second to arrive (a dump would arrive at once).
    const arrivals = client.mediaArrivals;
    const span = arrivals[49]! - arrivals[0]!;
    assert.ok(span > 800, `50 frames arrived within ${Math.round(span)} ms: not paced`);
    client.stop();
    const closed = await client.closedWith();
    assert.equal(closed.code, 1000);
    const ended = await waitFor(async () => {
      const row = await calls.findById(parameters.org_id!, parameters.call_id!);
      return row?.endedAt ? row : undefined;
    }, 'the call ended');
    assert.equal(ended.heartbeatAt, null);
    assert.equal(ended.error, null);
    const entries = await transcriptOf(ended.orgId, ended.sessionId!);
    assert.deepEqual(entries[0] && [entries[0].role, entries[0].text], ['user', '42']);
    assert.equal(entries[1]?.role, 'agent');
  });

  test('keys pressed over the reply: `clear` sent, pending marks come back unplayed, the transcript keeps what was heard', async () => {
    const { parameters, callSid } = await server.answer();
    const client = server.stream(parameters, { callSid });
    await client.connect();
    client.begin();
    client.dtmf('7');
    client.dtmf('#');
    // Past a filler ("Let me check that.", when the reply is slow) and into the reply.
    await client.until(() => client.receivedAudioMs() > 3000, 'the reply playing');
    client.dtmf('9');
    client.dtmf('#');
    await client.until(() => client.clears.length > 0, 'a clear');
    // Every mark sent before the clear comes back: played, or flushed unplayed by the clear. (Whether one is still
    // pending at that instant depends on where in its 100 ms the clear falls, so that is not asserted.)
    const clearedAt = client.clears[0]!;
    const sentBefore = client.received
      .filter((m) => m.event === 'mark' && m.at <= clearedAt)
      .map((m) => (JSON.parse(m.raw) as { mark: { name: string } }).mark.name);
    assert.ok(sentBefore.length > 0, 'no marks before the clear');
    const echoed = new Set(client.echoedMarks.map((m) => m.name));
    assert.deepEqual(
      sentBefore.filter((name) => !echoed.has(name)),
      [],
      'marks sent before the clear that never came back',
    );
    assert.ok(client.droppedBytes > 0, 'the clear dropped nothing');
    client.stop();
    await client.closedWith();
    const row = await waitFor(async () => {
      const r = await calls.findById(parameters.org_id!, parameters.call_id!);
      return r?.endedAt ? r : undefined;
    }, 'the call ended');
    const entries = await transcriptOf(row.orgId, row.sessionId!);
    const cut = entries.find((e) => e.role === 'agent' && e.interrupted);
    assert.ok(cut, `no interrupted reply in ${JSON.stringify(entries)}`);
    assert.ok(
      cut.played_text !== null && cut.played_text.length < cut.text.length,
      'played text is not a part',
    );
    // Heard ≈ played by the fake: more than nothing, since seconds had played.
    assert.ok(
      (cut.played_text ?? '').split(' ').length >= 2,
      `heard only "${cut.played_text}" of ${JSON.stringify(entries)}; received ${client.receivedAudioMs()} ms, played ${client.playedBytes / 8} ms`,
    );
  });

  for (const [what, inject] of [
    ['a message that is not JSON', (c: Client) => c.sendRaw('{nope')],
    ['a binary frame', (c: Client) => c.sendRaw(new Uint8Array([1, 2, 3]))],
    [
      'a mark without a name',
      (c: Client) =>
        c.sendJson({ event: 'mark', sequenceNumber: c.nextSequence(), streamSid: c.streamSid, mark: {} }),
    ],
    [
      'a sequence number going back',
      (c: Client) =>
        c.sendJson({ event: 'dtmf', sequenceNumber: '1', streamSid: c.streamSid, dtmf: { digit: '1' } }),
    ],
    [
      'another stream’s media',
      (c: Client) =>
        c.sendJson({
          event: 'media',
          sequenceNumber: c.nextSequence(),
          streamSid: sid('MZ'),
          media: { payload: '//8=' },
        }),
    ],
    ['a second start', (c: Client) => c.begin({ connected: false })],
    [
      'audio much faster than real time (12 s at once)',
      (c: Client) => {
        const payload = Buffer.alloc(160, 0xff).toString('base64');
        for (let i = 0; i < 600; i++)
          c.sendJson({
            event: 'media',
            sequenceNumber: c.nextSequence(),
            streamSid: c.streamSid,
            media: { track: 'inbound', payload },
          });
      },
    ],
  ] as const) {
    test(`${what} ends that call only (1008, error recorded, transcript kept)`, async () => {
      const [bad, good] = await Promise.all([server.answer(), server.answer()]);
      const badClient = server.stream(bad.parameters, { callSid: bad.callSid });
      const goodClient = server.stream(good.parameters, { callSid: good.callSid });
      await Promise.all([badClient.connect(), goodClient.connect()]);
      badClient.begin();
      goodClient.begin();
      badClient.dtmf('5');
      badClient.dtmf('#');
      await badClient.until(() => badClient.receivedAudioMs() > 200, 'the bad call answered');
      inject(badClient);
      const closed = await badClient.closedWith();
      assert.equal(closed.code, 1008);
      const row = await waitFor(async () => {
        const r = await calls.findById(bad.parameters.org_id!, bad.parameters.call_id!);
        return r?.endedAt ? r : undefined;
      }, 'the bad call ended');
      assert.equal((row.error as { code: string }).code, 'media_protocol');
      const entries = await transcriptOf(row.orgId, row.sessionId!);
      assert.equal(entries[0]?.text, '5', 'transcript lost');
      // The other call goes on.
      goodClient.dtmf('6');
      goodClient.dtmf('#');
      await goodClient.until(() => goodClient.receivedAudioMs() > 200, 'the other call still answered');
      assert.equal(goodClient.closed, null);
      goodClient.stop();
      await goodClient.closedWith();
    });
  }

  test('media before start ends the stream (1008) without a call', async () => {
    const { parameters, callSid } = await server.answer();
    const client = server.stream(parameters, { callSid });
    await client.connect();
    client.sendJson({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    client.sendJson({
      event: 'media',
      sequenceNumber: '1',
      streamSid: client.streamSid,
      media: { payload: '//8=' },
    });
    assert.equal((await client.closedWith()).code, 1008);
  });

  test('a stream naming an unknown call or another call sid is refused (1008)', async () => {
    const { parameters, callSid } = await server.answer();
    const other = server.stream(parameters, { callSid: sid('CA') });
    await other.connect();
    other.begin();
    assert.equal((await other.closedWith()).code, 1008);
    const unknown = server.stream(
      { ...parameters, call_id: '00000000-0000-4000-8000-000000000000' },
      { callSid },
    );
    await unknown.connect();
    unknown.begin();
    assert.equal((await unknown.closedWith()).code, 1008);
  });
});

type Client = ReturnType<PhoneServer['stream']>;

async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
