import { DEFAULT_MEETING_MINUTES, type Meeting } from '../../../core/meetings.ts';
import { parseIsoWithOffset, toZonedIso } from '../../../core/time.ts';
import { listInWords, numberWord } from '../speech.ts';
import type { TaskDefinition } from '../task.ts';
import { meetingsInWords, recurrenceWords, whenWords } from './meeting-speech.ts';

const CONFLICT = 'meeting:conflict';
const REMINDER = 'meeting:reminder';

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  ten: 10,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  'forty five': 45,
  'forty-five': 45,
  half: 30,
};
const UNIT_MINUTES: Record<string, number> = { minute: 1, min: 1, hour: 60, day: 1440 };

/**
 * "remind me 10 minutes before", "with a reminder an hour before", "remind everyone a day before": minutes, or
 * undefined. Read from the sentence itself (not a slot: it is not one of the bot's entities).
 */
export function reminderMinutesIn(text: string): number | undefined {
  const m =
    /\bremind(?:er|ers)?\b[^.?!]*?\b(\d{1,4}|an?|one|two|three|four|five|ten|fifteen|twenty|thirty|forty[- ]five|half)\s*(?:an?\s+)?(minute|min|hour|day)s?\b[^.?!]*?\b(?:before|ahead|prior|earlier)\b/i.exec(
      text,
    );
  if (!m) return undefined;
  const raw = m[1]!.toLowerCase();
  const count = /^\d+$/.test(raw) ? Number(raw) : NUMBER_WORDS[raw];
  const unit = UNIT_MINUTES[m[2]!.toLowerCase()]!;
  const minutes = raw === 'half' ? 30 * (unit / 60) : count! * unit;
  return minutes >= 0 && minutes <= 7 * 24 * 60 && Number.isInteger(minutes) ? minutes : undefined;
}

/** "Your team meeting", "Your meeting with Priya". */
const yourMeeting = (s: Record<string, string>) => {
  const title = s.title && !/^meeting$/i.test(s.title) ? s.title : 'meeting';
  return /^(the|my|our|your)\s/i.test(title) ? title : `your ${title}`;
};
const capital = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);
const attendeesOf = (s: Record<string, string>): string[] => (s.attendees ? JSON.parse(s.attendees) : []);

/** 10 → "ten minutes", 60 → "one hour", 1440 → "one day" (spoken). */
function minutesWords(minutes: number): string {
  const [count, unit] =
    minutes > 0 && minutes % 1440 === 0
      ? [minutes / 1440, 'day']
      : minutes > 0 && minutes % 60 === 0
        ? [minutes / 60, 'hour']
        : [minutes, 'minute'];
  return `${numberWord(count)} ${unit}${count === 1 ? '' : 's'}`;
}

function endOf(s: Record<string, string>): string {
  const start = parseIsoWithOffset(s.start!)!;
  const minutes = Number(s.duration_minutes ?? DEFAULT_MEETING_MINUTES);
  return new Date(start.getTime() + minutes * 60_000).toISOString();
}

export const meetingScheduleTask: TaskDefinition = {
  intent: 'MEETING_SCHEDULE',
  tool: 'scheduleMeeting',
  capability: 'schedule meetings',
  example: 'Schedule a team meeting for tomorrow at 10 AM',
  slots: [
    {
      name: 'title',
      kind: 'notes',
      entity: 'title',
      required: false,
      label: 'title',
      ask: () => 'What is the meeting about?',
      read: (u) => (u.entities.title ? { value: u.entities.title } : {}),
    },
    {
      name: 'start',
      kind: 'datetime',
      required: true,
      label: 'meeting time',
      ask: (s, say) => {
        const day = s['start:day'];
        return day ? `What time should I set it for on ${say.date(day)}?` : 'What time should I set it for?';
      },
    },
    {
      name: 'duration_minutes',
      kind: 'notes',
      entity: 'duration_minutes',
      required: false,
      label: 'duration',
      ask: () => 'How long should it be?',
      read: (u) => {
        const e = u.entities;
        if (e.duration_minutes) return { value: String(e.duration_minutes) };
        const start = e.datetime && parseIsoWithOffset(e.datetime);
        const end = e.end_datetime && parseIsoWithOffset(e.end_datetime);
        if (start && end && end > start) return { value: String(Math.round((+end - +start) / 60_000)) };
        return {};
      },
    },
    {
      name: 'attendees',
      kind: 'notes',
      entity: 'attendees',
      required: false,
      label: 'attendees',
      ask: () => 'Who should attend?',
      read: (u) => (u.entities.attendees?.length ? { value: JSON.stringify(u.entities.attendees) } : {}),
    },
    {
      name: 'recurrence',
      kind: 'notes',
      entity: 'recurrence',
      required: false,
      label: 'recurrence',
      ask: () => 'How often should it repeat?',
      read: (u) => (u.entities.recurrence ? { value: u.entities.recurrence } : {}),
    },
  ],
  // A clash is said before booking: "you already have the design review at three PM".
  prepare: async (s, steps) => {
    const reminder = reminderMinutesIn(steps.understanding.text);
    if (reminder !== undefined) s[REMINDER] = String(reminder);
    const { meetings } = (await steps.invoke('listMeetings', {
      from: s.start,
      to: toZonedIso(new Date(endOf(s)), steps.timeZone),
    })) as { meetings: Meeting[] };
    if (meetings.length > 0) s[CONFLICT] = meetingsInWords(meetings, steps.now, steps.timeZone);
    else delete s[CONFLICT];
    return { kind: 'ready' };
  },
  confirm: (s) =>
    s[CONFLICT] ? `You already have ${s[CONFLICT]}. Should I still book ${yourMeeting(s)} then?` : null,
  declined: () => "Okay, I won't book it.",
  args: (s) => {
    const attendees = attendeesOf(s);
    const title = s.title ?? (attendees.length > 0 ? `Meeting with ${listInWords(attendees)}` : 'Meeting');
    return {
      title,
      start: s.start,
      ...(s.duration_minutes ? { duration_minutes: Number(s.duration_minutes) } : {}),
      ...(attendees.length > 0 ? { attendees } : {}),
      ...(s.recurrence ? { recurrence: s.recurrence } : {}),
      ...(s[REMINDER] ? { reminder_minutes: [Number(s[REMINDER])] } : {}),
    };
  },
  done: ({ slots, output }, say) => {
    const tz = say.timeZone;
    const attendees = attendeesOf(slots);
    const withWhom = attendees.length > 0 ? ` with ${listInWords(attendees)}` : '';
    const repeats = slots.recurrence ? ` It repeats ${recurrenceWords(slots.recurrence)}.` : '';
    const conflicts = output.conflicts as Meeting[];
    const clash = conflicts.length > 0 ? ` It overlaps ${meetingsInWords(conflicts, say.now, tz)}.` : '';
    const reminder = slots[REMINDER]
      ? ` I'll send a reminder ${minutesWords(Number(slots[REMINDER]))} before.`
      : '';
    return `${capital(yourMeeting(slots))}${withWhom} is set for ${whenWords(String(output.start), say.now, tz)}.${repeats}${clash}${reminder}`;
  },
  leadAfter: () => undefined,
  outcome: ({ output }) => `scheduled ${String(output.title)} at ${String(output.start)}`,
};
