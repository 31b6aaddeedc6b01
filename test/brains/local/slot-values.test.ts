import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseCandidate } from '../../../src/brains/local/lead-choice.ts';
import {
  bareName,
  barePlace,
  fromReply,
  fromSentence,
  spokenDigits,
  statusFromWords,
} from '../../../src/brains/local/slot-values.ts';
import type { Understanding } from '../../../src/core/understanding.ts';

const heard = (text: string, entities: Understanding['entities'] = {}): Understanding => ({
  text,
  intent: 'UNKNOWN',
  confidence: 0.5,
  entities,
});
const ctx = (slots: Record<string, string> = {}, slot = 'x') => ({
  slot,
  now: new Date('2025-10-04T10:00:00+05:30'),
  timeZone: 'Asia/Kolkata',
  slots,
});

describe('reading slot values from replies', () => {
  it('turns spoken digits into a number', () => {
    assert.equal(spokenDigits('nine eight seven six five, four three two one zero'), '9876543210');
    assert.equal(spokenDigits('nine double eight seven triple six oh one two'), '9887666012');
    assert.equal(spokenDigits('plus nine one 98765 43210'), '+91' + '9876543210');
    assert.equal(
      fromReply('phone', heard('nine eight seven six five four three two one zero'), ctx()).value,
      '+919876543210',
    );
  });

  it('refuses a short number as invalid and prose as not understood', () => {
    assert.equal(fromReply('phone', heard('98765'), ctx()).problem?.type, 'VALIDATION_ERROR');
    assert.equal(fromReply('phone', heard('I will tell you later'), ctx()).problem?.type, 'PARSING_ERROR');
  });

  it('reads bare names and places', () => {
    assert.equal(bareName('her name is priya nair'), 'Priya Nair');
    assert.equal(bareName("it's D'Souza"), "D'Souza");
    assert.equal(bareName('she lives somewhere near the big temple on the hill'), undefined);
    assert.equal(bareName('the first one'), undefined);
    assert.equal(bareName('yes'), undefined);
    assert.equal(barePlace('okay'), undefined);
    assert.equal(fromReply('lead', heard('yes'), ctx()).problem?.type, 'PARSING_ERROR');
    assert.equal(barePlace('pune'), 'Pune');
    assert.equal(barePlace("she's from new delhi."), 'New Delhi');
    assert.equal(barePlace('in Navi Mumbai'), 'Navi Mumbai');
    assert.equal(fromReply('city', heard('call me at 5'), ctx()).problem?.type, 'PARSING_ERROR');
  });

  it('reads statuses from words', () => {
    assert.equal(statusFromWords('in progress'), 'IN_PROGRESS');
    assert.equal(statusFromWords('follow-up please'), 'FOLLOW_UP');
    assert.equal(statusFromWords('they booked, mark it won'), 'WON');
    assert.equal(statusFromWords('LOST'), 'LOST');
    assert.equal(statusFromWords('blue'), undefined);
  });

  it('reads a lead reference: an id prefix, a name, or a pronoun when there is a last lead', () => {
    assert.equal(fromReply('lead', heard('a1b2c3d4'), ctx()).ref, 'a1b2c3d4');
    assert.equal(fromReply('lead', heard("Rohan's lead"), ctx()).ref, 'Rohan');
    const last = { ...ctx(), lastLead: { lead_id: 'x', name: 'Priya' } };
    assert.equal(fromSentence('lead', heard('visit for her'), last).ref, '@last');
    assert.equal(fromSentence('lead', heard('visit for her'), ctx()).ref, undefined);
  });

  it('puts a time of day on a day given earlier, unless the reply names a day itself', () => {
    const slots = { 'visit_time:day': '2025-10-06' };
    const at = { datetime: '2025-10-04T17:30:00+05:30' };
    assert.equal(
      fromReply('datetime', heard('5:30 pm', at), ctx(slots, 'visit_time')).value,
      '2025-10-06T17:30:00+05:30',
    );
    assert.equal(
      fromReply('datetime', heard('today at 5:30 pm', at), ctx(slots, 'visit_time')).value,
      at.datetime,
    );
    const past = fromReply(
      'datetime',
      heard('at 9', { datetime: '2025-10-04T09:00:00+05:30' }),
      ctx({}, 'visit_time'),
    );
    assert.equal(past.problem?.details, 'visit_time: must be a future date and time');
  });
});

describe('choosing among listed leads', () => {
  const leads = [
    { lead_id: 'a1b2c3d4-0000-4000-8000-000000000001', name: 'Rohan Sharma', city: 'Gurgaon' },
    { lead_id: 'a1b2ffff-0000-4000-8000-000000000002', name: 'Rohan Mehta', city: 'Pune' },
    { lead_id: 'b0000000-0000-4000-8000-000000000003', name: 'Rohan Das', city: 'Pune' },
  ];
  it('by position, id, name, a distinguishing word', () => {
    assert.equal(chooseCandidate('the first one', leads)?.name, 'Rohan Sharma');
    assert.equal(chooseCandidate('2', leads)?.name, 'Rohan Mehta');
    assert.equal(chooseCandidate('number three', leads)?.name, 'Rohan Das');
    assert.equal(chooseCandidate('the last', leads)?.name, 'Rohan Das');
    assert.equal(chooseCandidate('a1b2 ffff', leads)?.name, 'Rohan Mehta');
    assert.equal(chooseCandidate('Rohan Das please', leads)?.name, 'Rohan Das');
    assert.equal(chooseCandidate('the one from gurgaon', leads)?.name, 'Rohan Sharma');
    assert.equal(chooseCandidate('the one from pune', leads), undefined, 'two are from Pune');
    assert.equal(chooseCandidate('Rohan', leads), undefined);
  });
});
