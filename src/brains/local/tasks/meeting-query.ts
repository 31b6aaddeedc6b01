import type { Meeting } from '../../../core/meetings.ts';
import { parseIsoWithOffset, startOfZonedDay, toZonedDate, toZonedIso } from '../../../core/time.ts';
import { numberWord } from '../speech.ts';
import type { TaskDefinition } from '../task.ts';
import { daySlot } from './meeting-find.ts';
import { meetingsInWords, onDay, timeWords } from './meeting-speech.ts';

/** How long "am I free at 3?" looks at. */
const FREE_CHECK_MINUTES = 30;
const WEEK = 'week';

export const meetingQueryTask: TaskDefinition = {
  intent: 'MEETING_QUERY',
  tool: 'listMeetings',
  readOnly: true,
  capability: 'tell you what is on your calendar',
  example: 'What meetings do I have next week?',
  slots: [
    daySlot('Which day?'),
    {
      name: 'at',
      kind: 'notes',
      entity: 'datetime',
      required: false,
      label: 'time',
      ask: () => 'At what time?',
      read: (u) => (u.entities.datetime ? { value: u.entities.datetime } : {}),
    },
    {
      name: 'week',
      kind: 'notes',
      required: false,
      label: 'week',
      ask: () => 'Which week?',
      read: (u) => {
        const m = /\b(this|next|coming|that)\s+week\b/i.exec(u.text);
        return m ? { value: `${m[1]!.toLowerCase()} week` } : /\bweek\b/i.test(u.text) ? { value: WEEK } : {};
      },
    },
  ],
  // The range is worked out here, where the zone is known: a moment (free?), a week, a day, or what is coming.
  prepare: async (s, steps) => {
    const tz = steps.timeZone;
    if (s.at) {
      const at = parseIsoWithOffset(s.at)!;
      s.from = s.at;
      s.to = toZonedIso(new Date(at.getTime() + FREE_CHECK_MINUTES * 60_000), tz);
    } else if (s.week && s.day) {
      s.from = toZonedIso(startOfZonedDay(s.day, tz), tz);
      s.to = toZonedIso(startOfZonedDay(nextDay(s.day, 7), tz), tz);
    }
    return { kind: 'ready' };
  },
  args: (s) => (s.from && s.to ? { from: s.from, to: s.to } : s.day ? { date: s.day } : {}),
  done: ({ slots, output }, say) => {
    let meetings = output.meetings as Meeting[];
    const tz = say.timeZone;
    if (slots.at) {
      const day = onDay(toZonedDate(parseIsoWithOffset(slots.at)!, tz), say.now, tz);
      if (meetings.length === 0) return `Yes, you're free ${day} at ${timeWords(slots.at, tz)}.`;
      return `No, you have ${meetingsInWords(meetings, say.now, tz)} ${day}.`;
    }
    const period = slots.week
      ? slots.week === WEEK
        ? 'that week'
        : slots.week
      : slots.day
        ? onDay(slots.day, say.now, tz)
        : 'coming up';
    if (meetings.length === 0) return `You have no meetings ${period}.`;
    // What is coming up names a recurring meeting once, at its next occurrence.
    if (period === 'coming up')
      meetings = meetings.filter((m, i) => meetings.findIndex((o) => o.meeting_id === m.meeting_id) === i);
    const n = meetings.length;
    const listed = meetingsInWords(meetings.slice(0, 8), say.now, tz);
    const more = n > 8 ? `, and ${numberWord(Math.min(n - 8, 59))} more` : '';
    return `You have ${n === 1 ? 'one meeting' : `${numberWord(Math.min(n, 59))} meetings`} ${period}: ${listed}${more}.`;
  },
  leadAfter: () => undefined,
  outcome: ({ output }) => `listed ${(output.meetings as Meeting[]).length} meetings`,
};

const nextDay = (ymd: string, days: number) =>
  new Date(Date.parse(`${ymd}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
