import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createRandom,
  expandOnce,
  expandTemplates,
  intentOfFile,
  loadTemplates,
  splitOf,
} from '../../../training/dataset.ts';
import { numberToWords, ordinalWords, spokenForm } from '../../../training/spoken.ts';

describe('example templates', () => {
  const fillers = { who: ['Rohan', 'Priya'], when: ['today', 'at {hour}'], hour: ['5 pm'] };

  it('expands choices, optional parts and nested fillers', () => {
    const random = createRandom(1);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(expandOnce('(call|meet) {who}[ {when}]', fillers, random));
    assert.ok(seen.has('call Rohan'));
    assert.ok(seen.has('meet Priya at 5 pm'));
    assert.ok(seen.has('call Priya today'));
    for (const s of seen) assert.match(s, /^(call|meet) (Rohan|Priya)( today| at 5 pm)?$/);
  });

  it('keeps spaces that belong to a choice', () => {
    assert.equal(
      expandOnce('number [is ]{who}', fillers, () => 0.1),
      'number is Rohan',
    );
  });

  it('refuses unknown slots and unbalanced brackets', () => {
    assert.throws(() => expandOnce('{nobody}', fillers, Math.random), /unknown slot/);
    assert.throws(() => expandOnce('(a|b', fillers, Math.random), /unclosed/);
  });

  it('is deterministic for a seed and splits by template text', () => {
    const templates = [
      {
        text: 'meet {who} {when}',
        intent: 'MEETING_SCHEDULE' as const,
        n: 4,
        split: splitOf('meet'),
        file: 'x',
      },
    ];
    assert.deepEqual(expandTemplates(templates, fillers, 3), expandTemplates(templates, fillers, 3));
    assert.equal(splitOf('same text'), splitOf('same text'));
  });

  it('reads the intent from the file name', () => {
    assert.equal(intentOfFile('meeting_schedule.jsonl'), 'MEETING_SCHEDULE');
    assert.equal(intentOfFile('unknown.smart-home.jsonl'), 'UNKNOWN');
    assert.throws(() => intentOfFile('weather.jsonl'));
  });

  it('has examples of every intent, with held-out templates', () => {
    const templates = loadTemplates();
    const intents = new Set(templates.map((t) => t.intent));
    assert.equal(intents.size, 14);
    assert.ok(templates.some((t) => t.split === 'test'));
  });
});

describe('spoken forms', () => {
  it('reads numbers, times and phone numbers out', () => {
    assert.equal(numberToWords(45), 'forty five');
    assert.equal(ordinalWords(21), 'twenty first');
    assert.equal(ordinalWords(12), 'twelfth');
    const random = createRandom(9);
    const spoken = spokenForm('Call 9876543210 at 10:30 on the 5th', () => 0.9);
    assert.equal(spoken, 'call nine eight seven six five four three two one zero at ten thirty on the fifth');
    assert.match(spokenForm('mail a@b.com', random), /^mail a (at the rate|at) b dot com$/);
  });
});
