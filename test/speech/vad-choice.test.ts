/**
 * ROOMAN_VAD: which detector calls get. Real models from ../shared/models; an empty folder stands for a server
 * without the Silero model.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EnergyVad } from '../../src/audio/energy-vad.ts';
import { GatedVad } from '../../src/audio/gated-vad.ts';
import { createConfiguredVad } from '../../src/speech/engines.ts';
import { isSpeechError } from '../../src/speech/errors.ts';
import { festivalSpeech, SHARED_MODELS } from './fixtures.ts';

describe('createConfiguredVad', () => {
  let empty: string;
  let speech: Int16Array;
  before(async () => {
    empty = await mkdtemp(join(tmpdir(), 'rooman-no-models-'));
    speech = await festivalSpeech('update the lead status to qualified');
  });
  after(() => rm(empty, { recursive: true, force: true }));

  /** Speech starts reported over the utterance with a second of silence on each side. */
  const starts = (vad: { push: (f: Int16Array) => readonly { type: string }[] }) => {
    const call = new Int16Array(speech.length + 32_000);
    call.set(speech, 16_000);
    let n = 0;
    for (let at = 0; at < call.length; at += 320)
      n += vad.push(call.subarray(at, at + 320)).filter((e) => e.type === 'speech-start').length;
    return n;
  };

  it('defaults to Silero (behind the energy gate) when its model is installed, and it hears speech', async () => {
    const choice = await createConfiguredVad({ modelsDir: SHARED_MODELS, vad: undefined });
    assert.equal(choice.kind, 'silero');
    const vad = await choice.create();
    assert.ok(vad instanceof GatedVad);
    assert.equal(starts(vad), 1);
  });

  it('falls back to the energy VAD without the model, unless Silero was asked for', async () => {
    const fallback = await createConfiguredVad({ modelsDir: empty, vad: undefined, energyMarginDb: 10 });
    assert.equal(fallback.kind, 'energy');
    const vad = await fallback.create();
    assert.ok(vad instanceof EnergyVad);
    assert.equal(starts(vad), 1);
    await assert.rejects(createConfiguredVad({ modelsDir: empty, vad: 'silero' }), (error: unknown) =>
      isSpeechError(error, 'MODEL_MISSING'),
    );
  });

  it('ROOMAN_VAD=energy wins over an installed model; a threshold reaches Silero', async () => {
    assert.equal((await createConfiguredVad({ modelsDir: SHARED_MODELS, vad: 'energy' })).kind, 'energy');
    // A threshold of 0.95 still hears clean speech; the point is that it is accepted and the detector works.
    const strict = await createConfiguredVad({ modelsDir: SHARED_MODELS, vad: 'silero', threshold: 0.95 });
    assert.equal(starts(await strict.create()), 1);
  });
});
