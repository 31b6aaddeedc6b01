import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalise, copyVector, Featuriser } from '../../../src/understanding/intent/features.ts';

describe('canonicalise', () => {
  it('folds identifiers into shape tokens', () => {
    assert.equal(
      canonicalise('Visit for lead a1b2c3d4-e5f6-7890-abcd-ef1234567890 at 2025-10-05T15:00:00+05:30'),
      'visit for lead xuuidx at xinstantx',
    );
    assert.equal(canonicalise('Update lead a1b2c3d4 to WON'), 'update lead xidx to won');
    assert.equal(canonicalise('mail john@example.com, phone +91 98765 43210'), 'mail xemailx phone xphonex');
    assert.equal(canonicalise("What's on at 10:30?"), 'whats on at 00 00');
  });
});

describe('Featuriser', () => {
  it('gives the same unit-length vector for the same text', () => {
    const f = new Featuriser(1 << 16);
    const a = copyVector(f.featurise('schedule a meeting tomorrow'));
    const b = copyVector(f.featurise('schedule a meeting tomorrow'));
    assert.deepEqual(a, b);
    let norm = 0;
    for (let i = 0; i < a.length; i++) norm += a.values[i]! ** 2;
    assert.ok(Math.abs(norm - 1) < 1e-5);
    assert.ok(a.indices.every((i) => i >= 0 && i < 1 << 16));
  });

  it('gives different features to different words', () => {
    const f = new Featuriser(1 << 18);
    const a = new Set(copyVector(f.featurise('cancel')).indices);
    const b = copyVector(f.featurise('schedule')).indices;
    const shared = [...b].filter((i) => a.has(i)).length;
    assert.ok(shared <= 2, `only the length bucket and the end marker may be shared, got ${shared}`);
  });

  it('refuses a dimension that is not a power of two', () => {
    assert.throws(() => new Featuriser(1000), /power of two/);
  });
});
