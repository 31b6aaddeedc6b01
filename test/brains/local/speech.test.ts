import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  listInWords,
  ordinalWord,
  speakClock,
  speakDate,
  speakDateTime,
  speakDigits,
  speakLeadRef,
  speakPhone,
  speakStatus,
} from '../../../src/brains/local/speech.ts';

describe('speech formatting', () => {
  it('reads phone numbers digit by digit, Indian mobiles as five and five', () => {
    assert.equal(speakPhone('+919876543210'), 'nine eight seven six five, four three two one zero');
    assert.equal(
      speakPhone('+447911123456'),
      'plus four four seven, nine one one, one two three, four five six',
    );
    assert.equal(speakDigits('10-2'), 'one zero two');
  });

  it('spells a lead id as its first 8 hex characters in two groups', () => {
    assert.equal(speakLeadRef('a1b2c3d4-e5f6-7890-abcd-ef1234567890'), 'A one B two, C three D four');
    assert.equal(speakLeadRef('00ff0000-0000-4000-8000-000000000000'), 'zero zero F F, zero zero zero zero');
  });

  it('says dates in words in the organisation time zone, with the year only when it is not this one', () => {
    const now = new Date('2025-10-04T10:00:00+05:30');
    assert.equal(
      speakDateTime('2025-10-05T15:00:00+05:30', 'Asia/Kolkata', now),
      'Sunday the fifth of October at three PM',
    );
    // The same instant, spoken for an organisation in London.
    assert.equal(
      speakDateTime('2025-10-05T15:00:00+05:30', 'Europe/London', now),
      'Sunday the fifth of October at ten thirty AM',
    );
    assert.equal(
      speakDateTime('2026-01-21T09:05:00Z', 'Asia/Kolkata', now),
      'Wednesday the twenty-first of January 2026 at two thirty-five PM',
    );
    assert.equal(speakDate('2025-10-31'), 'Friday the thirty-first of October');
    assert.equal(speakClock(12, 0), 'noon');
    assert.equal(speakClock(0, 0), 'midnight');
    assert.equal(speakClock(0, 30), 'twelve thirty AM');
    assert.equal(ordinalWord(22), 'twenty-second');
    assert.equal(ordinalWord(30), 'thirtieth');
  });

  it('says statuses and lists as words', () => {
    assert.equal(speakStatus('IN_PROGRESS'), 'in progress');
    assert.equal(speakStatus('FOLLOW_UP'), 'follow up');
    assert.equal(listInWords(['a', 'b', 'c']), 'a, b and c');
    assert.equal(listInWords(['a']), 'a');
  });
});
