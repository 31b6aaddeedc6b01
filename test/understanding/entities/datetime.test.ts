import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  extractDateTime,
  extractEntities,
  resolveInstant,
} from '../../../src/understanding/entities/index.ts';

/** Wednesday 1 October 2025, 10:00 in India. */
const ctx = { now: new Date('2025-10-01T10:00:00+05:30'), tz: 'Asia/Kolkata' };
const at = (local: string) => `${local}+05:30`;

describe('extractDateTime: business defaults', () => {
  const instants: Array<[string, string]> = [
    ['tomorrow at 3', '2025-10-02T15:00:00'],
    ['at 3', '2025-10-01T15:00:00'],
    ['at 7:30', '2025-10-01T19:30:00'],
    ['at 9', '2025-10-02T09:00:00'],
    ['tomorrow at 07:00', '2025-10-02T07:00:00'],
    ['at 1530', '2025-10-01T15:30:00'],
    ['tomorrow at 10 am', '2025-10-02T10:00:00'],
    ['next Tuesday morning', '2025-10-07T09:00:00'],
    ['tomorrow morning', '2025-10-02T09:00:00'],
    ['this afternoon', '2025-10-01T14:00:00'],
    ['this evening', '2025-10-01T18:00:00'],
    ['tonight', '2025-10-01T20:00:00'],
    ['in two hours', '2025-10-01T12:00:00'],
    ['in half an hour', '2025-10-01T10:30:00'],
    ['5th Oct 15:00', '2025-10-05T15:00:00'],
    ['2025-10-05T15:00:00+05:30', '2025-10-05T15:00:00'],
    ['visit at 2025-10-05T15:00:00+05:30', '2025-10-05T15:00:00'],
    ['at 2025-10-05 15:00', '2025-10-05T15:00:00'],
    ['2025-10-05T09:30:00Z', '2025-10-05T15:00:00'],
    ['half past four tomorrow', '2025-10-02T16:30:00'],
    ['quarter to six', '2025-10-01T17:45:00'],
    ['at twenty to six', '2025-10-01T17:40:00'],
    ['same time tomorrow', '2025-10-02T10:00:00'],
    ['day after tomorrow at noon', '2025-10-03T12:00:00'],
    ['5/10 at 4 pm', '2025-10-05T16:00:00'],
    ['on Saturday for 9am', '2025-10-04T09:00:00'],
    ['7p tomorrow', '2025-10-02T19:00:00'],
    ['Friday at 6 in the evening', '2025-10-03T18:00:00'],
    ['tomorrow morning 7', '2025-10-02T07:00:00'],
    ['afternoon 3', '2025-10-01T15:00:00'],
    ['tomorrow evening 6:30', '2025-10-02T18:30:00'],
    ['tomorrow EOD', '2025-10-02T18:00:00'],
    ['after lunch', '2025-10-01T14:00:00'],
  ];
  for (const [said, local] of instants) {
    it(`${said} → ${local}`, () => assert.equal(extractDateTime(said, ctx).datetime, at(local)));
  }

  it('gives only a date when no time of day is said', () => {
    assert.deepEqual(extractDateTime('the 20th', ctx), { date: '2025-10-20' });
    assert.deepEqual(extractDateTime('on Friday', ctx), { date: '2025-10-03' });
    assert.deepEqual(extractDateTime('in 3 days', ctx), { date: '2025-10-04' });
    assert.deepEqual(extractDateTime('next week', ctx), { date: '2025-10-06' });
    assert.deepEqual(extractDateTime('next month', ctx), { date: '2025-11-01' });
    assert.deepEqual(extractDateTime('the last Friday of October', ctx), { date: '2025-10-31' });
    assert.deepEqual(extractDateTime('Monday of next week', ctx), { date: '2025-10-06' });
    assert.deepEqual(extractDateTime('next week on Thursday', ctx), { date: '2025-10-09' });
  });

  it('prefers the future for a day without a year, and the past after "last"', () => {
    assert.deepEqual(extractDateTime('Sep 20', ctx), { date: '2026-09-20' });
    assert.deepEqual(extractDateTime('the 1st', ctx), { date: '2025-10-01' });
    // "last Monday" is last week's, as "next Monday" is next week's; "this past Monday" is the latest one.
    assert.deepEqual(extractDateTime('last Monday', ctx), { date: '2025-09-22' });
    assert.deepEqual(extractDateTime('this past Monday', ctx), { date: '2025-09-29' });
    assert.deepEqual(extractDateTime('3 days ago', ctx), { date: '2025-09-28' });
  });

  it('reads ranges, durations and recurrences', () => {
    assert.deepEqual(extractDateTime('this Friday 3-4 pm', ctx), {
      datetime: at('2025-10-03T15:00:00'),
      end_datetime: at('2025-10-03T16:00:00'),
      duration_minutes: 60,
    });
    assert.deepEqual(extractDateTime('tomorrow from 2 to 6', ctx), {
      datetime: at('2025-10-02T14:00:00'),
      end_datetime: at('2025-10-02T18:00:00'),
      duration_minutes: 240,
    });
    assert.deepEqual(extractDateTime('for 45 minutes tomorrow at 11', ctx), {
      datetime: at('2025-10-02T11:00:00'),
      duration_minutes: 45,
      end_datetime: at('2025-10-02T11:45:00'),
    });
    assert.deepEqual(extractDateTime('monday 10 to 11', ctx), {
      datetime: at('2025-10-06T10:00:00'),
      end_datetime: at('2025-10-06T11:00:00'),
      duration_minutes: 60,
    });
    assert.equal(extractDateTime('tomorrow between 3 and 5', ctx).end_datetime, at('2025-10-02T17:00:00'));
    assert.equal(extractDateTime('an hour and a half long', ctx).duration_minutes, 90);
    assert.equal(extractDateTime('it should be two hours long', ctx).duration_minutes, 120);
    assert.deepEqual(extractDateTime('every Monday', ctx), {
      recurrence: 'FREQ=WEEKLY;BYDAY=MO',
      date: '2025-10-06',
    });
    assert.equal(extractDateTime('every weekday at 9', ctx).recurrence, 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR');
    assert.equal(extractDateTime('every other week', ctx).recurrence, 'FREQ=WEEKLY;INTERVAL=2');
    assert.equal(extractDateTime('on mondays and thursdays', ctx).recurrence, 'FREQ=WEEKLY;BYDAY=MO,TH');
    assert.equal(extractDateTime('daily standup', ctx).recurrence, 'FREQ=DAILY');
    assert.equal(extractDateTime('every month on the 5th', ctx).recurrence, 'FREQ=MONTHLY;BYMONTHDAY=5');
  });

  it('joins a day and a time said apart', () => {
    assert.equal(extractDateTime('at 3 pm in Goshen on May 5th', ctx).datetime, at('2026-05-05T15:00:00'));
    assert.equal(extractDateTime("tomorrow's meeting at 10", ctx).datetime, at('2025-10-02T10:00:00'));
    assert.equal(
      extractDateTime('what is my afternoon schedule tomorrow', ctx).datetime,
      at('2025-10-02T14:00:00'),
    );
    assert.equal(extractDateTime('a week from today at five', ctx).datetime, at('2025-10-08T17:00:00'));
  });

  it('reads the spoken form', () => {
    assert.equal(
      extractDateTime('twenty fifth of october at three thirty pm', ctx).datetime,
      at('2025-10-25T15:30:00'),
    );
    assert.equal(extractDateTime('meet at ten a m on monday', ctx).datetime, at('2025-10-06T10:00:00'));
    assert.equal(extractDateTime('uh tomorrow at like four', ctx).datetime, at('2025-10-02T16:00:00'));
  });

  it('knows festivals and holidays', () => {
    assert.deepEqual(extractDateTime('after diwali', ctx), { date: '2025-10-20' });
    assert.deepEqual(extractDateTime('Diwali 2026', ctx), { date: '2026-11-08' });
    assert.deepEqual(extractDateTime('on christmas', ctx), { date: '2025-12-25' });
    assert.deepEqual(extractDateTime('eid al fitr 2026', ctx), { date: '2026-03-20' });
    assert.deepEqual(extractDateTime('ganesh chaturthi 2026', ctx), { date: '2026-09-14' });
    assert.deepEqual(extractDateTime('republic day', ctx), { date: '2026-01-26' });
    assert.deepEqual(extractDateTime('easter 2026', ctx), { date: '2026-04-05' });
    assert.deepEqual(extractDateTime('thanksgiving', ctx), { date: '2025-11-27' });
  });

  it('does not take numbers, verbs and look-alikes for dates', () => {
    for (const text of [
      'I need 3 units',
      'I may come',
      '3 units at 5000 each',
      'the second floor',
      'the sun is hot',
      'order 12345',
    ])
      assert.deepEqual(extractDateTime(text, ctx), {}, text);
  });

  it('keeps the zone offset right across a daylight-saving change', () => {
    const ny = { now: new Date('2025-11-01T12:00:00-04:00'), tz: 'America/New_York' };
    assert.equal(extractDateTime('tomorrow at 3 pm', ny).datetime, '2025-11-02T15:00:00-05:00');
    assert.equal(extractDateTime('today at 3 pm', ny).datetime, '2025-11-01T15:00:00-04:00');
  });
});

describe('extractDateTime: rescheduling', () => {
  it('takes "my 2 PM meeting" as the meeting moved and the other time as the new one', () => {
    assert.deepEqual(extractDateTime('reschedule my 2 PM meeting to 3 PM', ctx, 'MEETING_RESCHEDULE'), {
      original_datetime: at('2025-10-01T14:00:00'),
      datetime: at('2025-10-01T15:00:00'),
    });
  });

  it('moves to a new day at the original time of day', () => {
    assert.deepEqual(extractDateTime("move tomorrow's 11 am call to friday", ctx, 'MEETING_RESCHEDULE'), {
      original_datetime: at('2025-10-02T11:00:00'),
      datetime: at('2025-10-03T11:00:00'),
    });
  });

  it('keeps the day of the original for a new time alone', () => {
    assert.deepEqual(extractDateTime('push the friday 4 pm meeting to 6', ctx, 'MEETING_RESCHEDULE'), {
      original_datetime: at('2025-10-03T16:00:00'),
      datetime: at('2025-10-03T18:00:00'),
    });
  });

  it('reads a single time as the new time', () => {
    assert.deepEqual(extractDateTime('reschedule it to 5 pm tomorrow', ctx, 'MEETING_RESCHEDULE'), {
      datetime: at('2025-10-02T17:00:00'),
    });
  });
});

describe('resolveInstant', () => {
  it('gives the first instant as local wall-clock time, a day at midnight, or null', () => {
    assert.equal(resolveInstant('tomorrow at 3 pm', ctx), '2025-10-02T15:00:00');
    assert.equal(resolveInstant('on the 20th', ctx), '2025-10-20T00:00:00');
    assert.equal(resolveInstant('no date here', ctx), null);
  });
});

describe('extractEntities: where a date is not the instant', () => {
  it('does not read a time inside a message or notes', () => {
    const e = extractEntities('send a whatsapp to Priya saying I will be there by 5', ctx, 'MESSAGE_SEND');
    assert.equal(e.datetime, undefined);
    assert.equal(e.message, 'I will be there by 5');
  });
});

describe('extractDateTime: numeric date order', () => {
  it('reads an ambiguous numeric date day first by default, month first when the organisation says so', () => {
    assert.equal(extractDateTime('call on 4/11', ctx).date, '2025-11-04');
    assert.equal(extractDateTime('call on 4/11', { ...ctx, dateOrder: 'month-first' }).date, '2026-04-11');
  });

  it('reads month first in a US time zone unless the context says otherwise', () => {
    const ny = { now: new Date('2025-10-01T10:00:00-04:00'), tz: 'America/New_York' };
    assert.equal(extractDateTime('call on 4/11', ny).date, '2026-04-11');
    assert.equal(extractDateTime('call on 4/11', { ...ny, dateOrder: 'day-first' }).date, '2025-11-04');
    const saoPaulo = { now: ny.now, tz: 'America/Sao_Paulo' };
    assert.equal(extractDateTime('call on 4/11', saoPaulo).date, '2025-11-04');
  });

  it('reads a date whose order is plain from its numbers the same either way', () => {
    for (const dateOrder of ['day-first', 'month-first'] as const) {
      const c = { ...ctx, dateOrder };
      assert.equal(extractDateTime('the demo is on 23/11/2025', c).date, '2025-11-23', dateOrder);
      assert.equal(extractDateTime('the demo is on 11/23/2025', c).date, '2025-11-23', dateOrder);
      assert.equal(extractDateTime('pay by 30/10', c).date, '2025-10-30', dateOrder);
    }
  });
});

describe('extractDateTime: edges of a period', () => {
  const days: Array<[string, string]> = [
    ['send the quote by the end of the week', '2025-10-03'],
    ['follow up end of next week', '2025-10-10'],
    ['close it by end of this month', '2025-10-31'],
    ['renewal at the end of next month', '2025-11-30'],
    ['review mid next month', '2025-11-15'],
    ['site visit in the middle of the month', '2025-10-15'],
    ['restart at the start of next week', '2025-10-06'],
    ['audit at the beginning of next month', '2025-11-01'],
    ['payment due at month end', '2025-10-31'],
    ['targets by the end of the year', '2025-12-31'],
    ['launch at the end of January', '2026-01-31'],
    ['check in mid-November', '2025-11-15'],
  ];
  for (const [text, day] of days) {
    it(`${text} → ${day}`, () => assert.equal(extractDateTime(text, ctx).date, day));
  }

  it('keeps a time said with the edge of a period', () => {
    assert.equal(
      extractDateTime('call him at the end of the week at 4', ctx).datetime,
      at('2025-10-03T16:00:00'),
    );
  });
});

describe('extractDateTime: clock readings and small hours', () => {
  it('reads "1730 hrs" as a clock time, not a duration of 1730 hours', () => {
    const e = extractDateTime('the site visit is at 1730 hrs tomorrow', ctx);
    assert.equal(e.datetime, at('2025-10-02T17:30:00'));
    assert.equal(e.duration_minutes, undefined);
    assert.equal(extractDateTime('call at 17:30 hrs', ctx).duration_minutes, undefined);
    assert.equal(extractDateTime('block 2 hrs for the review', ctx).duration_minutes, 120);
  });

  it('puts "tonight at 2" after midnight, and counts "from right now" from this moment', () => {
    assert.equal(extractDateTime('the server move is tonight at 2', ctx).datetime, at('2025-10-02T02:00:00'));
    assert.equal(extractDateTime('tonight at 11', ctx).datetime, at('2025-10-01T23:00:00'));
    assert.equal(resolveInstant('a day from right now', ctx), '2025-10-02T10:00:00');
  });
});

describe('extractDateTime: words that only look like times', () => {
  it('does not read an amount of money as a day or an hour', () => {
    assert.equal(extractDateTime('paid ₹15 for parking on 12 Oct', ctx).date, '2025-10-12');
    assert.equal(extractDateTime('the booking fee is Rs. 20, visit on the 9th', ctx).date, '2025-10-09');
    assert.equal(extractDateTime('an invoice of $25 December 20 is due', ctx).date, '2025-12-20');
  });

  it('does not read a lead time before an event as a time from now', () => {
    assert.equal(
      extractDateTime('ping me one hour before the demo tomorrow morning', ctx).datetime,
      at('2025-10-02T09:00:00'),
    );
    assert.deepEqual(extractDateTime('alert me 15 minutes before it starts', ctx), {});
    assert.equal(extractDateTime('follow up 2 days after diwali', ctx).date, '2025-10-22');
    assert.equal(extractDateTime('in 2 hours', ctx).datetime, at('2025-10-01T12:00:00'));
  });

  it('reads "week from today" without a count as one week', () => {
    assert.equal(extractDateTime('the handover is week from today', ctx).date, '2025-10-08');
    assert.equal(extractDateTime('the handover is 2 weeks from today', ctx).date, '2025-10-15');
  });

  it('puts "this evening at 12" at the midnight that ends the day', () => {
    assert.equal(extractDateTime('deploy this evening at 12', ctx).datetime, at('2025-10-02T00:00:00'));
  });

  it('dates Eid before 1999 by sighting, after by the Umm al-Qura rules', () => {
    assert.equal(extractDateTime('ramzan eid in 1990', ctx).date, '1990-04-26');
    assert.equal(extractDateTime('Eid al-Adha 2024', ctx).date, '2024-06-16');
  });
});

describe('extractDateTime: the rest of a period', () => {
  it('starts "the rest of the week" and "the remainder of the day" today', () => {
    assert.equal(extractDateTime('clear my calendar for the rest of the week', ctx).date, '2025-10-01');
    assert.equal(extractDateTime('no calls the remainder of the day', ctx).date, '2025-10-01');
  });
});

describe('extractDateTime: a weekday that does not fit the date', () => {
  it('keeps the coming date when the weekday only fits a date further away in the past', () => {
    // 10 March 2026 is a Tuesday; 10 March 2025 was a Monday, further back than 10 March 2026 is ahead.
    assert.equal(extractDateTime('the deadline is Monday, 10 March', ctx).date, '2026-03-10');
  });

  it('takes the recent day when the weekday fits it', () => {
    // 28 September 2025 was the Sunday just gone.
    assert.equal(extractDateTime('it was Sunday, 28 September', ctx).date, '2025-09-28');
  });

  it('does not read "the day off" as a day', () => {
    assert.equal(extractDateTime('taking the day off on Friday', ctx).date, '2025-10-03');
  });
});

describe('extractDateTime: clock readings with "to" and "by", and days a month lacks', () => {
  it('reads "at ten to six" as 5:50, but keeps "from 10 to 6" a range', () => {
    assert.equal(extractDateTime('call me at ten to six', ctx).datetime, at('2025-10-01T17:50:00'));
    const range = extractDateTime('the office is staffed from 10 to 6', ctx);
    assert.equal(range.datetime, at('2025-10-01T10:00:00'));
    assert.equal(range.end_datetime, at('2025-10-01T18:00:00'));
  });

  it('reads "by 7" after a part of the day as that hour, and leaves arithmetic alone', () => {
    assert.equal(
      extractDateTime('set the review tomorrow evening by seven', ctx).datetime,
      at('2025-10-02T19:00:00'),
    );
    assert.deepEqual(extractDateTime('what is 90 divided by 3', ctx), {});
  });

  it('takes "the 31st" in the next month that has one', () => {
    const november = { ...ctx, now: new Date('2025-11-10T10:00:00+05:30') };
    assert.equal(extractDateTime('invoice on the 31st', november).date, '2025-12-31');
    assert.equal(extractDateTime('invoice on the 30th', november).date, '2025-11-30');
  });
});

describe('extractDateTime: more fixed-date and counted holidays', () => {
  const days: Array<[string, string]> = [
    ['close the deal before boxing day', '2025-12-26'],
    ['the office is shut on veterans day', '2025-11-11'],
    ['all saints day', '2025-11-01'],
    ['juneteenth 2026', '2026-06-19'],
    ['election day 2028', '2028-11-07'],
    ['yoga day', '2026-06-21'],
  ];
  for (const [text, day] of days) {
    it(`${text} → ${day}`, () => assert.equal(extractDateTime(text, ctx).date, day));
  }

  it('leaves ordinary words that name feasts alone', () => {
    assert.deepEqual(extractDateTime('I made an assumption about the budget', ctx), {});
    assert.deepEqual(extractDateTime('she had an epiphany', ctx), {});
  });
});

describe('extractDateTime: an hour before the day it belongs to, and counts from a weekday', () => {
  it('reads "at 7 tomorrow morning" as 7 am', () => {
    assert.equal(extractDateTime('ring me at 7 tomorrow morning', ctx).datetime, at('2025-10-02T07:00:00'));
    assert.equal(extractDateTime('demo at 6 friday evening', ctx).datetime, at('2025-10-03T18:00:00'));
  });

  it('counts "two weeks from Monday" from the coming Monday', () => {
    assert.equal(extractDateTime('renewal two weeks from monday', ctx).date, '2025-10-20');
    assert.equal(extractDateTime('follow up 3 days after friday', ctx).date, '2025-10-06');
  });
});

describe('extractDateTime: a working-hours range on a named day', () => {
  it('keeps "10 to 6 tomorrow" within tomorrow', () => {
    const e = extractDateTime('I am busy 10 to 6 tomorrow', ctx);
    assert.equal(e.datetime, at('2025-10-02T10:00:00'));
    assert.equal(e.end_datetime, at('2025-10-02T18:00:00'));
    assert.equal(e.duration_minutes, 480);
  });
});
