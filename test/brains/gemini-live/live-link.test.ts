/**
 * The Gemini Live link through the real @google/genai SDK against the protocol-faithful fake server: what setup
 * carries, what comes back, and staying alive across sockets (goAway, drops, a forgotten handle, timeouts).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import {
  GeminiLiveBrain,
  type GeminiLiveOptions,
} from '../../../src/brains/gemini-live/gemini-live-brain.ts';
import type { GeminiLiveLink } from '../../../src/brains/gemini-live/live-link.ts';
import type { RealtimeCall } from '../../../src/session/realtime-brain.ts';
import { crmTools } from '../../../src/tools/crm-tools.ts';
import { FakeGeminiLive, loadLiveScenario } from '../../fakes/gemini-live-server.ts';
import { callerAudio, Recorder } from './recorder.ts';

const call: RealtimeCall = {
  sessionId: 'test-session',
  orgId: 'test-org',
  timeZone: 'Asia/Kolkata',
  now: new Date('2026-11-21T10:00:00Z'),
  tools: crmTools().declarations(),
};

/** The value at `path` inside a recorded (untyped) setup message. */
const at = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], value);
const voiceOf = (setup: unknown) =>
  at(setup, 'generationConfig', 'speechConfig', 'voiceConfig', 'prebuiltVoiceConfig', 'voiceName');
type Declaration = { name: string; behavior?: string; parametersJsonSchema: { required?: string[] } };
const declarationsOf = (setup: Record<string, unknown>) =>
  (setup.tools as Array<{ functionDeclarations: Declaration[] }>)[0]!.functionDeclarations;

let fake: FakeGeminiLive | undefined;
let links: GeminiLiveLink[] = [];

afterEach(async () => {
  for (const link of links) await link.close();
  links = [];
  await fake?.close();
  fake = undefined;
});

async function open(scenario: string, options: Partial<GeminiLiveOptions> = {}, textFrames = false) {
  fake = await FakeGeminiLive.start({ scenario: await loadLiveScenario(scenario), textFrames });
  const brain = new GeminiLiveBrain({ apiKey: 'TEST_KEY', baseUrl: fake.baseUrl, ...options });
  const recorder = new Recorder();
  const link = (await brain.open(call, recorder.handlers)) as GeminiLiveLink;
  links.push(link);
  return { fake, recorder, link, brain };
}

/** Streams `ms` of caller audio in 20 ms frames. */
function speak(link: GeminiLiveLink, ms: number): void {
  for (let t = 0; t < ms; t += 20) link.sendAudio(callerAudio(20));
}

describe('Gemini Live link: setup and a turn', () => {
  it('sends the setup the product needs and reports audio and both transcriptions', async () => {
    const { fake, recorder, link } = await open('spoken-turn');
    const setup = fake.connections[0]!.setup!;
    assert.equal(fake.connections[0]!.apiVersion, 'v1beta');
    assert.equal(fake.connections[0]!.key, 'TEST_KEY');
    assert.ok(
      fake.connections[0]!.path.startsWith('//ws/'),
      'the SDK path starts with // (normalised by the fake)',
    );
    assert.equal(setup.model, 'models/gemini-2.5-flash-native-audio-preview-12-2025');
    assert.deepEqual(at(setup, 'generationConfig', 'responseModalities'), ['AUDIO']);
    assert.equal(voiceOf(setup), 'Zephyr');
    assert.deepEqual(setup.inputAudioTranscription, {});
    assert.deepEqual(setup.outputAudioTranscription, {});
    assert.deepEqual(setup.sessionResumption, {});
    assert.deepEqual(setup.contextWindowCompression, {
      triggerTokens: '32000',
      slidingWindow: { targetTokens: '16000' },
    });
    const instruction = JSON.stringify(setup.systemInstruction);
    for (const rule of [
      'digit by digit',
      'ISO-8601',
      'Asia/Kolkata',
      '2026-11-21T15:30:00+05:30',
      'says yes',
      'lead reference',
    ])
      assert.ok(instruction.includes(rule), `system instruction lacks "${rule}"`);
    const declarations = declarationsOf(setup);
    const byName = new Map(declarations.map((d) => [d.name, d]));
    assert.deepEqual([...byName.keys()].sort(), [
      'createLead',
      'findLeads',
      'scheduleVisit',
      'updateLeadStatus',
    ]);
    assert.equal(byName.get('createLead')!.behavior, 'NON_BLOCKING');
    assert.equal(byName.get('findLeads')!.behavior, 'BLOCKING');
    assert.deepEqual(byName.get('createLead')!.parametersJsonSchema.required, ['name', 'phone', 'city']);

    speak(link, 300);
    await recorder.until('turnComplete');
    assert.deepEqual(
      recorder
        .of('input')
        .map((r) => r.text)
        .join(''),
      'Do you have flats in Pune?',
    );
    assert.equal(
      recorder
        .of('output')
        .map((r) => r.text)
        .join(''),
      'Yes, we have several in Pune.',
    );
    const audio = recorder.of('audio');
    assert.ok(audio.every((a) => a.sampleRate === 24_000));
    assert.equal(
      audio.reduce((n, a) => n + a.samples, 0),
      24_000 * 0.4,
    );
    // The caller's audio arrived as the protocol wants it (mime type, even chunks, one field per message).
    assert.ok(fake.connections[0]!.audioBytes >= 300 * 32);
    assert.deepEqual(fake.problems, []);
    assert.equal(link.handle, 'handle-spoken-2');
  });

  it('reads text frames as well as the real server binary frames', async () => {
    const { recorder, link } = await open('spoken-turn', {}, true);
    speak(link, 300);
    await recorder.until('turnComplete');
    assert.equal(
      recorder
        .of('output')
        .map((r) => r.text)
        .join(''),
      'Yes, we have several in Pune.',
    );
  });

  it('declares every tool blocking for a model without asynchronous calls, with the voice asked for', async () => {
    const { fake } = await open('spoken-turn', { model: 'gemini-3.1-flash-live-preview', voice: 'Kore' });
    const setup = fake.connections[0]!.setup!;
    assert.equal(setup.model, 'models/gemini-3.1-flash-live-preview');
    assert.ok(declarationsOf(setup).every((d) => d.behavior === undefined));
    assert.equal(voiceOf(setup), 'Kore');
  });
});

describe('the fake server itself', () => {
  it('answers in binary frames of pretty-printed JSON, as the real server does', async () => {
    fake = await FakeGeminiLive.start({ scenario: await loadLiveScenario('spoken-turn') });
    const ws = new WebSocket(
      `${fake.baseUrl.replace('http', 'ws')}//ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent?key=TEST_KEY`,
    );
    const frames: Array<{ data: Buffer; isBinary: boolean }> = [];
    ws.on('message', (data: Buffer, isBinary) => frames.push({ data, isBinary }));
    await once(ws, 'open');
    ws.send(JSON.stringify({ setup: { model: 'models/gemini-2.5-flash-native-audio-preview-12-2025' } }));
    await once(ws, 'message');
    assert.equal(frames[0]!.isBinary, true);
    assert.equal(frames[0]!.data.toString('utf8'), '{\n  "setupComplete": {}\n}\n');
    // A realtimeInput with two fields and the wrong rate is noted as a breach of the protocol.
    ws.send(
      JSON.stringify({
        realtimeInput: { text: 'hi', audio: { data: 'AAA=', mimeType: 'audio/pcm;rate=8000' } },
      }),
    );
    await fake.until(() => fake!.problems.length >= 2, 'the problems');
    assert.match(fake.problems.join('\n'), /realtimeInput with fields text,audio/);
    assert.match(fake.problems.join('\n'), /audio mimeType audio\/pcm;rate=8000/);
    ws.close();
  });
});

describe('Gemini Live link: failures to connect', () => {
  it('a refused key, an unknown model and a server that never completes setup each reject open()', async () => {
    fake = await FakeGeminiLive.start({ scenario: await loadLiveScenario('spoken-turn') });
    const recorder = new Recorder();
    await assert.rejects(
      new GeminiLiveBrain({ apiKey: 'WRONG', baseUrl: fake.baseUrl }).open(call, recorder.handlers),
      /code 1007.*API key not valid/,
    );
    await assert.rejects(
      new GeminiLiveBrain({
        apiKey: 'TEST_KEY',
        baseUrl: fake.baseUrl,
        model: 'gemini-live-2.5-flash-preview',
      }).open(call, recorder.handlers),
      /code 1008.*not found/,
    );
    await fake.close();
    fake = await FakeGeminiLive.start({ scenario: await loadLiveScenario('setup-never-completes') });
    const started = performance.now();
    await assert.rejects(
      new GeminiLiveBrain({ apiKey: 'TEST_KEY', baseUrl: fake.baseUrl, connectTimeoutMs: 300 }).open(
        call,
        recorder.handlers,
      ),
      /did not finish setup within 300 ms/,
    );
    assert.ok(performance.now() - started < 5_000);
    // The given-up socket is closed by the client.
    await fake.until(() => fake!.connections[0]?.closed, 'the timed-out socket to close');
  });

  it('refuses an upgrade on a path that is not the Live endpoint (the SDK sees no setup)', async () => {
    fake = await FakeGeminiLive.start({ scenario: await loadLiveScenario('spoken-turn') });
    await assert.rejects(
      new GeminiLiveBrain({
        apiKey: 'TEST_KEY',
        baseUrl: `${fake.baseUrl}/not-gemini/x`,
        apiVersion: 'v9',
      }).open(call, new Recorder().handlers),
      /before setup completed/,
    );
    assert.equal(fake.connections.length, 0);
  });
});

describe('Gemini Live link: staying alive', () => {
  it('a greeting is asked for once, right after the first setup, and never again on a resumed socket', async () => {
    const greeting = 'Hello, this is Rooman from Skyline Homes.';
    fake = await FakeGeminiLive.start({
      scenario: {
        description: 'the model greets when asked; a goAway later moves the call to a resumed socket',
        connections: [
          [
            { waitText: true },
            { outputTranscription: greeting },
            { audio: { ms: 100 } },
            { turnComplete: true },
            { resumptionUpdate: { handle: 'handle-greeted-1' } },
            { goAway: '50s' },
            { waitClose: true },
          ],
          [
            { waitAudio: 100 },
            { inputTranscription: 'Hi.' },
            { outputTranscription: 'How can I help?' },
            { audio: { ms: 60 } },
            { turnComplete: true },
            { waitClose: true },
          ],
        ],
      },
    });
    const brain = new GeminiLiveBrain({ apiKey: 'TEST_KEY', baseUrl: fake.baseUrl });
    const recorder = new Recorder();
    const link = (await brain.open(
      { ...call, greeting, call: { channel: 'twilio', direction: 'inbound', from: '+919812345678' } },
      recorder.handlers,
    )) as GeminiLiveLink;
    links.push(link);
    await recorder.until('reconnected');
    speak(link, 100);
    await recorder.until('turnComplete', 2);
    const [first, second] = fake.connections;
    assert.equal(first!.texts.length, 1);
    assert.ok(first!.texts[0]!.includes(greeting));
    assert.ok(
      'clientContent' in first!.messages.find((m) => !('setup' in m))!,
      'the greeting turn came first',
    );
    assert.equal(second!.resumedHandle, 'handle-greeted-1');
    assert.deepEqual(second!.texts, [], 'a resumed call is not greeted again');
    assert.match(JSON.stringify(first!.setup!.systemInstruction), /from \+919812345678/);
    assert.deepEqual(
      recorder.of('output').map((o) => o.text),
      [greeting, 'How can I help?'],
    );
    assert.deepEqual(fake.problems, []);
  });

  it('on goAway resumes on a new socket with the last handle; caller audio sent meanwhile arrives there', async () => {
    const { fake, recorder, link } = await open('go-away');
    speak(link, 100);
    await recorder.until('reconnecting');
    // Audio and typed text while the socket is being switched are kept, not lost.
    speak(link, 200);
    link.sendText('still there?');
    await recorder.until('reconnected');
    speak(link, 100);
    await recorder.until('turnComplete');
    const [first, second] = fake.connections;
    assert.equal(second!.resumedHandle, 'handle-goaway-1');
    assert.deepEqual((second!.setup!.sessionResumption as { handle: string }).handle, 'handle-goaway-1');
    assert.equal(first!.closed?.by, 'client', 'the old socket is closed by the client before resuming');
    assert.ok(first!.closed && second!.openedAt >= 0);
    assert.equal(
      first!.audioBytes + second!.audioBytes,
      400 * 32,
      'every byte of caller audio reached the model',
    );
    assert.deepEqual(second!.texts, ['still there?']);
    const reconnected = recorder.of('reconnected')[0]!;
    assert.equal(reconnected.resumed, true);
    assert.equal(recorder.of('output')[0]!.text, 'Yes, I am here.');
    assert.deepEqual(fake.problems, []);
  });

  it('a goAway mid-sentence waits for the turn to end and for the handle that covers it', async () => {
    const { fake, recorder, link } = await open('go-away-mid-turn');
    link.sendText('Tell me about Pune');
    await recorder.until('reconnected');
    const kinds = recorder.reports.map((r) => r.kind);
    const switchedAt = kinds.indexOf('reconnecting');
    assert.ok(kinds.indexOf('turnComplete') < switchedAt, 'switched before the turn was complete');
    const heard = recorder.reports.slice(0, switchedAt).filter((r) => r.kind === 'audio');
    assert.equal(
      heard.reduce((n, r) => n + r.samples, 0),
      24_000 * 0.4,
      'all of the sentence was heard',
    );
    assert.equal(fake.connections[1]!.resumedHandle, 'mid-turn-2');
    link.sendText('Go on');
    await recorder.until('turnComplete', 2);
    assert.equal(recorder.of('output').at(-1)!.text, 'Go on.');
    assert.deepEqual(fake.problems, []);
  });

  it('a goAway that never finds a quiet moment switches shortly before the deadline', async () => {
    const { fake, recorder, link } = await open('go-away-deadline');
    link.sendText('Tell me everything');
    await recorder.until('output');
    const asked = performance.now();
    await recorder.until('reconnected');
    const waited = performance.now() - asked;
    assert.ok(waited >= 250 && waited < 3_000, `switched after ${Math.round(waited)} ms`);
    assert.match(recorder.of('reconnecting')[0]!.why, /forced before the deadline/);
    assert.equal(fake.connections[1]!.resumedHandle, 'deadline-1');
  });

  it('an unexpected close (1011) is resumed the same way', async () => {
    const { fake, recorder, link } = await open('drop-during-tool');
    link.sendText('Add Meera Iyer from Chennai, 98123 45678');
    await recorder.until('reconnected');
    assert.match(recorder.of('reconnecting')[0]!.why, /closed 1011/);
    assert.equal(fake.connections[1]!.resumedHandle, 'handle-drop-1');
  });

  it('a handle the server has forgotten (1008 on resume) falls back to a new session', async () => {
    const { fake, recorder, link } = await open('handle-forgotten');
    await recorder.until('reconnected');
    assert.equal(recorder.of('reconnected')[0]!.resumed, false);
    assert.equal(fake.connections[1]!.closed?.code, 1008);
    assert.deepEqual(fake.connections[2]!.setup!.sessionResumption, {});
    link.sendText('hello?');
    await recorder.until('turnComplete');
    assert.equal(recorder.of('failed').length, 0);
  });

  it('a call across several sockets resumes each time with the newest handle', async () => {
    const { fake, recorder, link } = await open('long-call');
    const feeding = setInterval(() => speak(link, 20), 20);
    try {
      await recorder.until('turnComplete', 1, 15_000);
    } finally {
      clearInterval(feeding);
    }
    assert.deepEqual(
      fake.connections.map((c) => c.resumedHandle),
      [null, 'long-1', 'long-2', 'long-3'],
    );
    assert.equal(link.reconnects.length, 3);
    assert.deepEqual(fake.problems, []);
  });

  it('gives up after its attempts when the server is gone, and says so once', async () => {
    const { fake, recorder } = await open('spoken-turn', { reconnectDelaysMs: [0, 20, 20] });
    await fake.until(() => fake.connections[0]!.setupAt, 'setup');
    await fake.close();
    await recorder.until('failed');
    assert.equal(recorder.of('failed').length, 1);
  });
});
