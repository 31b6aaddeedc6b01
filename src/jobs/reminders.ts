/**
 * Meeting reminders. Each round plans the reminders of occurrences starting soon (attendees with an e-mail address
 * get an e-mail, ones with a phone number an SMS; names alone cannot be reached) and sends the due ones through
 * the organisation's MessageSender. Every instance runs it: planning is an insert that ignores what is already
 * planned, and sending claims rows with FOR UPDATE SKIP LOCKED, so two instances never send one reminder twice.
 * The send carries the reminder's id as idempotency key, so even a sender that died after handing it over and
 * lost its lease is not sent twice.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Logger } from '../core/logger.ts';
import { type MessageSenderFor, SendMessageInput } from '../core/messages.ts';
import { type Clock, systemClock } from '../core/time.ts';
import type { Channel } from '../core/understanding.ts';
import { occurrencesOf } from '../integrations/calendar/builtin-calendar.ts';
import { CalendarUserRepository } from '../store/calendar-users.ts';
import {
  MeetingReminderRepository,
  type MeetingReminderRow,
  type NewReminder,
} from '../store/meeting-reminders.ts';
import { MeetingRepository, type MeetingRow } from '../store/meetings.ts';
import type { Schema } from '../store/schema.ts';

export interface ReminderJobOptions {
  db: Kysely<Schema>;
  messagesFor: MessageSenderFor;
  logger: Logger;
  clock?: Clock;
  /** How often a round runs; default 30 s. */
  intervalMs?: number;
  /** Reminders taken per round; default 100. */
  batch?: number;
  /** How long a claimed reminder is this instance's; default 2 min. */
  leaseMs?: number;
  /** Tries before a reminder is given up; default 5. */
  maxAttempts?: number;
}

/** Longest reminder offered (a week), so planning looks this far ahead plus a round. */
const MAX_REMINDER_MS = 7 * 24 * 60 * 60_000;

/** Where an attendee can be reminded: an e-mail address by e-mail, an E.164 number by SMS. */
export function reminderAddress(attendee: string): { channel: Channel; to: string } | null {
  if (attendee.includes('@')) return { channel: 'email', to: attendee };
  if (/^\+[1-9]\d{6,14}$/.test(attendee)) return { channel: 'sms', to: attendee };
  return null;
}

/** Reminders of `row` due by `until` for occurrences that have not started at `now`. */
export function remindersFor(row: MeetingRow, now: Date, until: Date): NewReminder[] {
  const longest = Math.max(...row.reminder_minutes) * 60_000;
  const planned: NewReminder[] = [];
  for (const occurrence of occurrencesOf(row, now, new Date(until.getTime() + longest))) {
    if (occurrence.start <= now) continue;
    for (const minutes of row.reminder_minutes) {
      const remindAt = new Date(occurrence.start.getTime() - minutes * 60_000);
      if (remindAt > until) continue;
      for (const attendee of row.attendees) {
        const address = reminderAddress(attendee);
        if (!address) continue;
        planned.push({
          id: randomUUID(),
          org_id: row.org_id,
          meeting_id: row.id,
          occurrence_start: occurrence.start,
          minutes_before: minutes,
          channel: address.channel,
          recipient: address.to,
          remind_at: remindAt,
          created_at: now,
        });
      }
    }
  }
  return planned;
}

/** "Reminder: design review starts in 10 minutes, Tue 23 Sep 15:00 (GMT+5:30)." */
export function reminderText(title: string, start: Date, minutesBefore: number, timeZone: string): string {
  const when = DateTime.fromJSDate(start, { zone: timeZone }).toFormat('ccc d LLL yyyy HH:mm (ZZZZ)');
  const soon =
    minutesBefore === 0
      ? 'starts now'
      : minutesBefore % 1440 === 0
        ? `starts in ${minutesBefore / 1440} day${minutesBefore === 1440 ? '' : 's'}`
        : minutesBefore % 60 === 0
          ? `starts in ${minutesBefore / 60} hour${minutesBefore === 60 ? '' : 's'}`
          : `starts in ${minutesBefore} minutes`;
  return `Reminder: ${title} ${soon}, ${when}.`;
}

export interface ReminderRound {
  planned: number;
  sent: number;
  skipped: number;
  failed: number;
}

/** One round: plan what is due soon, then send what is due now. Never throws; failures are logged and retried. */
export async function runReminders(options: ReminderJobOptions): Promise<ReminderRound> {
  const clock = options.clock ?? systemClock;
  const now = clock.now();
  const reminders = new MeetingReminderRepository(options.db);
  const meetings = new MeetingRepository(options.db);
  const round: ReminderRound = { planned: 0, sent: 0, skipped: 0, failed: 0 };
  try {
    const until = new Date(now.getTime() + (options.intervalMs ?? 30_000));
    const rows = await meetings.withReminders(now, new Date(until.getTime() + MAX_REMINDER_MS));
    round.planned = await reminders.plan(rows.flatMap((row) => remindersFor(row, now, until)));
  } catch (error) {
    options.logger.warn({ err: error }, 'reminders: planning failed');
  }
  let claimed: MeetingReminderRow[] = [];
  try {
    claimed = await reminders.claimDue(now, options.leaseMs ?? 120_000, options.batch ?? 100);
  } catch (error) {
    options.logger.warn({ err: error }, 'reminders: claiming failed');
    return round;
  }
  const users = new CalendarUserRepository(options.db);
  for (const reminder of claimed) {
    try {
      const meeting = await meetings.findById(reminder.org_id, reminder.meeting_id);
      const start = reminder.occurrence_start;
      const stillOn =
        meeting?.status === 'CONFIRMED' &&
        occurrencesOf(meeting, start, new Date(start.getTime() + 1)).some((o) => +o.start === +start);
      if (!meeting || !stillOn) {
        await reminders.finish(
          reminder.id,
          'SKIPPED',
          now,
          'the meeting or occurrence was cancelled or moved',
        );
        round.skipped += 1;
        continue;
      }
      if (+start <= +now) {
        // Due while no instance ran (a long outage): "starts in 10 minutes" about a meeting already under way
        // would mislead, so it is not sent.
        await reminders.finish(reminder.id, 'SKIPPED', now, 'the occurrence had started when it came due');
        round.skipped += 1;
        continue;
      }
      const zone = (await users.timeZone(reminder.org_id, reminder.recipient)) ?? meeting.time_zone;
      const body = reminderText(meeting.title, start, reminder.minutes_before, zone);
      const input = SendMessageInput.parse({
        channel: reminder.channel,
        to: reminder.recipient,
        body,
        ...(reminder.channel === 'email' ? { subject: `Reminder: ${meeting.title}`.slice(0, 200) } : {}),
      });
      await options.messagesFor(reminder.org_id).send(input, { idempotencyKey: `reminder:${reminder.id}` });
      await reminders.finish(reminder.id, 'SENT', clock.now());
      round.sent += 1;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const give = reminder.attempts >= (options.maxAttempts ?? 5);
      if (give) {
        await reminders.finish(reminder.id, 'FAILED', now, reason).catch(() => {});
        round.failed += 1;
      } else {
        const backoff = Math.min(60 * 60_000, 30_000 * 2 ** (reminder.attempts - 1));
        await reminders.retryAt(reminder.id, new Date(now.getTime() + backoff), reason).catch(() => {});
      }
      options.logger.warn({ err: error, reminder_id: reminder.id, gave_up: give }, 'reminders: send failed');
    }
  }
  if (round.sent + round.failed > 0) options.logger.info(round, 'reminders sent');
  return round;
}

/** Runs a round now and every `intervalMs`; returns a stop function that waits for a round in progress. */
export function startReminders(options: ReminderJobOptions): () => Promise<void> {
  let running: Promise<unknown> = runReminders(options);
  const timer = setInterval(() => {
    running = running.then(() => runReminders(options));
  }, options.intervalMs ?? 30_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
