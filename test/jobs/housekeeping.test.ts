import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/core/logger.ts';
import { fixedClock } from '../../src/core/time.ts';
import { BuiltinCrm } from '../../src/crm/builtin-crm.ts';
import { BuiltinCalendar } from '../../src/integrations/calendar/builtin-calendar.ts';
import { runHousekeeping } from '../../src/jobs/housekeeping.ts';
import { runReminders } from '../../src/jobs/reminders.ts';
import { BotSessionRepository } from '../../src/store/bot-session-repository.ts';
import type { Database } from '../../src/store/database.ts';
import { MeetingReminderRepository } from '../../src/store/meeting-reminders.ts';
import { RateLimitRepository } from '../../src/store/rate-limits.ts';
import { createTestOrg, databaseTargets } from '../helpers/db.ts';

for (const target of databaseTargets())
  describe(`housekeeping (${target.name})`, () => {
    let database: Database;
    before(async () => {
      database = await target.open();
    });
    after(async () => {
      await database.close();
    });

    it('forgets expired idempotency keys and week-old idle sessions, and keeps the rest', async () => {
      const org = await createTestOrg(database.db);
      const t0 = new Date('2026-01-01T00:00:00Z');
      const crmAt = (at: Date) =>
        new BuiltinCrm({
          db: database.db,
          kind: database.kind,
          logger: silentLogger,
          dataDir: '/nonexistent',
          csvLogs: false,
          clock: fixedClock(at),
        });
      const early = crmAt(t0);
      await early.createLead(
        org.id,
        { name: 'Asha', phone: '9876500001', city: 'Pune' },
        { idempotencyKey: 'k-old' },
      );
      const sessions = new BotSessionRepository(database.db);
      await sessions.save(org.id, 'idle-session', { state: {}, turn: 1 }, null);

      // Two days later the key is past its 24 h window; the session was written "now" by the database clock, so it is
      // idle only if the cutoff is in the future: a week after the real now.
      const later = crmAt(new Date(t0.getTime() + 2 * 24 * 3600_000));
      const targets = {
        purgeExpiredIdempotencyKeys: () => later.purgeExpiredIdempotencyKeys(),
        deleteIdleSessionsSince: (cutoff: Date) => sessions.deleteIdleSince(cutoff),
      };
      const kept = await runHousekeeping({ targets, logger: silentLogger, clock: fixedClock(new Date()) });
      assert.equal(kept.sessions, 0);
      assert.ok(kept.keys >= 1);
      assert.ok(await sessions.load(org.id, 'idle-session'));

      const eightDaysOn = fixedClock(new Date(Date.now() + 8 * 24 * 3600_000));
      const removed = await runHousekeeping({ targets, logger: silentLogger, clock: eightDaysOn });
      assert.ok(removed.sessions >= 1);
      assert.equal(await sessions.load(org.id, 'idle-session'), null);
      await early.close();
      await later.close();
    });

    it('logs a failing target and still runs the other', async () => {
      const result = await runHousekeeping({
        targets: {
          purgeExpiredIdempotencyKeys: () => Promise.reject(new Error('database gone')),
          deleteIdleSessionsSince: async () => 3,
        },
        logger: silentLogger,
      });
      assert.deepEqual(result, { keys: 0, sessions: 3, rateWindows: 0, reminders: 0 });
    });

    it('forgets rate-limit windows older than a day and keeps the current one', async () => {
      const org = await createTestOrg(database.db);
      const limits = new RateLimitRepository(database.db);
      const now = new Date('2026-03-01T12:00:00Z');
      const rule = { limit: 5, windowMs: 60_000 };
      await limits.take(org.id, 'model-calls', rule, new Date(now.getTime() - 2 * 24 * 3600_000));
      await limits.take(org.id, 'model-calls', rule, now);
      const result = await runHousekeeping({
        targets: {
          purgeExpiredIdempotencyKeys: async () => 0,
          deleteIdleSessionsSince: async () => 0,
          purgeRateLimitWindowsBefore: (cutoff) => limits.purgeBefore(cutoff),
        },
        logger: silentLogger,
        clock: fixedClock(now),
      });
      assert.equal(result.rateWindows, 1);
      // The current window survived: its count goes on from 1.
      assert.equal((await limits.take(org.id, 'model-calls', rule, now)).count, 2);
    });

    it('forgets reminders of occurrences more than 30 days past, and never plans them again', async () => {
      const org = await createTestOrg(database.db);
      const now = new Date('2026-03-01T12:00:00Z');
      const days = (n: number) => new Date(now.getTime() + n * 24 * 3600_000);
      // A daily meeting that began 40 days ago, with a 10-minute reminder: its reminders were planned and sent.
      const calendar = new BuiltinCalendar({
        db: database.db,
        logger: silentLogger,
        clock: fixedClock(days(-40)),
        blocks: false,
      });
      const { meeting } = await calendar.calendarFor(org.id).create({
        title: 'standup',
        start: days(-40),
        end: new Date(days(-40).getTime() + 15 * 60_000),
        attendees: ['ravi@example.com'],
        recurrence: 'FREQ=DAILY',
        reminderMinutes: [10],
      });
      const reminders = new MeetingReminderRepository(database.db);
      const reminder = (start: Date) => ({
        id: randomUUID(),
        org_id: org.id,
        meeting_id: meeting.meeting_id,
        occurrence_start: start,
        minutes_before: 10,
        channel: 'email',
        recipient: 'ravi@example.com',
        remind_at: new Date(start.getTime() - 10 * 60_000),
        created_at: start,
      });
      assert.equal(await reminders.plan([days(-40), days(-31), days(-29), days(-1)].map(reminder)), 4);
      const targets = {
        purgeExpiredIdempotencyKeys: async () => 0,
        deleteIdleSessionsSince: async () => 0,
        purgeMeetingRemindersBefore: (cutoff: Date) => reminders.purgeOccurrencesBefore(cutoff),
      };
      const result = await runHousekeeping({ targets, logger: silentLogger, clock: fixedClock(now) });
      assert.equal(result.reminders, 2);
      const left = (await reminders.forMeeting(meeting.meeting_id)).map((r) => +r.occurrence_start);
      assert.deepEqual(left, [+days(-29), +days(-1)]);
      // A reminders round today plans only occurrences still to come: the forgotten ones do not come back. The two
      // left are due but their occurrences have started (no instance ran then): skipped, not sent late.
      const asked: string[] = [];
      await runReminders({
        db: database.db,
        messagesFor: (orgId) => {
          asked.push(orgId);
          throw new Error('no reminder should be sent');
        },
        logger: silentLogger,
        clock: fixedClock(now),
      });
      assert.deepEqual(asked, []);
      const after = await reminders.forMeeting(meeting.meeting_id);
      assert.ok(
        after.every((r) => +r.occurrence_start >= +days(-29)),
        'a forgotten reminder was planned again',
      );
      assert.deepEqual(
        after.filter((r) => +r.occurrence_start < +now).map((r) => r.status),
        ['SKIPPED', 'SKIPPED'],
      );
      assert.equal(
        (await runHousekeeping({ targets, logger: silentLogger, clock: fixedClock(now) })).reminders,
        0,
      );
    });
  });
