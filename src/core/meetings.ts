/**
 * Meetings: the calendar the assistant keeps for an organisation. The zod schemas are the one source of truth for
 * the meeting tools' inputs; `MeetingCalendar` is the port a calendar implements (the built-in one over the
 * database now, Google Calendar and others later).
 */
import { z } from 'zod';
import { IsoDateTime, type WriteOptions } from './crm.ts';
import { normalisePhone } from './phone.ts';

export const MEETING_STATUSES = ['CONFIRMED', 'CANCELLED'] as const;
export const MeetingStatus = z.enum(MEETING_STATUSES);
export type MeetingStatus = z.infer<typeof MeetingStatus>;

/** How long a meeting lasts when nobody says. */
export const DEFAULT_MEETING_MINUTES = 30;

export const MeetingId = z.uuid({ message: 'must be a meeting id (uuid)' });

/** Text that is meant as a phone number (digits and phone punctuation only), as opposed to a name. */
export const looksLikePhone = (v: string) => /^\+?[\d\s().-]{5,}$/.test(v.trim()) && /\d{3}/.test(v);

/**
 * Someone invited: a name ("Priya"), an e-mail address or a phone number; an address or number must be a valid
 * one (reminders are sent to it).
 */
export const Attendee = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .refine((v) => !v.includes('@') || z.email().safeParse(v).success, {
    message: 'is not a valid e-mail address',
  })
  .refine((v) => !looksLikePhone(v) || normalisePhone(v) !== null, {
    message: 'is not a valid phone number',
  })
  .meta({ description: "An attendee's name, e-mail address or phone number" });

/** Reminders: minutes before the start at which attendees with an address are reminded. */
export const ReminderMinutes = z
  .array(
    z
      .number()
      .int('must be whole minutes')
      .min(0, 'must not be negative')
      .max(7 * 24 * 60, 'must be at most a week'),
  )
  .max(5, 'at most 5 reminders')
  .meta({ description: 'Minutes before the start to remind attendees, e.g. [10]' });

/** An RFC 5545 recurrence rule without the `RRULE:` prefix: `FREQ=WEEKLY;BYDAY=MO`. */
export const RecurrenceRule = z
  .string()
  .trim()
  .regex(
    /^FREQ=(DAILY|WEEKLY|MONTHLY|YEARLY)(;[A-Z]+=[A-Z0-9,+-]+)*$/,
    'must be an RRULE such as FREQ=WEEKLY;BYDAY=MO',
  )
  .meta({ description: 'RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO' });

const Minutes = z
  .number()
  .int('must be whole minutes')
  .min(5, 'must be at least 5 minutes')
  .max(24 * 60, 'must be at most a day');

const endAfterStart = (v: { start: string; end?: string | undefined }, ctx: z.RefinementCtx) => {
  if (v.end !== undefined && new Date(v.end).getTime() <= new Date(v.start).getTime()) {
    ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
  }
};

export const ScheduleMeetingInput = z
  .strictObject({
    title: z.string().trim().min(1).max(200).default('Meeting').meta({ description: 'What the meeting is' }),
    start: IsoDateTime.meta({ description: 'When it starts: ISO-8601 with offset, in the future' }),
    end: IsoDateTime.optional().meta({ description: 'When it ends; default start + duration_minutes' }),
    duration_minutes: Minutes.optional().meta({
      description: 'Length in minutes when end is not given (30)',
    }),
    attendees: z.array(Attendee).max(50).default([]),
    recurrence: RecurrenceRule.optional(),
    reminder_minutes: ReminderMinutes.optional(),
  })
  .superRefine(endAfterStart);
export type ScheduleMeetingInput = z.output<typeof ScheduleMeetingInput>;

export const RescheduleMeetingInput = z
  .strictObject({
    meeting_id: MeetingId,
    start: IsoDateTime.meta({ description: 'The new start, in the future' }),
    end: IsoDateTime.optional().meta({ description: 'The new end; default: the meeting keeps its length' }),
    occurrence_start: IsoDateTime.optional().meta({
      description:
        'For a recurring meeting: the start of the one occurrence to move; leave out to move the series',
    }),
  })
  .superRefine(endAfterStart);
export type RescheduleMeetingInput = z.output<typeof RescheduleMeetingInput>;

export const CancelMeetingInput = z.strictObject({
  meeting_id: MeetingId,
  occurrence_start: IsoDateTime.optional().meta({
    description:
      'For a recurring meeting: the start of the one occurrence to cancel; leave out to cancel the series',
  }),
});
export type CancelMeetingInput = z.output<typeof CancelMeetingInput>;

/** A day as `YYYY-MM-DD`. */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2025-10-05')
  .refine(
    (v) =>
      !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
    {
      message: 'is not a calendar date',
    },
  );

/** Which meetings to list: a day, a range (`from`–`to`, overlapping), or from now on; optionally by title. */
export const ListMeetingsInput = z
  .strictObject({
    date: IsoDate.optional().meta({ description: 'A whole day in the organisation time zone' }),
    from: IsoDateTime.optional().meta({ description: 'Meetings still running at or after this instant' }),
    to: IsoDateTime.optional().meta({ description: 'Meetings starting before this instant' }),
    title: z.string().trim().min(1).max(200).optional().meta({ description: 'Part of the title' }),
    limit: z.number().int().min(1).max(200).default(50),
  })
  .superRefine((v, ctx) => {
    if (v.from && v.to && new Date(v.to).getTime() <= new Date(v.from).getTime()) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    }
  });
export type ListMeetingsInput = z.output<typeof ListMeetingsInput>;

/** A meeting as the calendar gives it: instants in ISO-8601 with the meeting's zone offset. */
export const Meeting = z.object({
  meeting_id: z.uuid(),
  title: z.string(),
  start: z.string(),
  end: z.string(),
  time_zone: z.string(),
  attendees: z.array(z.string()),
  recurrence: z.string().nullable(),
  status: MeetingStatus,
  created_at: z.string(),
  updated_at: z.string(),
  /** Minutes before the start attendees are reminded at. */
  reminder_minutes: z.array(z.number()).optional(),
  /** For an occurrence of a series: the series' first start (`start` is this occurrence's). */
  series_start: z.string().optional(),
});
export type Meeting = z.infer<typeof Meeting>;

/** What a new or moved meeting is, once validated. */
export interface MeetingDraft {
  title: string;
  start: Date;
  end: Date;
  attendees: string[];
  recurrence: string | null;
  /** Minutes before the start to remind attendees; default none. */
  reminderMinutes?: number[];
}

export interface MeetingWrite {
  meeting: Meeting;
  /** Other meetings of the organisation it overlaps: it is written anyway, and the caller says so. */
  conflicts: Meeting[];
}

/**
 * One organisation's calendar. Failures are RoomanErrors: NOT_FOUND for an unknown meeting, VALIDATION_ERROR for
 * bad input, CONFLICT for a reused idempotency key.
 */
export interface MeetingCalendar {
  create(draft: MeetingDraft, options?: WriteOptions): Promise<MeetingWrite>;
  /** Confirmed meetings overlapping [from, to), soonest first; `title` narrows by part of the title. */
  list(range: { from: Date; to: Date; title?: string; limit?: number }): Promise<Meeting[]>;
  /** Confirmed meetings on a day (`YYYY-MM-DD`) of the organisation's time zone. */
  onDay(date: string): Promise<Meeting[]>;
  /** Confirmed meetings starting exactly at `at`. */
  startingAt(at: Date): Promise<Meeting[]>;
  get(meetingId: string): Promise<Meeting | null>;
  /**
   * Moves a meeting; without `end` it keeps its length. With `occurrenceStart`, only that occurrence of a series
   * moves (it becomes a meeting of its own).
   */
  move(meetingId: string, to: { start: Date; end?: Date; occurrenceStart?: Date }): Promise<MeetingWrite>;
  /** Cancels a meeting or a whole series; with `occurrenceStart`, only that occurrence of a series. */
  cancel(meetingId: string, options?: { occurrenceStart?: Date }): Promise<Meeting>;
  /** The organisation's time zone, meetings are written in. */
  timeZone(): Promise<string>;
}

export type MeetingCalendarFor = (orgId: string) => MeetingCalendar;
