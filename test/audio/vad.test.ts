import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EnergyVad } from '../../src/audio/energy-vad.ts';
import { GatedVad } from '../../src/audio/gated-vad.ts';
import { framesOf } from '../../src/audio/pcm.ts';
import { SileroVad } from '../../src/audio/silero-vad.ts';
import type { VadEvent, VoiceActivityDetector } from '../../src/audio/vad.ts';
import { mix, type SpeechFixture, SpeechFixtures, sileroModelPath } from './speech-fixtures.ts';

const TOLERANCE_MS = 150;

function run(vad: VoiceActivityDetector, samples: Int16Array, frameSamples = 320): VadEvent[] {
  const events: VadEvent[] = [];
  for (const frame of framesOf(samples, frameSamples)) events.push(...vad.push(frame));
  events.push(...vad.flush());
  return events;
}

/** One speech segment, whose start and end lie within the tolerance of the truth; events well-formed. */
function assertOneSegment(
  events: VadEvent[],
  fixture: SpeechFixture,
  label: string,
  toleranceMs = TOLERANCE_MS,
) {
  const describeEvents = JSON.stringify(events);
  assert.equal(events.length, 2, `${label}: one start and one end, got ${describeEvents}`);
  const [start, end] = events;
  assert.equal(start!.type, 'speech-start', label);
  assert.equal(end!.type, 'speech-end', label);
  if (end?.type !== 'speech-end') return;
  assert.equal(end.startMs, start!.startMs, `${label}: the end reports the segment's start`);
  const startError = start!.startMs - fixture.speechStartS * 1000;
  const endError = end.endMs - fixture.speechEndS * 1000;
  assert.ok(Math.abs(startError) <= toleranceMs, `${label}: start off by ${startError.toFixed(0)} ms`);
  assert.ok(Math.abs(endError) <= toleranceMs, `${label}: end off by ${endError.toFixed(0)} ms`);
  assert.ok(start!.detectedAtMs >= start!.startMs && end.detectedAtMs >= end.endMs, `${label}: causal`);
}

function harmonicBurst(
  rate: number,
  seconds: number,
  startS: number,
  endS: number,
  dbfs: number,
): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  const amplitude = (32768 * 10 ** (dbfs / 20) * Math.SQRT2) / 2;
  for (let i = Math.round(startS * rate); i < Math.round(endS * rate); i++) {
    const t = i / rate;
    // A crude vowel: 150 Hz fundamental and a few harmonics.
    out[i] = Math.round(
      amplitude *
        (Math.sin(2 * Math.PI * 150 * t) +
          0.6 * Math.sin(2 * Math.PI * 450 * t) +
          0.3 * Math.sin(2 * Math.PI * 900 * t)),
    );
  }
  return out;
}

function sine(rate: number, hz: number, seconds: number, dbfs: number): Int16Array {
  const amplitude = 32768 * 10 ** (dbfs / 20) * Math.SQRT2;
  return Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) =>
    Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)),
  );
}

function whiteNoise(seconds: number, dbfs: number, rate = 16000): Int16Array {
  let seed = 12345;
  const amplitude = 32768 * 10 ** (dbfs / 20) * Math.sqrt(3);
  return Int16Array.from({ length: Math.round(rate * seconds) }, () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return Math.round(amplitude * (2 * (seed / 0x7fffffff) - 1));
  });
}

describe('EnergyVad on synthetic signals', () => {
  it('finds a voiced burst in silence, to the frame', () => {
    const events = run(new EnergyVad({ sampleRate: 16000 }), harmonicBurst(16000, 3, 0.5, 1.5, -20));
    assert.deepEqual(
      events.map((e) => [e.type, e.startMs, e.type === 'speech-end' ? e.endMs : null]),
      [
        ['speech-start', 500, null],
        ['speech-end', 500, 1500],
      ],
    );
    assert.ok(events[0]!.probability! > 0.9, 'far above the floor: confident');
  });

  it('the zero-crossing band rejects quiet hum and hiss that a tone of the same level passes', () => {
    const silenceThen = (signal: Int16Array) => {
      const out = new Int16Array(16000 + signal.length);
      out.set(signal, 16000);
      return out;
    };
    assert.deepEqual(
      run(new EnergyVad({ sampleRate: 16000 }), silenceThen(sine(16000, 30, 1, -48))),
      [],
      '30 Hz hum',
    );
    assert.deepEqual(
      run(new EnergyVad({ sampleRate: 16000 }), silenceThen(whiteNoise(1, -48))),
      [],
      'white hiss',
    );
    const tone = run(new EnergyVad({ sampleRate: 16000 }), silenceThen(sine(16000, 700, 1, -48)));
    assert.equal(tone[0]?.type, 'speech-start', '700 Hz at the same level');
  });

  it('steady noise never triggers, however loud, because the floor follows it', () => {
    for (const dbfs of [-50, -30, -15]) {
      const vad = new EnergyVad({ sampleRate: 8000 });
      assert.deepEqual(run(vad, whiteNoise(4, dbfs, 8000), 160), [], `${dbfs} dBFS`);
      assert.ok(
        Math.abs(vad.noiseFloorDbfs - dbfs) < 3,
        `floor ${vad.noiseFloorDbfs.toFixed(1)} tracks ${dbfs}`,
      );
    }
  });

  it('gives the same events whatever the frame sizes pushed', () => {
    const signal = harmonicBurst(16000, 4, 0.7, 1.9, -30);
    signal.set(harmonicBurst(16000, 1, 0.2, 0.9, -25).subarray(0, 16000), 40000);
    const byFrames = run(new EnergyVad({ sampleRate: 16000 }), signal, 320);
    const byOdd = run(new EnergyVad({ sampleRate: 16000 }), signal, 7);
    assert.equal(byFrames.length, 4);
    assert.deepEqual(byOdd, byFrames);
  });

  it('thresholds are configurable: a bigger margin ignores a quiet voice', () => {
    const quiet = harmonicBurst(16000, 2, 0.5, 1.5, -50);
    assert.equal(run(new EnergyVad({ sampleRate: 16000 }), quiet).length, 2);
    assert.equal(run(new EnergyVad({ sampleRate: 16000, minSpeechDbfs: -40 }), quiet).length, 0);
  });
});

describe('voice activity detectors on real speech (flite / festival)', () => {
  const fixtures = new SpeechFixtures();
  const clean: Array<[string, SpeechFixture]> = [];
  let noisy: Array<[string, SpeechFixture]> = [];
  let noiseOnly: Int16Array;
  let modelPath: string;

  before(async () => {
    modelPath = sileroModelPath();
    const texts = [
      'Schedule a team meeting for tomorrow at ten AM.',
      'My number is nine eight seven six five four three two one zero.',
    ];
    for (const voice of ['flite', 'festival'] as const) {
      for (const [i, text] of texts.entries()) {
        clean.push([`${voice} #${i} (1.0 s + 1.5 s silence)`, await fixtures.speech(text, voice, 1.0, 1.5)]);
      }
    }
    const longer = await fixtures.speech('Update lead status to won.', 'flite', 0.7, 2.0);
    clean.push(['flite short (0.7 s + 2.0 s silence)', longer]);
    noisy = [];
    for (const [label, fixture] of clean.filter(([l]) => l.startsWith('flite'))) {
      const noise = await fixtures.pinkNoise(fixture.samples.length / 16000 + 0.1, 0.02);
      noisy.push([`${label} + pink noise`, { ...fixture, samples: mix(fixture.samples, noise) }]);
    }
    noiseOnly = await fixtures.pinkNoise(6, 0.02);
  });
  after(() => fixtures.dispose());

  it('the energy VAD finds the speech boundaries within 0.15 s', () => {
    for (const [label, fixture] of [...clean, ...noisy]) {
      assertOneSegment(
        run(new EnergyVad({ sampleRate: 16000 }), fixture.samples),
        fixture,
        `energy, ${label}`,
      );
    }
  });

  it('Silero finds the speech boundaries within 0.15 s', async () => {
    for (const [label, fixture] of [...clean, ...noisy]) {
      const vad = await SileroVad.open({ modelPath });
      assertOneSegment(run(vad, fixture.samples), fixture, `silero, ${label}`);
      vad.close();
    }
  });

  it('Silero behind the energy gate finds the same boundaries, and on a call with long pauses only runs around speech', async () => {
    for (const [label, fixture] of clean) {
      const vad = new GatedVad(await SileroVad.open({ modelPath }));
      assertOneSegment(run(vad, fixture.samples), fixture, `gated silero, ${label}`);
    }
    // In pink noise Silero's own end lags 130–170 ms, gate or not (the model's hangover, measured both ways).
    for (const [label, fixture] of noisy) {
      const vad = new GatedVad(await SileroVad.open({ modelPath }));
      assertOneSegment(run(vad, fixture.samples), fixture, `gated silero, ${label}`, 200);
    }
    // Two utterances 6 s apart, as when the agent answers in between: times stay the call's, the model rests.
    for (const [label, fixture] of [clean[1]!, noisy[1]!]) {
      const gap = label.endsWith('noise')
        ? (await fixtures.pinkNoise(6, 0.02)).subarray(0, 6 * 16000)
        : new Int16Array(6 * 16000);
      const call = new Int16Array(2 * fixture.samples.length + gap.length);
      call.set(fixture.samples);
      call.set(gap, fixture.samples.length);
      call.set(fixture.samples, fixture.samples.length + gap.length);
      const vad = new GatedVad(await SileroVad.open({ modelPath }));
      const events = run(vad, call);
      const tolerance = label.endsWith('noise') ? 200 : TOLERANCE_MS;
      assertOneSegment(events.slice(0, 2), fixture, `gated call, first, ${label}`, tolerance);
      const offsetS = (fixture.samples.length + gap.length) / 16000;
      const shifted = {
        ...fixture,
        speechStartS: fixture.speechStartS + offsetS,
        speechEndS: fixture.speechEndS + offsetS,
      };
      assertOneSegment(events.slice(2), shifted, `gated call, second, ${label}`, tolerance);
      const speechS = 2 * (fixture.speechEndS - fixture.speechStartS);
      assert.ok(
        vad.modelSeconds < speechS + 2 * 2,
        `${label}: the model heard ${vad.modelSeconds.toFixed(1)} s of ${(call.length / 16000).toFixed(1)} s (speech ${speechS.toFixed(1)} s)`,
      );
    }
  });

  it('pink noise alone does not trigger the energy VAD above its floor, nor Silero', async () => {
    const energy = new EnergyVad({ sampleRate: 16000 });
    assert.deepEqual(run(energy, noiseOnly), []);
    assert.ok(
      energy.noiseFloorDbfs > -60,
      `the floor rose to the noise (${energy.noiseFloorDbfs.toFixed(1)} dBFS)`,
    );
    const silero = await SileroVad.open({ modelPath });
    assert.deepEqual(run(silero, noiseOnly), []);
    const gated = new GatedVad(await SileroVad.open({ modelPath }));
    assert.deepEqual(run(gated, noiseOnly), []);
    assert.ok(
      gated.modelSeconds < 1,
      `steady noise kept the gate shut (model heard ${gated.modelSeconds} s)`,
    );
  });

  it('Silero works on 8 kHz telephone audio (resampled inside) and across reset', async () => {
    const [, fixture] = clean[0]!;
    const narrow = new Int16Array(fixture.samples.length / 2);
    const { resample } = await import('../../src/audio/resampler.ts');
    narrow.set(resample(fixture.samples, 16000, 8000));
    const vad = await SileroVad.open({ modelPath, sampleRate: 8000 });
    assertOneSegment(run(vad, narrow, 160), fixture, 'silero at 8 kHz');
    vad.reset();
    assertOneSegment(run(vad, narrow, 160), fixture, 'silero at 8 kHz after reset');
  });

  it('Silero settings are honoured: a longer minimum speech drops a short word', async () => {
    const [, short] = clean.at(-1)!;
    const strict = await SileroVad.open({ modelPath, minSpeechMs: 3000 });
    assert.deepEqual(run(strict, short.samples), []);
  });

  it('refuses a missing model with a clear error instead of letting sherpa exit the process', async () => {
    await assert.rejects(
      SileroVad.open({ modelPath: '/nonexistent/silero_vad.onnx' }),
      /Silero VAD model not found/,
    );
  });
});
