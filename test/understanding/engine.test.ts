import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Understanding, type UnderstandingContext } from '../../src/core/understanding.ts';
import { createUnderstandingEngine } from '../../src/understanding/engine.ts';

const engine = createUnderstandingEngine();
/** Saturday 4 October 2025, 10:00 in Kolkata. */
const ctx: UnderstandingContext = { now: new Date('2025-10-04T10:00:00+05:30'), tz: 'Asia/Kolkata' };

function understand(text: string) {
  const u = engine.understand(text, ctx);
  assert.equal(Understanding.safeParse(u).success, true, `valid Understanding for ${text}`);
  assert.equal(u.text, text);
  return u;
}

describe('understanding engine: the CRM seed examples', () => {
  it('creates a lead with its name, phone, city and source', () => {
    const u = understand('Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram');
    assert.equal(u.intent, 'LEAD_CREATE');
    assert.ok(u.confidence > 0.8);
    assert.equal(u.entities.person, 'Rohan Sharma');
    assert.equal(u.entities.phone, '+919876543210');
    assert.match(u.entities.city ?? '', /^Gur(gaon|ugram)$/);
    assert.equal(u.entities.source, 'Instagram');
  });

  it('schedules a visit for a lead uuid at an ISO instant', () => {
    const u = understand(
      'Schedule a visit for lead a1b2c3d4-e5f6-7890-abcd-ef1234567890 at 2025-10-05T15:00:00+05:30',
    );
    assert.equal(u.intent, 'VISIT_SCHEDULE');
    assert.equal(u.entities.lead_ref, 'a1b2c3d4-e5f6-7890-abcd-ef1234567890');
    assert.equal(u.entities.datetime, '2025-10-05T15:00:00+05:30');
  });

  it('updates a lead by id prefix with a status and notes', () => {
    const u = understand('Update lead a1b2c3d4 to WON with notes: booked unit A2');
    assert.equal(u.intent, 'LEAD_UPDATE');
    assert.equal(u.entities.lead_ref, 'a1b2c3d4');
    assert.equal(u.entities.status, 'WON');
    assert.equal(u.entities.notes, 'booked unit A2');
  });

  it('understands the same lead spoken, as a speech recogniser writes it', () => {
    const u = understand(
      'add a new lead rohan sharma from pune phone nine eight seven six five four three two one zero',
    );
    assert.equal(u.intent, 'LEAD_CREATE');
    assert.equal(u.entities.phone, '+919876543210');
    assert.equal(u.entities.city, 'Pune');
  });
});

describe('understanding engine: the meeting seed voice commands', () => {
  it('schedules a team meeting tomorrow at 10', () => {
    const u = understand('Schedule a team meeting for tomorrow at 10 AM');
    assert.equal(u.intent, 'MEETING_SCHEDULE');
    assert.equal(u.entities.datetime, '2025-10-05T10:00:00+05:30');
  });

  it('queries next week', () => {
    assert.equal(understand('What meetings do I have next week?').intent, 'MEETING_QUERY');
  });

  it('reschedules the 2 PM meeting to 3 PM', () => {
    const u = understand('Reschedule my 2 PM meeting to 3 PM');
    assert.equal(u.intent, 'MEETING_RESCHEDULE');
    assert.equal(u.entities.original_datetime?.slice(11, 16), '14:00');
    assert.equal(u.entities.datetime?.slice(11, 16), '15:00');
  });

  it('cancels all meetings on a date', () => {
    const u = understand('Cancel all meetings on September 20th');
    assert.equal(u.intent, 'MEETING_CANCEL');
    assert.equal(u.entities.scope, 'all');
    assert.match(u.entities.date ?? '', /-09-20$/);
  });

  it('emails the meeting notes', () => {
    const u = understand('Email me the meeting notes to john@example.com');
    assert.equal(u.intent, 'MESSAGE_SEND');
    assert.equal(u.entities.email, 'john@example.com');
  });
});

describe('understanding engine: acts and out of scope', () => {
  it('answers bare dialogue acts with no entities', () => {
    for (const [text, intent] of [
      ['yes', 'CONFIRM'],
      ['no', 'DENY'],
      ['namaste', 'GREETING'],
      ['bye', 'GOODBYE'],
      ['what can you do', 'HELP'],
    ] as const) {
      const u = understand(text);
      assert.equal(u.intent, intent, text);
      assert.deepEqual(u.entities, {});
    }
  });

  it('calls out-of-scope requests UNKNOWN', () => {
    for (const text of ['what is the weather in Mumbai', 'play some music', 'tell me a joke']) {
      assert.equal(understand(text).intent, 'UNKNOWN', text);
    }
  });

  it('still extracts the entities of a bare slot answer', () => {
    const u = understand('nine eight seven six five four three two one zero');
    assert.equal(u.entities.phone, '+919876543210');
  });
});
