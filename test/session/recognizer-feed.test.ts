/**
 * The recogniser hears the caller only around their speech (pre-roll + speech + a tail), not the silence of a call.
 * Real parts: the sherpa recogniser behind a thin counting wrapper, the energy and Silero VADs, the local brain on the
 * built-in CRM. Audio is pushed in 20 ms frames as fast as the session takes it (the count does not depend on pace).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EnergyVad } from '../../src/audio/energy-vad.ts';
import { SileroVad } from '../../src/audio/silero-vad.ts';
import type { VoiceActivityDetector } from '../../src/audio/vad.ts';
import { LocalBrain } from '../../src/brains/local/local-brain.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { BuiltinCrm } from '../../src/crm/builtin-crm.ts';
import { VoiceSession } from '../../src/session/voice-session.ts';
import type { AudioFrame, SpeechRecognizer } from '../../src/speech/recognizer.ts';
import { loadSherpaRecognizer } from '../../src/speech/sherpa-recognizer.ts';
import type { Database } from '../../src/store/database.ts';
import { createUnderstandingEngine } from '../../src/understanding/engine.ts';
import { sileroModelPath } from '../audio/speech-fixtures.ts';
import { createTestOrg, databaseTargets } from '../helpers/db.ts';
import { festivalSpeech, KWS_MODEL, SHARED_MODELS } from '../speech/fixtures.ts';

const RATE = 16_000;
const FRAME = 320;
const UTTERANCE =
  'add a new lead rohan sharma from pune phone nine eight seven six five four three two one zero';

/** The real recogniser; its streams count the samples they are given. */
function counting(recognizer: SpeechRecognizer): { recognizer: SpeechRecognizer; samples: () => number } {
  let samples = 0;
  return {
    samples: () => samples,
    recognizer: {
      ...recognizer,
      createStream: (options) => {
        const stream = recognizer.createStream(options);
        return {
          accept: (frame: AudioFrame) => {
            samples += frame.length;
            return stream.accept(frame);
          },
          partial: () => stream.partial(),
          lookahead: () => stream.lookahead(),
          finish: () => stream.finish(),
          reset: () => stream.reset(),
          close: () => stream.close(),
        };
      },
    },
  };
}

const silence = (seconds: number) => new Int16Array(Math.round(seconds * RATE));

describe('voice session: the recogniser hears speech, not silence', () => {
  let database: Database;
  let crm: BuiltinCrm;
  let recognizer: SpeechRecognizer;
  let speech: Int16Array;
  const brain = new LocalBrain({ understander: createUnderstandingEngine() });

  before(async () => {
    database = await databaseTargets()[0]!.open();
    crm = new BuiltinCrm({
      db: database.db,
      kind: database.kind,
      logger: silentLogger,
      dataDir: '/tmp',
      csvLogs: false,
    });
    recognizer = await loadSherpaRecognizer({ modelsDir: SHARED_MODELS, model: KWS_MODEL });
    speech = await festivalSpeech(UTTERANCE);
  });
  after(async () => {
    await crm.close();
    await database.close();
  });

  /** What the recogniser makes of the utterance when it hears all of it, silence before included. */
  const ungated = (): string => {
    const stream = recognizer.createStream();
    for (const part of [silence(1), speech]) stream.accept(part);
    const text = stream.finish().text;
    stream.close();
    return text;
  };

  async function run(vad: VoiceActivityDetector, feed?: { preRollMs: number; maxVadLagMs: number }) {
    const org = await createTestOrg(database.db);
    const counted = counting(recognizer);
    const session = new VoiceSession({
      orgId: org.id,
      channel: 'test',
      brain,
      crm: crm.gatewayFor(org.id),
      timeZone: org.timeZone,
      recognizer: counted.recognizer,
      vad,
      ...(feed ? { recognizerFeed: feed } : {}),
    });
    const finals: string[] = [];
    session.on('user.final', (f) => finals.push(f.text));
    await session.start();
    const call = [silence(4), speech, silence(6), speech, silence(6)];
    let pushed = 0;
    for (const part of call) {
      for (let at = 0; at < part.length; at += FRAME) session.pushAudio(part.subarray(at, at + FRAME));
      pushed += part.length;
      // Let a finished turn run before the next utterance, as it would in a call.
      await session.idle();
    }
    await session.end();
    return { finals, pushed, heard: counted.samples() };
  }

  it('without the pre-roll the Silero VAD, which reports a start ~350 ms late, costs the first words', async () => {
    const { finals } = await run(await SileroVad.open({ modelPath: sileroModelPath() }), {
      preRollMs: 0,
      maxVadLagMs: 0,
    });
    assert.equal(finals.length, 2);
    for (const text of finals) assert.doesNotMatch(text, /^\S+ a new lead/, text);
  });

  const vads: Array<[string, () => Promise<VoiceActivityDetector>]> = [
    ['energy', async () => new EnergyVad({ sampleRate: RATE })],
    ['Silero', () => SileroVad.open({ modelPath: sileroModelPath() })],
  ];
  for (const [name, openVad] of vads) {
    it(`${name} VAD: a call that is mostly silence costs the recogniser its speech only; no word is lost`, async () => {
      const { finals, pushed, heard } = await run(await openVad());
      const speechSamples = 2 * speech.length;
      // Per utterance at most: 300 ms pre-roll before the VAD's start + the speech + 0.7 s after its end (+ VAD slack).
      const bound = speechSamples + 2 * (0.3 + 0.7 + 0.2) * RATE;
      console.log(
        `# ${name}: recogniser heard ${(heard / RATE).toFixed(2)} s of ${(pushed / RATE).toFixed(2)} s pushed ` +
          `(speech ${(speechSamples / RATE).toFixed(2)} s)`,
      );
      assert.ok(heard >= speechSamples, 'the recogniser heard all of the speech');
      assert.ok(heard <= bound, `the recogniser heard ${heard} samples, more than ${bound}`);
      const silenceHeard = heard - speechSamples;
      const silencePushed = pushed - speechSamples;
      assert.ok(silenceHeard < silencePushed / 3, 'most of the silence never reached the recogniser');

      assert.equal(finals.length, 2, `two turns: ${JSON.stringify(finals)}`);
      for (const text of finals) {
        // The first word ("add", which the 3.3M model hears as "at"/"had") survives the VAD's late start.
        assert.match(text, /^\S+ a new lead/, `"${text}" (all audio heard: "${ungated()}")`);
        assert.match(text, /six five four three two one zero/);
      }
    });
  }
});
