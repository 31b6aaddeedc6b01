import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corpusWer, normaliseForWer, wordErrors } from '../../src/speech/wer.ts';

test('word errors count substitutions, deletions and insertions', () => {
  assert.equal(wordErrors(['a', 'b', 'c'], ['a', 'b', 'c']), 0);
  assert.equal(wordErrors(['a', 'b', 'c'], ['a', 'x', 'c']), 1);
  assert.equal(wordErrors(['a', 'b', 'c'], ['a', 'c']), 1);
  assert.equal(wordErrors(['a', 'b'], ['a', 'b', 'c', 'd']), 2);
  assert.equal(wordErrors([], ['a']), 1);
});

test('corpus WER is total errors over total reference words, on normalised text', () => {
  assert.deepEqual(normaliseForWer('Update lead-status to WON, please!'), [
    'update',
    'lead',
    'status',
    'to',
    'won',
    'please',
  ]);
  const wer = corpusWer([
    { reference: 'update lead status to won', hypothesis: 'updately status to one' },
    { reference: 'delete the meeting', hypothesis: 'delete the meeting' },
  ]);
  assert.equal(wer, 3 / 8);
});
