import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Entities } from '../../../src/core/understanding.ts';
import { extractEntities } from '../../../src/understanding/entities/index.ts';

/** Wednesday 1 October 2025, 10:00 in India. */
const ctx = { now: new Date('2025-10-01T10:00:00+05:30'), tz: 'Asia/Kolkata' };

describe('extractEntities: the CRM intents', () => {
  it('creates a lead from a written sentence', () => {
    assert.deepEqual(
      extractEntities(
        'Add a new lead Rohan Sharma from Pune, phone 98765 43210, source Instagram',
        ctx,
        'LEAD_CREATE',
      ),
      { phone: '+919876543210', source: 'Instagram', city: 'Pune', person: 'Rohan Sharma' },
    );
  });

  it('creates a lead from what a recogniser heard', () => {
    assert.deepEqual(
      extractEntities(
        'uh add a lead priya nair from bangalore her number is nine eight seven six five four three two one zero she came from a referral',
        ctx,
        'LEAD_CREATE',
      ),
      { phone: '+919876543210', source: 'Referral', city: 'Bangalore', person: 'Priya Nair' },
    );
  });

  it('takes an unknown lowercase name where the intent expects one', () => {
    assert.deepEqual(
      extractEntities(
        'add kowshik from hyderabad nine eight seven six five four three two one zero',
        ctx,
        'LEAD_CREATE',
      ),
      { phone: '+919876543210', city: 'Hyderabad', person: 'Kowshik' },
    );
    assert.deepEqual(extractEntities('update kowshik to won', ctx, 'LEAD_UPDATE'), {
      status: 'WON',
      lead_ref: 'Kowshik',
    });
    assert.deepEqual(extractEntities('mark as won', ctx, 'LEAD_UPDATE'), { status: 'WON' });
    assert.deepEqual(extractEntities('add a new lead', ctx, 'LEAD_CREATE'), {});
  });

  it('schedules a visit: the name is the lead, the notes stay notes', () => {
    assert.deepEqual(
      extractEntities(
        'Schedule a site visit for Priya tomorrow at 3 with notes: bring floor plans',
        ctx,
        'VISIT_SCHEDULE',
      ),
      { notes: 'bring floor plans', datetime: '2025-10-02T15:00:00+05:30', lead_ref: 'Priya' },
    );
  });

  it('updates a lead named, possessed, by id or by pronoun', () => {
    assert.deepEqual(extractEntities('update Rohan to won', ctx, 'LEAD_UPDATE'), {
      status: 'WON',
      lead_ref: 'Rohan',
    });
    assert.deepEqual(extractEntities("move Kavya's lead to follow up", ctx, 'LEAD_UPDATE'), {
      status: 'FOLLOW_UP',
      lead_ref: 'Kavya',
    });
    assert.deepEqual(extractEntities('update lead for Arjun Mehta: in progress', ctx, 'LEAD_UPDATE'), {
      status: 'IN_PROGRESS',
      lead_ref: 'Arjun Mehta',
    });
    assert.deepEqual(extractEntities('mark lead a1b2c3d4 as lost', ctx, 'LEAD_UPDATE'), {
      lead_ref: 'a1b2c3d4',
      status: 'LOST',
    });
    assert.deepEqual(extractEntities('mark her as not interested', ctx, 'LEAD_UPDATE'), {
      status: 'LOST',
      lead_ref: '@last',
    });
    assert.deepEqual(extractEntities('update rohan to won with notes booked unit a2', ctx, 'LEAD_UPDATE'), {
      notes: 'booked unit a2',
      status: 'WON',
      lead_ref: 'Rohan',
    });
  });
});

describe('extractEntities: meetings and messages', () => {
  it('schedules a meeting with a title, attendees and a time', () => {
    assert.deepEqual(
      extractEntities(
        'schedule a team meeting with Priya and Rahul next Tuesday morning',
        ctx,
        'MEETING_SCHEDULE',
      ),
      {
        datetime: '2025-10-07T09:00:00+05:30',
        title: 'team meeting',
        attendees: ['Priya', 'Rahul'],
        person: 'Priya',
      },
    );
  });

  it('invites by e-mail address too', () => {
    const e = extractEntities(
      'book a design review with Neha and ravi@example.com on Friday at 4',
      ctx,
      'MEETING_SCHEDULE',
    );
    assert.equal(e.datetime, '2025-10-03T16:00:00+05:30');
    assert.deepEqual(e.attendees, ['Neha', 'ravi@example.com']);
    assert.equal(e.title, 'design review');
  });

  it('reschedules and cancels', () => {
    assert.deepEqual(extractEntities('reschedule my 2 PM meeting to 3 PM', ctx, 'MEETING_RESCHEDULE'), {
      original_datetime: '2025-10-01T14:00:00+05:30',
      datetime: '2025-10-01T15:00:00+05:30',
    });
    assert.deepEqual(extractEntities('cancel all meetings on Sep 20', ctx, 'MEETING_CANCEL'), {
      date: '2026-09-20',
      scope: 'all',
    });
  });

  it('sends a message on a channel', () => {
    assert.deepEqual(extractEntities("send a whatsapp to Priya saying I'll be late", ctx, 'MESSAGE_SEND'), {
      channel: 'whatsapp',
      message: "I'll be late",
      person: 'Priya',
      attendees: ['Priya'],
    });
    assert.deepEqual(extractEntities('email the meeting notes to john@example.com', ctx, 'MESSAGE_SEND'), {
      email: 'john@example.com',
      channel: 'email',
      message: 'the meeting notes',
    });
  });
});

describe('extractEntities: the contract', () => {
  const utterances: Array<[string, Parameters<typeof extractEntities>[2]]> = [
    ['', undefined],
    ['   ', 'UNKNOWN'],
    ['yes', 'CONFIRM'],
    ['!!! ??? ...', undefined],
    ['a'.repeat(2000), undefined],
    ['9'.repeat(40), 'LEAD_CREATE'],
    ['at at at at 3 3 3 pm pm', 'MEETING_SCHEDULE'],
    ['it should be two hours long', 'MEETING_SCHEDULE'],
    ['lead   ', 'LEAD_UPDATE'],
  ];
  for (const [text, intent] of utterances) {
    it(`never throws and always fits the schema: ${JSON.stringify(text.slice(0, 30))}`, () => {
      const e = extractEntities(text, ctx, intent);
      assert.doesNotThrow(() => Entities.parse(e));
      for (const value of Object.values(e)) assert.notEqual(value, undefined);
    });
  }

  it('omits what is not there', () => {
    assert.deepEqual(extractEntities('hello there', ctx, 'GREETING'), {});
    assert.deepEqual(extractEntities('I need 3 units', ctx), {});
  });
});
