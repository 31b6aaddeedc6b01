import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  extractChannel,
  extractEmails,
  extractLeadRef,
  extractMessage,
  extractNotes,
  extractScope,
  extractStatus,
  extractTitle,
} from '../../../src/understanding/entities/index.ts';
import { normaliseSpoken } from '../../../src/understanding/normalise/index.ts';

describe('extractStatus', () => {
  const statuses: Array<[string, string]> = [
    ['mark it as closed won', 'WON'],
    ['he booked the flat, mark as booked', 'WON'],
    ['the lead converted', 'WON'],
    ['change status to in progress', 'IN_PROGRESS'],
    ["we're working on it", 'IN_PROGRESS'],
    ['set it to follow-up', 'FOLLOW_UP'],
    ['move Rohan to follow up', 'FOLLOW_UP'],
    ['not interested anymore', 'LOST'],
    ['closed lost', 'LOST'],
    ['the lead is dead', 'LOST'],
    ['reset the status to new', 'NEW'],
  ];
  for (const [text, status] of statuses)
    it(`${text} → ${status}`, () => assert.equal(extractStatus(text, 'LEAD_UPDATE'), status));

  it('needs a cue for words that are not always a status', () => {
    assert.equal(extractStatus('create a new lead for Priya', 'LEAD_CREATE'), undefined);
    assert.equal(extractStatus('schedule a follow up meeting', 'MEETING_SCHEDULE'), undefined);
    assert.equal(extractStatus('she is interested in a 2bhk'), undefined);
    assert.equal(extractStatus('status WON'), 'WON');
  });
});

describe('extractLeadRef', () => {
  it('reads uuids, hex prefixes (written or spelled out) and pronouns', () => {
    assert.equal(
      extractLeadRef('update 3f2b8c1e-9a4d-4c2b-8e7f-1a2b3c4d5e6f to won'),
      '3f2b8c1e-9a4d-4c2b-8e7f-1a2b3c4d5e6f',
    );
    assert.equal(extractLeadRef('lead a1b2c3d4 is lost'), 'a1b2c3d4');
    assert.equal(extractLeadRef('lead id: 9f3c'), '9f3c');
    assert.equal(extractLeadRef(normaliseSpoken('lead a one b two c three')), 'a1b2c3');
    assert.equal(extractLeadRef('mark that lead as won'), '@last');
    assert.equal(extractLeadRef('schedule a visit for her'), '@last');
  });

  it('does not take an ordinary word for a hex prefix', () => {
    assert.equal(extractLeadRef('lead face and decade'), undefined);
  });
});

describe('extractNotes', () => {
  it('takes everything after a note cue', () => {
    assert.equal(extractNotes('mark as won with notes: booked unit A2'), 'booked unit A2');
    assert.equal(extractNotes('notes booked unit a2'), 'booked unit a2');
    assert.equal(extractNotes('note that he wants a corner flat.'), 'he wants a corner flat');
    assert.equal(extractNotes('visit tomorrow, remarks: bring the brochure'), 'bring the brochure');
  });

  it('does not take "meeting notes" for a note', () => {
    assert.equal(extractNotes('email the meeting notes to John'), undefined);
  });
});

describe('extractChannel and extractMessage', () => {
  it('finds the channel by its words', () => {
    assert.equal(extractChannel('send a whatsapp to Priya', 'MESSAGE_SEND'), 'whatsapp');
    assert.equal(extractChannel('text Rahul that I am late', 'MESSAGE_SEND'), 'sms');
    assert.equal(extractChannel('email the notes to John', 'MESSAGE_SEND'), 'email');
    assert.equal(extractChannel('ping the team on slack', 'MESSAGE_SEND'), 'slack');
    assert.equal(extractChannel('message him on telegram', 'MESSAGE_SEND'), 'telegram');
    assert.equal(extractChannel('what is his email id', 'MESSAGE_SEND'), undefined);
    assert.equal(extractChannel('source whatsapp', 'LEAD_CREATE'), undefined);
  });

  it('finds what to say', () => {
    assert.equal(extractMessage("send a whatsapp to Priya saying I'll be late"), "I'll be late");
    assert.equal(extractMessage('tell Rahul that the site is ready'), 'the site is ready');
    assert.equal(extractMessage('remind Anita to bring the documents'), 'bring the documents');
    assert.equal(extractMessage('message: running 10 minutes late'), 'running 10 minutes late');
    assert.equal(extractMessage('send Priya "see you at 5"'), 'see you at 5');
    assert.equal(extractMessage('email the meeting notes to john@example.com'), 'the meeting notes');
    assert.equal(extractMessage('send a whatsapp to Priya'), undefined);
  });
});

describe('extractEmails', () => {
  it('finds written and spoken addresses', () => {
    assert.deepEqual(extractEmails('mail john@example.com and Ravi.K@corp.co.in'), [
      'john@example.com',
      'ravi.k@corp.co.in',
    ]);
    assert.deepEqual(extractEmails(normaliseSpoken('it is ravi underscore k at gmail dot com')), [
      'ravi_k@gmail.com',
    ]);
    assert.deepEqual(extractEmails('meet me at the office'), []);
  });
});

describe('extractTitle and extractScope', () => {
  it('finds a meeting title', () => {
    assert.equal(extractTitle('schedule a team meeting tomorrow'), 'team meeting');
    assert.equal(extractTitle('set up a design review with Priya'), 'design review');
    assert.equal(extractTitle('book a call about the budget on Friday'), 'budget');
    assert.equal(extractTitle('create a meeting titled Q3 planning at 4'), 'Q3 planning');
    assert.equal(extractTitle('move my 2 pm meeting'), undefined);
    assert.equal(extractTitle('book a meeting with Priya'), undefined);
  });

  it('reads "all" meetings', () => {
    assert.equal(extractScope('cancel all meetings on Sep 20'), 'all');
    assert.equal(extractScope('clear my calendar tomorrow'), 'all');
    assert.equal(extractScope('cancel all of my appointments'), 'all');
    assert.equal(extractScope('cancel the meeting with Priya'), undefined);
  });
});
