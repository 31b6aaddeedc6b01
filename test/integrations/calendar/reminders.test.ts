import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { silentLogger } from '../../../src/core/logger.ts';
import type { MessageSender } from '../../../src/core/messages.ts';
import type { Clock } from '../../../src/core/time.ts';
import { BuiltinCalendar } from '../../../src/integrations/calendar/builtin-calendar.ts';
import { OutboxSender } from '../../../src/integrations/messaging/outbox-sender.ts';
import { reminderText, runReminders } from '../../../src/jobs/reminders.ts';
import type { Database } from '../../../src/store/database.ts';
import { MeetingReminderRepository } from '../../../src/store/meeting-reminders.ts';
import { createTestOrg, databaseTargets } from '../../helpers/db.ts';

const at = (iso: string) => new Date(iso);

/** A clock the test moves. */
function movableClock(start: string): Clock & { set(iso: string): void } {
  let now = at(start);
  return { now: () => new Date(now.getTime()), set: (iso) => (now = at(iso)) };
}

describe('reminder text', () => {
  it('says what, when and how soon, in the zone given', () => {
    assert.equal(
      reminderText('design review', at('2025-09-23T09:30:00Z'), 10, 'Asia/Kolkata'),
      'Reminder: design review starts in 10 minutes, Tue 23 Sep 2025 15:00 (GMT+5:30).',
    );
    assert.match(reminderText('x', at('2025-09-23T09:30:00Z'), 60, 'UTC'), /starts in 1 hour,/);
    assert.match(reminderText('x', at('2025-09-23T09:30:00Z'), 2880, 'UTC'), /starts in 2 days,/);
  });
});

for (const target of databaseTargets()) {
  describe(`meeting reminders (${target.name})`, () => {
    let database: Database;
    let second: Database['db'];
    let closeSecond: () => Promise<void>;
    let orgId: string;
    const clock = movableClock('2025-09-22T08:00:00+05:30');

    before(async () => {
      database = await target.open();
      // A second instance: its own connection pool on PostgreSQL (PGlite has one connection anyway).
      if (target.name === 'postgres' && process.env.TEST_DATABASE_URL) {
        const { openDatabase, IN_MEMORY } = await import('../../../src/store/database.ts');
        const url = new URL(process.env.TEST_DATABASE_URL);
        const { rows } = await sql<{ db: string }>`select current_database() as db`.execute(database.db);
        url.pathname = `/${rows[0]!.db}`;
        const other = await openDatabase({ databaseUrl: url.toString(), dataDir: IN_MEMORY, poolSize: 5 });
        second = other.db;
        closeSecond = () => other.close();
      } else {
        second = database.db;
        closeSecond = async () => {};
      }
      orgId = (await createTestOrg(database.db)).id;
    });
    after(async () => {
      await closeSecond();
      await database.close();
    });

    const outboxRows = async () =>
      (
        await sql<{ recipient: string; channel: string; body: string }>`
          select recipient, channel, body from outbox_messages where org_id = ${orgId} order by created_at, recipient`.execute(
          database.db,
        )
      ).rows;

    it('two instances send each reminder of each occurrence exactly once; a cancelled occurrence gets none', async () => {
      const calendar = new BuiltinCalendar({ db: database.db, logger: silentLogger, clock, blocks: false });
      const cal = calendar.calendarFor(orgId);
      const { meeting } = await cal.create({
        title: 'standup',
        start: at('2025-09-22T10:00:00+05:30'),
        end: at('2025-09-22T10:15:00+05:30'),
        attendees: ['Priya', 'ravi@example.com', '+919876543210'],
        recurrence: 'FREQ=DAILY;COUNT=3',
        reminderMinutes: [10],
      });
      await cal.cancel(meeting.meeting_id, { occurrenceStart: at('2025-09-23T10:00:00+05:30') });
      const instance = (db: Database['db']) => {
        const outbox = new OutboxSender({ db, logger: silentLogger, clock, blocks: false });
        return { db, messagesFor: (org: string) => outbox.senderFor(org), logger: silentLogger, clock };
      };
      const a = instance(database.db);
      const b = instance(second);
      // Before any reminder is due nothing goes out.
      await Promise.all([runReminders(a), runReminders(b)]);
      assert.deepEqual(await outboxRows(), []);
      for (const now of [
        '2025-09-22T09:50:00+05:30',
        '2025-09-22T09:50:10+05:30',
        '2025-09-23T09:50:00+05:30',
        '2025-09-24T09:50:00+05:30',
        '2025-09-24T09:55:00+05:30',
      ]) {
        clock.set(now);
        await Promise.all([runReminders(a), runReminders(b), runReminders(a)]);
      }
      const sent = await outboxRows();
      assert.deepEqual(
        sent.map((r) => [r.channel, r.recipient]),
        [
          ['sms', '+919876543210'],
          ['email', 'ravi@example.com'],
          ['sms', '+919876543210'],
          ['email', 'ravi@example.com'],
        ],
      );
      assert.equal(
        sent[0]!.body,
        'Reminder: standup starts in 10 minutes, Mon 22 Sep 2025 10:00 (GMT+5:30).',
      );
      assert.match(sent[2]!.body, /Wed 24 Sep 2025 10:00/);
      const rows = await new MeetingReminderRepository(database.db).forMeeting(meeting.meeting_id);
      assert.deepEqual(
        rows.map((r) => r.status),
        ['SENT', 'SENT', 'SENT', 'SENT'],
        'the cancelled occurrence was never planned: its reminder was due after the cancel',
      );
    });

    it('a reminder planned before its meeting was cancelled is skipped, not sent', async () => {
      clock.set('2025-11-03T09:00:00Z');
      const calendar = new BuiltinCalendar({ db: database.db, logger: silentLogger, clock, blocks: false });
      const cal = calendar.calendarFor(orgId);
      const { meeting } = await cal.create({
        title: 'vendor call',
        start: at('2025-11-03T10:00:00Z'),
        end: at('2025-11-03T10:30:00Z'),
        attendees: ['vendor@example.com'],
        recurrence: null,
        reminderMinutes: [15],
      });
      const outbox = new OutboxSender({ db: database.db, logger: silentLogger, clock, blocks: false });
      const job = {
        db: database.db,
        messagesFor: (org: string) => outbox.senderFor(org),
        logger: silentLogger,
        clock,
      };
      // Planned (due within the round) but not yet due.
      clock.set('2025-11-03T09:44:45Z');
      assert.deepEqual(await runReminders(job), { planned: 1, sent: 0, skipped: 0, failed: 0 });
      await cal.cancel(meeting.meeting_id);
      clock.set('2025-11-03T09:45:00Z');
      assert.deepEqual(await runReminders(job), { planned: 0, sent: 0, skipped: 1, failed: 0 });
      const [row] = await new MeetingReminderRepository(database.db).forMeeting(meeting.meeting_id);
      assert.equal(row!.status, 'SKIPPED');
      assert.equal((await outboxRows()).filter((r) => r.recipient === 'vendor@example.com').length, 0);
    });

    it('a sender that fails is retried with backoff, then the reminder is sent once', async () => {
      clock.set('2025-10-01T08:00:00Z');
      const calendar = new BuiltinCalendar({ db: database.db, logger: silentLogger, clock, blocks: false });
      const { meeting } = await calendar.calendarFor(orgId).create({
        title: 'board',
        start: at('2025-10-01T09:00:00Z'),
        end: at('2025-10-01T10:00:00Z'),
        attendees: ['chair@example.com'],
        recurrence: null,
        reminderMinutes: [30],
      });
      const outbox = new OutboxSender({ db: database.db, logger: silentLogger, clock, blocks: false });
      let failures = 1;
      // The organisation's sender, failing once as a provider outage would.
      const flaky: MessageSender = {
        send: async (input, options) => {
          if (failures-- > 0) throw new Error('provider unavailable');
          return outbox.senderFor(orgId).send(input, options);
        },
      };
      const job = { db: database.db, messagesFor: () => flaky, logger: silentLogger, clock };
      clock.set('2025-10-01T08:30:00Z');
      assert.deepEqual(await runReminders(job), { planned: 1, sent: 0, skipped: 0, failed: 0 });
      // Within the backoff nothing is retried.
      clock.set('2025-10-01T08:30:10Z');
      assert.equal((await runReminders(job)).sent, 0);
      clock.set('2025-10-01T08:31:00Z');
      assert.equal((await runReminders(job)).sent, 1);
      const [row] = await new MeetingReminderRepository(database.db).forMeeting(meeting.meeting_id);
      assert.equal(row!.status, 'SENT');
      assert.equal(row!.attempts, 2);
      assert.equal(row!.last_error, null);
      assert.equal((await outboxRows()).filter((r) => r.recipient === 'chair@example.com').length, 1);
    });
  });
}
