/**
 * The meeting tools: scheduleMeeting, rescheduleMeeting, cancelMeeting and listMeetings, declared from the zod
 * schemas of src/core/meetings.ts and run against the organisation's calendar (the turn's `calendar`). Overlapping
 * meetings are written anyway and returned as `conflicts`, so the caller can say "you already have…".
 */
import { RoomanError } from '../core/errors.ts';
import {
  CancelMeetingInput,
  DEFAULT_MEETING_MINUTES,
  ListMeetingsInput,
  type Meeting,
  type MeetingCalendar,
  RescheduleMeetingInput,
  ScheduleMeetingInput,
} from '../core/meetings.ts';
import { parseIsoWithOffset } from '../core/time.ts';
import { ToolRegistry } from './registry.ts';
import { defineTool, type ToolContext } from './tool.ts';

/** How far ahead "my meetings" looks when no range is given. */
export const DEFAULT_LIST_DAYS = 30;

function calendarOf(ctx: ToolContext): MeetingCalendar {
  if (!ctx.calendar)
    throw new RoomanError('INTERNAL_ERROR', 'No calendar is configured for this organisation');
  return ctx.calendar;
}

function futureInstant(iso: string, field: string, ctx: ToolContext): Date {
  const at = parseIsoWithOffset(iso)!;
  if (at.getTime() <= ctx.now.getTime()) {
    throw new RoomanError('VALIDATION_ERROR', `${field}: must be a future date and time`, { field });
  }
  return at;
}

/** A meeting in a tool's answer: what a caller needs to speak about it or act on it. */
export const meetingBrief = (m: Meeting) => ({
  meeting_id: m.meeting_id,
  title: m.title,
  start: m.start,
  end: m.end,
  attendees: m.attendees,
  ...(m.recurrence ? { recurrence: m.recurrence } : {}),
  ...(m.reminder_minutes ? { reminder_minutes: m.reminder_minutes } : {}),
});

export const scheduleMeetingTool = defineTool({
  name: 'scheduleMeeting',
  description:
    'Put a meeting on the calendar at a future time, with optional attendees and recurrence. Overlapping meetings are returned as conflicts.',
  input: ScheduleMeetingInput,
  run: async (args, ctx) => {
    const start = futureInstant(args.start, 'start', ctx);
    const end = args.end
      ? parseIsoWithOffset(args.end)!
      : new Date(start.getTime() + (args.duration_minutes ?? DEFAULT_MEETING_MINUTES) * 60_000);
    const { meeting, conflicts } = await calendarOf(ctx).create(
      {
        title: args.title,
        start,
        end,
        attendees: args.attendees,
        recurrence: args.recurrence ?? null,
        ...(args.reminder_minutes ? { reminderMinutes: args.reminder_minutes } : {}),
      },
      { idempotencyKey: ctx.idempotencyKey, signal: ctx.signal },
    );
    return { ...meetingBrief(meeting), status: meeting.status, conflicts: conflicts.map(meetingBrief) };
  },
});

export const rescheduleMeetingTool = defineTool({
  name: 'rescheduleMeeting',
  description:
    'Move a meeting to a new future start; it keeps its length unless an end is given. Overlaps are returned as conflicts.',
  input: RescheduleMeetingInput,
  run: async (args, ctx) => {
    const start = futureInstant(args.start, 'start', ctx);
    const end = args.end ? parseIsoWithOffset(args.end)! : undefined;
    const occurrenceStart = args.occurrence_start ? parseIsoWithOffset(args.occurrence_start)! : undefined;
    const { meeting, conflicts } = await calendarOf(ctx).move(args.meeting_id, {
      start,
      ...(end ? { end } : {}),
      ...(occurrenceStart ? { occurrenceStart } : {}),
    });
    return { ...meetingBrief(meeting), status: meeting.status, conflicts: conflicts.map(meetingBrief) };
  },
});

export const cancelMeetingTool = defineTool({
  name: 'cancelMeeting',
  description:
    'Cancel one meeting by its id (find it first with listMeetings); for a recurring meeting, occurrence_start cancels that one occurrence only.',
  input: CancelMeetingInput,
  run: async (args, ctx) => {
    const meeting = await calendarOf(ctx).cancel(
      args.meeting_id,
      args.occurrence_start ? { occurrenceStart: parseIsoWithOffset(args.occurrence_start)! } : undefined,
    );
    return { ...meetingBrief(meeting), status: meeting.status };
  },
});

export const listMeetingsTool = defineTool({
  name: 'listMeetings',
  description:
    'List confirmed meetings on a day, in a time range (overlapping it) or from now on, optionally by part of the title. Use it to find a meeting id or to tell whether a time is free.',
  input: ListMeetingsInput,
  run: async (args, ctx) => {
    const calendar = calendarOf(ctx);
    let meetings: Meeting[];
    if (args.date) {
      meetings = await calendar.onDay(args.date);
      if (args.title) {
        const part = args.title.toLowerCase();
        meetings = meetings.filter((m) => m.title.toLowerCase().includes(part));
      }
      meetings = meetings.slice(0, args.limit);
    } else {
      const from = args.from ? parseIsoWithOffset(args.from)! : ctx.now;
      const to = args.to
        ? parseIsoWithOffset(args.to)!
        : new Date(from.getTime() + DEFAULT_LIST_DAYS * 86_400_000);
      meetings = await calendar.list({ from, to, title: args.title, limit: args.limit });
    }
    return { meetings: meetings.map(meetingBrief), total: meetings.length };
  },
});

/** Adds the meeting tools to a registry. */
export function meetingTools(registry = new ToolRegistry()): ToolRegistry {
  return registry
    .register(scheduleMeetingTool)
    .register(rescheduleMeetingTool)
    .register(cancelMeetingTool)
    .register(listMeetingsTool);
}
