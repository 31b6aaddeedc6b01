/** The assistant (local brain, real understanding) with the full calendar: reminders said, occurrences acted on. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { reminderMinutesIn } from '../../../src/brains/local/tasks/meeting-schedule.ts';
import type { BotResponse } from '../../../src/core/bot.ts';
import { fixedClock } from '../../../src/core/time.ts';
import type { Database } from '../../../src/store/database.ts';
import { meetingsBot } from '../../channels/text/meetings-bot.ts';
import { createTestOrg, databaseTargets } from '../../helpers/db.ts';

describe('reminder phrases', () => {
  it('reads minutes, hours and days before, in digits or words', () => {
    assert.equal(reminderMinutesIn('and remind me 15 minutes before'), 15);
    assert.equal(reminderMinutesIn('with a reminder an hour before'), 60);
    assert.equal(reminderMinutesIn('remind everyone one day ahead'), 1440);
    assert.equal(reminderMinutesIn('remind us ten minutes before it starts'), 10);
    assert.equal(reminderMinutesIn('remind me about it'), undefined);
    assert.equal(reminderMinutesIn('a 30 minute meeting before lunch'), undefined);
  });
});

for (const target of databaseTargets()) {
  describe(`the assistant and the calendar (${target.name})`, () => {
    let database: Database;
    const clock = fixedClock('2025-09-19T09:00:00+05:30');

    before(async () => {
      database = await target.open();
    });
    after(() => database.close());

    it('books a meeting with a reminder, says so, and the reminder is stored', async () => {
      const org = await createTestOrg(database.db);
      const { bot, calendar } = meetingsBot(database, clock);
      const say = (transcript: string): Promise<BotResponse> =>
        bot.handle({ transcript, session_id: 'rem-1' }, org.id);
      const r = await say(
        'Schedule a design review tomorrow at 3 PM with priya@example.com and remind me 15 minutes before',
      );
      assert.equal(r.intent, 'MEETING_SCHEDULE');
      assert.match(r.reply, /I'll send a reminder fifteen minutes before\.$/);
      const [meeting] = await calendar.calendarFor(org.id).onDay('2025-09-20');
      assert.equal(meeting!.start, '2025-09-20T15:00:00+05:30');
      assert.equal(meeting!.end, '2025-09-20T15:30:00+05:30', 'the reminder is not taken as the length');
      assert.deepEqual(meeting!.reminder_minutes, [15]);
    });

    it('cancels only the occurrence of a recurring meeting that was asked for', async () => {
      const org = await createTestOrg(database.db);
      const { bot, calendar } = meetingsBot(database, clock);
      const cal = calendar.calendarFor(org.id);
      await cal.create({
        title: 'standup',
        start: new Date('2025-09-22T10:00:00+05:30'),
        end: new Date('2025-09-22T10:15:00+05:30'),
        attendees: [],
        recurrence: 'FREQ=DAILY;COUNT=5',
      });
      const say = (transcript: string): Promise<BotResponse> =>
        bot.handle({ transcript, session_id: 'rem-2' }, org.id);
      const ask = await say('cancel the standup on September 23rd');
      assert.equal(ask.intent, 'MEETING_CANCEL');
      const done = await say('yes');
      assert.match(done.reply, /^Done\. I've cancelled/);
      assert.deepEqual(await cal.onDay('2025-09-23'), []);
      assert.equal((await cal.onDay('2025-09-24')).length, 1, 'the series goes on');
      assert.equal((await cal.onDay('2025-09-22')).length, 1);
    });
  });
}
