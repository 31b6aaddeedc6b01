import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { INTENTS } from '../../../src/core/understanding.ts';
import {
  DEFAULT_MODEL_URL,
  IntentModelFile,
  loadIntentModel,
} from '../../../src/understanding/intent/model.ts';
import { train } from '../../../training/train.ts';

describe('intent model file', () => {
  it('is small, loads fast and covers every intent', () => {
    assert.ok(statSync(DEFAULT_MODEL_URL).size < 2 * 1024 * 1024, 'model file under 2 MB');
    const started = performance.now();
    const model = loadIntentModel();
    const ms = performance.now() - started;
    assert.ok(ms < 200, `loaded in ${ms.toFixed(1)} ms`);
    assert.deepEqual([...model.labels].sort(), [...INTENTS].sort());
    assert.ok(model.threshold > 0 && model.threshold < 1);
    const p = model.probabilities('schedule a meeting with Rohan tomorrow');
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  });

  it('rejects a file that is not a model', () => {
    const raw = JSON.parse(readFileSync(DEFAULT_MODEL_URL, 'utf8'));
    assert.equal(IntentModelFile.safeParse({ ...raw, format: 'other' }).success, false);
    assert.equal(IntentModelFile.safeParse({ ...raw, labels: ['NOT_AN_INTENT'] }).success, false);
  });

  it('is what npm run train makes from the committed examples (deterministic, not stale)', () => {
    const { file, report } = train();
    assert.equal(
      file,
      readFileSync(DEFAULT_MODEL_URL, 'utf8'),
      'retrain with npm run train and commit the model',
    );
    assert.ok(report.heldOut.accuracy > 0.8, `held-out accuracy ${report.heldOut.accuracy}`);
  });
});
