/**
 * Meetings and messages end to end: BotService with the real understanding engine, the built-in CRM, calendar and
 * outbox on in-memory PGlite (and PostgreSQL when TEST_DATABASE_URL is set). Now: Friday 19 September 2025, 9 AM IST.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { BotResponse } from '../../../src/core/bot.ts';
import { createLogger } from '../../../src/core/logger.ts';
import { fixedClock } from '../../../src/core/time.ts';
import type { BuiltinCalendar } from '../../../src/integrations/calendar/builtin-calendar.ts';
import type { Database } from '../../../src/store/database.ts';
import { MeetingRepository } from '../../../src/store/meetings.ts';
import { OutboxRepository } from '../../../src/store/outbox.ts';
import { createTestOrg, databaseTargets } from '../../helpers/db.ts';
import { meetingsBot } from './meetings-bot.ts';

const NOW = '2025-09-19T09:00:00+05:30';

for (const target of databaseTargets()) {
  describe(`meetings and messages through the bot (${target.name})`, () => {
    let database: Database;
    let bot: ReturnType<typeof meetingsBot>;
    let calendar: BuiltinCalendar;
    const logged: { event?: string; msg: string }[] = [];
    let session = 0;

    before(async () => {
      database = await target.open();
      const stream = new PassThrough();
      stream.on('data', (c: Buffer) => {
        for (const line of c.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line));
      });
      bot = meetingsBot(
        database,
        fixedClock(NOW),
        createLogger({ level: 'info', format: 'json', destination: stream }),
      );
      calendar = bot.calendar;
    });
    after(() => database.close());

    /** A fresh organisation and a conversation in it. */
    async function conversation() {
      const org = await createTestOrg(database.db);
      const sessionId = `meet-${session++}`;
      const say = (transcript: string): Promise<BotResponse> =>
        bot.bot.handle({ transcript, session_id: sessionId }, org.id);
      return { org, say, cal: calendar.calendarFor(org.id) };
    }

    it('schedules a meeting and says when, in words, in the org zone', async () => {
      const { say, cal } = await conversation();
      const r = await say('Schedule a team meeting for tomorrow at 10 AM');
      assert.equal(r.intent, 'MEETING_SCHEDULE');
      assert.equal(r.reply, 'Your team meeting is set for tomorrow, Saturday the twentieth, at ten AM.');
      assert.equal(r.error, undefined);
      const [m] = await cal.onDay('2025-09-20');
      assert.equal(m?.title, 'team meeting');
      assert.equal(m?.start, '2025-09-20T10:00:00+05:30');
      assert.equal(m?.end, '2025-09-20T10:30:00+05:30');
      assert.equal(r.result?.meeting_id, m?.meeting_id);
    });

    it('asks for the time when none is given, then books it on the day said', async () => {
      const { say, cal } = await conversation();
      const first = await say('schedule a meeting tomorrow');
      assert.equal(first.awaiting, 'start');
      assert.match(first.reply, /^What time should I set it for/);
      assert.deepEqual(await cal.onDay('2025-09-20'), []);
      const second = await say('at 11 am');
      assert.equal(second.reply, 'Your meeting is set for tomorrow, Saturday the twentieth, at eleven AM.');
      assert.equal((await cal.onDay('2025-09-20'))[0]?.start, '2025-09-20T11:00:00+05:30');
    });

    it('reports a conflict before booking and books only on a yes', async () => {
      const { say, cal } = await conversation();
      await say('schedule a design review tomorrow at 3 PM with rahul@example.com for 60 minutes');
      const clash = await say('book a team sync tomorrow at 3:30 PM');
      assert.equal(clash.awaiting, 'confirmation');
      assert.equal(
        clash.reply,
        'You already have the design review at three PM. Should I still book your team sync then?',
      );
      assert.equal((await cal.onDay('2025-09-20')).length, 1, 'nothing booked before the yes');
      const yes = await say('yes');
      assert.match(
        yes.reply,
        /^Your team sync is set for tomorrow, Saturday the twentieth, at three thirty PM\./,
      );
      assert.match(yes.reply, /It overlaps the design review at three PM\.$/);
      assert.equal((await cal.onDay('2025-09-20')).length, 2);
      const block = logged.find((l) => l.event === 'calendar.meeting_scheduled' && /team sync/.test(l.msg));
      assert.match(block?.msg ?? '', /📅 MEETING SCHEDULED[\s\S]*Overlaps {3}: design review/);
    });

    it('cancels all meetings on a day after listing them and asking once', async () => {
      const { say, cal, org } = await conversation();
      await say('schedule a design review on September 20th at 10 AM');
      await say('schedule a team sync on September 20th at 3 PM');
      await say('schedule a project review on September 20th at 5 PM');
      await say('schedule a planning meeting on September 21st at 10 AM');
      const ask = await say('cancel all meetings on September 20th');
      assert.equal(ask.intent, 'MEETING_CANCEL');
      assert.equal(ask.awaiting, 'confirmation');
      assert.equal(
        ask.reply,
        'Cancel these three meetings? The design review at ten AM, the team sync at three PM and the project review at five PM. Say yes to confirm.',
      );
      assert.equal((await cal.onDay('2025-09-20')).length, 3, 'nothing cancelled before the yes');
      const done = await say('yes');
      assert.equal(done.reply, "Done. I've cancelled all three meetings tomorrow.");
      assert.equal((done.result?.items as unknown[] | undefined)?.length, 3);
      assert.deepEqual(await cal.onDay('2025-09-20'), []);
      assert.equal((await cal.onDay('2025-09-21')).length, 1, 'other days untouched');
      assert.equal(await new MeetingRepository(database.db).count(org.id, 'CANCELLED'), 3);
      const again = await say('cancel all meetings on September 20th');
      assert.equal(again.reply, "You have no meetings tomorrow, so there's nothing to cancel.");
      assert.equal(again.awaiting, undefined);
    });

    it('a no leaves the day as it was', async () => {
      const { say, cal } = await conversation();
      await say('schedule a design review on September 22nd at 10 AM');
      await say('cancel all meetings on September 22nd');
      const no = await say('no');
      assert.equal(no.reply, "Okay, I haven't cancelled anything.");
      assert.equal((await cal.onDay('2025-09-22')).length, 1);
    });

    it('reschedules "my 2 PM meeting" by its time, keeping its length', async () => {
      const { say, cal } = await conversation();
      await say('schedule a client call today at 2 PM for 45 minutes');
      const r = await say('reschedule my 2 PM meeting to 3 PM');
      assert.equal(r.intent, 'MEETING_RESCHEDULE');
      assert.equal(r.reply, "Done. I've moved the client call to today at three PM.");
      const [m] = await cal.onDay('2025-09-19');
      assert.equal(m?.start, '2025-09-19T15:00:00+05:30');
      assert.equal(m?.end, '2025-09-19T15:45:00+05:30');
    });

    it('moves a meeting found by its title to another day at its own time', async () => {
      const { say, cal } = await conversation();
      await say('schedule a design review tomorrow at 10 AM');
      const r = await say('move the design review to Friday');
      assert.equal(
        r.reply,
        "Done. I've moved the design review to Friday the twenty-sixth of September at ten AM.",
      );
      assert.equal((await cal.onDay('2025-09-26'))[0]?.start, '2025-09-26T10:00:00+05:30');
      assert.deepEqual(await cal.onDay('2025-09-20'), []);
    });

    for (const [answer, chosen] of [
      ['the design review', 'design review'],
      ['the one at 3', 'team sync'],
      ['the second', 'team sync'],
    ] as const) {
      it(`asks which meeting when two fit, and "${answer}" picks the ${chosen}`, async () => {
        const { say, cal } = await conversation();
        await say('schedule a design review tomorrow at 10 AM');
        await say('schedule a team sync tomorrow at 3 PM');
        const ask = await say('cancel my meeting tomorrow');
        assert.equal(ask.awaiting, 'meeting_choice');
        assert.equal(
          ask.reply,
          'Which of your two meetings tomorrow — the design review at ten AM or the team sync at three PM?',
        );
        const confirm = await say(answer);
        assert.equal(confirm.awaiting, 'confirmation');
        assert.match(confirm.reply, new RegExp(`^Cancel the ${chosen} tomorrow at`));
        await say('yes');
        const left = (await cal.onDay('2025-09-20')).map((m) => m.title);
        assert.deepEqual(left, [chosen === 'team sync' ? 'design review' : 'team sync']);
      });
    }

    it('an answer that picks neither is asked again, not guessed', async () => {
      const { say, cal } = await conversation();
      await say('schedule a design review tomorrow at 10 AM');
      await say('schedule a team sync tomorrow at 3 PM');
      await say('reschedule my meeting tomorrow to 5 PM');
      const r = await say('the blue one');
      assert.equal(r.awaiting, 'meeting_choice');
      assert.match(r.reply, /^Sorry, I didn't catch that\. Which of your two meetings tomorrow/);
      assert.deepEqual(
        (await cal.onDay('2025-09-20')).map((m) => m.start.slice(11, 16)),
        ['10:00', '15:00'],
      );
    });

    it('answers what is on next week and whether a time is free', async () => {
      const { say } = await conversation();
      await say('schedule a design review on Monday at 10 AM');
      await say('schedule a team sync on Wednesday at 3 PM');
      await say('schedule a project review tomorrow at 3 PM');
      const week = await say('What meetings do I have next week?');
      assert.equal(week.intent, 'MEETING_QUERY');
      assert.equal(
        week.reply,
        'You have two meetings next week: the design review on Monday the twenty-second of September at ten AM and the team sync on Wednesday the twenty-fourth of September at three PM.',
      );
      assert.equal(
        (await say('am I free tomorrow at 3?')).reply,
        'No, you have the project review at three PM tomorrow.',
      );
      assert.equal((await say('am I free tomorrow at 5 PM?')).reply, "Yes, you're free tomorrow at five PM.");
    });

    it('sends a WhatsApp to a lead at the phone the CRM has, through the outbox', async () => {
      const { say, org } = await conversation();
      await bot.crm.createLead(org.id, { name: 'Priya Nair', phone: '9876543210', city: 'Pune' });
      const r = await say("send a whatsapp to Priya saying I'll be late");
      assert.equal(r.intent, 'MESSAGE_SEND');
      assert.equal(r.reply, `Done. I've sent your WhatsApp message to Priya Nair: "I'll be late".`);
      const [row] = await new OutboxRepository(database.db).list(org.id);
      assert.equal(row?.channel, 'whatsapp');
      assert.equal(row?.recipient, '+919876543210');
      assert.equal(row?.body, "I'll be late");
      assert.equal(row?.status, 'SENT');
      const block = logged.find((l) => l.event === 'outbox.message_sent' && l.msg.includes(row!.id));
      assert.match(block?.msg ?? '', /MESSAGE SENT \(WHATSAPP\)[\s\S]*To {9}: \+919876543210/);
    });

    it('asks for what is missing: recipient, number, text; a bad address is refused before queueing', async () => {
      const { say, org } = await conversation();
      const outbox = new OutboxRepository(database.db);
      assert.equal(
        (await say('send a message')).reply,
        'Who should I send it to? Tell me their name, number or address.',
      );
      assert.equal((await say('Rohan')).awaiting, 'channel');
      assert.equal(
        (await say('whatsapp')).reply,
        "I don't have a number for Rohan. What's Rohan's WhatsApp number?",
      );
      const bad = await say('12345');
      assert.equal(bad.awaiting, 'to');
      assert.equal(bad.error?.type, 'VALIDATION_ERROR');
      assert.match(bad.reply, /^That isn't a phone number for WhatsApp\./);
      assert.equal((await outbox.list(org.id)).length, 0);
      assert.equal((await say('9876543211')).reply, 'What should the message say?');
      const done = await say('running late');
      assert.equal(done.reply, `Done. I've sent your WhatsApp message to Rohan: "running late".`);
      assert.equal((await outbox.list(org.id))[0]?.recipient, '+919876543211');

      const email = await say('send an email to Priya saying the notes are attached');
      assert.equal(email.reply, "What's Priya's e-mail address?");
      assert.equal((await say('priya@example')).error?.type, 'VALIDATION_ERROR');
      const sent = await say('priya@example.com');
      assert.equal(sent.reply, `Done. I've sent your e-mail to Priya: "the notes are attached".`);
      assert.equal((await outbox.list(org.id)).length, 2);
    });
  });
}
