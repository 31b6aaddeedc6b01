/**
 * A phone call with real speech, end to end: the fake Twilio plays festival's voice as 8 kHz µ-law in 20 ms frames at
 * real time into /twilio/media; the server recognizes it (sherpa 3.3M from ROOMAN_MODELS_DIR), the brain creates the
 * lead in the CRM, the reply comes back as paced µ-law frames with marks; speech over a reply brings a `clear`.
 * The recognizer is weak (WER ≈ 0.2–0.3): assertions are on what it gets right (the phone number).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { mulawEncode } from '../../../src/audio/g711.ts';
import { resample } from '../../../src/audio/resampler.ts';
import { festivalSpeech, rms, SHARED_MODELS } from '../../speech/fixtures.ts';
import { type PhoneServer, startPhoneServer } from './harness.ts';

let server: PhoneServer;

before(async () => {
  server = await startPhoneServer({ modelsDir: SHARED_MODELS });
});
after(() => server.close());

/** What a phone line carries: 8 kHz µ-law. */
const telephone = (samples16k: Int16Array): Uint8Array => mulawEncode(resample(samples16k, 16_000, 8_000));

test('spoken request over the phone: the lead is created, the reply is spoken back; speech over a reply clears it', async () => {
  const [request, city, interruption] = await Promise.all([
    festivalSpeech(
      'add a new lead rohan sharma from mumbai phone nine eight seven six five four three two one zero',
    ),
    festivalSpeech('mumbai'),
    festivalSpeech('no wait cancel my meeting on friday'),
  ]);
  const { callSid, parameters } = await server.answer();
  const client = server.stream(parameters, { callSid });
  await client.connect();
  client.begin();
  try {
    await client.say(telephone(request));
    const speechEnd = performance.now();
    // The lead, in the organisation the number belongs to.
    const said = async () => {
      const { rows } = await sql<{ role: string; text: string }>`
        select e.role, e.text from calls c join transcript_entries e on e.session_id = c.session_id
        where c.id = ${parameters.call_id!} order by e.seq`.execute(server.rooman.database.db);
      return rows;
    };
    let lead: { name: string; phone: string } | undefined;
    let answeredCity = false;
    for (const deadline = Date.now() + 30_000; !lead && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 200));
      const page = await server.rooman.crm.listLeads(parameters.org_id!, {});
      lead = page.items.find((l) => l.phone.endsWith('9876543210'));
      // The recognizer may miss the city: the agent then asks for it, and the caller answers.
      const last = (await said()).at(-1);
      if (!lead && !answeredCity && last?.role === 'agent' && /which city/i.test(last.text)) {
        answeredCity = true;
        await client.say(telephone(city));
      }
    }
    if (!lead)
      assert.fail(`no lead with the spoken phone number; the call said ${JSON.stringify(await said())}`);
    await client.until(() => client.receivedAudioMs() > 1000, 'the spoken reply');
    const firstAudio = client.mediaArrivals[0]!;
    const reply = client.receivedPcm();
    assert.ok(rms(reply) > 300, `the reply is silent (rms ${Math.round(rms(reply))})`);
    await client.until(() => client.echoedMarks.some((m) => m.how === 'played'), 'a played mark');
    console.log(
      `# phone: end of the caller's speech → first reply frame ${Math.round(firstAudio - speechEnd)} ms; lead ${lead.name} ${lead.phone}`,
    );

    // A long reply (the keypad entry is not understood), then the caller talks over it.
    const before = client.receivedAudioMs();
    client.dtmf('1');
    client.dtmf('#');
    await client.until(() => client.receivedAudioMs() > before + 1500, 'the long reply playing');
    const clearsBefore = client.clears.length;
    const bargeAt = await client.say(telephone(interruption.subarray(0, 16_000)));
    const clearAt = await client.until(() => client.clears[clearsBefore], 'a clear', 5000);
    console.log(`# phone barge-in: speech start → clear ${Math.round(clearAt - bargeAt)} ms`);
    assert.ok(clearAt >= bargeAt, 'the clear came before the caller spoke');
    assert.ok(client.echoedMarks.some((m) => m.how === 'cleared') || client.droppedBytes > 0);
    assert.deepEqual(client.problems, []);
  } catch (error) {
    for (const line of server.lines)
      if (line.level >= 40) console.log(`# server: ${JSON.stringify(line).slice(0, 300)}`);
    throw error;
  } finally {
    client.stop();
    await client.closedWith();
  }
});
