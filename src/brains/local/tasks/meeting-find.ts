/**
 * Which meeting the speaker means: by its time ("my 2 PM meeting"), its title ("the design review"), its day, or
 * all of them together. One match is taken; several are asked about ("Which of your two meetings tomorrow — …?")
 * and the answer ("the design review", "the one at 3", "the second") picks one. Never a guess.
 */
import type { Meeting } from '../../../core/meetings.ts';
import { parseIsoWithOffset, toZonedDate, toZonedIso } from '../../../core/time.ts';
import type { Understanding } from '../../../core/understanding.ts';
import type { Fill } from '../slot-values.ts';
import { numberWord } from '../speech.ts';
import type { SlotSpec, Step, TaskSteps } from '../task.ts';
import { meetingAt, meetingName, onDay, timeWords } from './meeting-speech.ts';

/** The task's own question while it waits for a choice between meetings. */
export const MEETING_CHOICE = 'meeting_choice';
const CHOICES = 'meeting:choices';
/** Slots describing the meeting once found. */
export const FOUND_TITLE = 'meeting:title';
export const FOUND_START = 'meeting:start';
export const FOUND_END = 'meeting:end';
/** Set when the meeting found is an occurrence of a recurring one: its start (that occurrence alone is acted on). */
export const FOUND_OCCURRENCE = 'meeting:occurrence';

type Brief = Pick<Meeting, 'meeting_id' | 'title' | 'start' | 'end'> & { recurrence?: string | null };

/** The title a meeting is called by ("the design review"). */
export const titleSlot: SlotSpec = {
  name: 'title',
  kind: 'notes',
  entity: 'title',
  required: false,
  label: 'meeting title',
  ask: () => 'Which meeting?',
  read: (u) => (u.entities.title ? { value: u.entities.title } : {}),
};

/** The time the meeting is at now ("my 2 PM meeting"). */
export const originalSlot = (fromDatetime: boolean): SlotSpec => ({
  name: 'original',
  kind: 'notes',
  entity: 'original_datetime',
  required: false,
  label: 'meeting time',
  ask: () => 'At what time is the meeting?',
  read: (u) => {
    const value = u.entities.original_datetime ?? (fromDatetime ? u.entities.datetime : undefined);
    return value ? { value } : {};
  },
});

/** A whole day ("on September 20th", "tomorrow"). */
export const daySlot = (ask: string): SlotSpec => ({
  name: 'day',
  kind: 'notes',
  entity: 'date',
  required: false,
  label: 'day',
  ask: () => ask,
  read: (u, ctx, reply) => {
    if (u.entities.date) return { value: u.entities.date };
    const at = u.entities.datetime ? parseIsoWithOffset(u.entities.datetime) : null;
    if (at && reply) return { value: toZonedDate(at, ctx.timeZone) };
    return reply
      ? {
          problem: {
            type: 'PARSING_ERROR',
            details: 'Could not understand a day',
            say: "Sorry, I didn't catch the day.",
          },
        }
      : {};
  },
});

const meetingsOf = (output: Record<string, unknown>) => output.meetings as Brief[];
const localClock = (iso: string, tz: string) => toZonedIso(parseIsoWithOffset(iso)!, tz).slice(11, 16);

/**
 * Finds the meeting the slots describe and writes its id (and title, start, end) into the slots; asks when several
 * fit, finishes when none does.
 */
export async function findMeeting(
  slots: Record<string, string>,
  steps: TaskSteps,
  criteria: { day?: string | undefined },
): Promise<Step> {
  if (slots.meeting_id) return { kind: 'ready' };
  const { timeZone: tz, now } = steps;
  const title = slots.title;
  const original = slots.original ? parseIsoWithOffset(slots.original) : null;
  const day = criteria.day;
  let found: Brief[];
  let described: string;
  if (original) {
    // By its time: on the day said (or today), else the next day that has a meeting at that time.
    const clock = localClock(slots.original!, tz);
    const sameClock = (m: Brief) => localClock(m.start, tz) === clock;
    const onThatDay = meetingsOf(
      await steps.invoke('listMeetings', {
        date: day ?? toZonedDate(original, tz),
        ...(title ? { title } : {}),
      }),
    ).filter(sameClock);
    found = onThatDay;
    if (found.length === 0 && !day) {
      const ahead = meetingsOf(await steps.invoke('listMeetings', title ? { title } : {})).filter(sameClock);
      const firstDay = ahead[0] && toZonedDate(parseIsoWithOffset(ahead[0].start)!, tz);
      found = ahead.filter((m) => toZonedDate(parseIsoWithOffset(m.start)!, tz) === firstDay);
    }
    described = `${title ? `a ${title}` : 'a meeting'} at ${timeWords(slots.original!, tz)}`;
  } else if (day) {
    found = meetingsOf(await steps.invoke('listMeetings', { date: day, ...(title ? { title } : {}) }));
    described = `${title ? `a ${title}` : 'any meetings'} ${onDay(day, now, tz)}`;
  } else if (title) {
    found = meetingsOf(await steps.invoke('listMeetings', { title }));
    described = `an upcoming meeting called ${title}`;
  } else {
    found = meetingsOf(await steps.invoke('listMeetings', {}));
    described = 'any upcoming meetings';
  }

  if (found.length === 1) {
    useMeeting(slots, found[0]!);
    return { kind: 'ready' };
  }
  if (found.length === 0) {
    return {
      kind: 'finish',
      reply: `I couldn't find ${described} on your calendar.`,
      error: { type: 'CRM_ERROR', details: 'Meeting not found' },
    };
  }
  const shown = found.slice(0, 4);
  slots[CHOICES] = JSON.stringify(shown);
  return { kind: 'ask', reply: whichOf(shown, found.length, steps), awaiting: MEETING_CHOICE };
}

function useMeeting(slots: Record<string, string>, m: Brief): void {
  slots.meeting_id = m.meeting_id;
  slots[FOUND_TITLE] = m.title;
  slots[FOUND_START] = m.start;
  slots[FOUND_END] = m.end;
  if (m.recurrence) slots[FOUND_OCCURRENCE] = m.start;
  else delete slots[FOUND_OCCURRENCE];
  delete slots[CHOICES];
}

/** "Which of your two meetings tomorrow — the design review at ten AM or the team sync at three PM?" */
function whichOf(shown: Brief[], total: number, steps: TaskSteps): string {
  const { timeZone: tz, now } = steps;
  const days = new Set(shown.map((m) => toZonedDate(parseIsoWithOffset(m.start)!, tz)));
  const oneDay = days.size === 1 ? ` ${onDay([...days][0]!, now, tz)}` : '';
  const items = shown.map((m) => meetingAt(m, now, tz, days.size > 1));
  const list =
    items.length === 2 ? items.join(' or ') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
  const count =
    total > shown.length
      ? `${numberWord(Math.min(total, 59))} meetings${oneDay}; the first ${numberWord(shown.length)} are`
      : `${numberWord(total)} meetings${oneDay}`;
  return `Which of your ${count} — ${list}?`;
}

const ORDINALS: Record<string, number> = {
  first: 0,
  '1st': 0,
  second: 1,
  '2nd': 1,
  third: 2,
  '3rd': 2,
  fourth: 3,
  '4th': 3,
};

/** Reads the choice between the meetings asked about; true when one was picked. */
export function answerMeetingChoice(slots: Record<string, string>, steps: TaskSteps): boolean {
  const choices = slots[CHOICES] ? (JSON.parse(slots[CHOICES]) as Brief[]) : [];
  const picked = chooseMeeting(steps.understanding, choices, steps.timeZone);
  if (!picked) return false;
  useMeeting(slots, picked);
  return true;
}

export function chooseMeeting(u: Understanding, choices: Brief[], tz: string): Brief | undefined {
  const text = u.text.toLowerCase();
  const words = text.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  // By title: the whole title, else a word only one of them has.
  const byTitle = choices.filter((m) => text.includes(m.title.toLowerCase()));
  if (byTitle.length === 1) return byTitle[0];
  // By time: "the one at 3", "3 PM", "15:00".
  const said = u.entities.datetime ?? u.entities.original_datetime;
  if (said) {
    const clock = localClock(said, tz);
    const byClock = choices.filter((m) => localClock(m.start, tz) === clock);
    if (byClock.length === 1) return byClock[0];
    // "at 3" said for an afternoon meeting: the same hour on a 12-hour clock.
    const twelve = (c: string) => `${Number(c.slice(0, 2)) % 12}${c.slice(2)}`;
    const byHour = choices.filter((m) => twelve(localClock(m.start, tz)) === twelve(clock));
    if (byHour.length === 1) return byHour[0];
  }
  for (const w of words) {
    const i = ORDINALS[w];
    if (i !== undefined) return choices[i];
  }
  if (words.includes('last')) return choices.at(-1);
  const distinct = choices.filter((m) => {
    const own = m.title
      .toLowerCase()
      .split(/\s+/)
      .filter((w) => w.length >= 3 && w !== 'meeting');
    return own.some(
      (w) =>
        words.includes(w) && choices.every((o) => o === m || !o.title.toLowerCase().split(/\s+/).includes(w)),
    );
  });
  return distinct.length === 1 ? distinct[0] : undefined;
}

/** For replies: "the design review" of the found meeting. */
export const foundName = (slots: Record<string, string>) => meetingName(slots[FOUND_TITLE]);

/** A fill from the slot value or nothing: for readers that only take entities. */
export const entityFill = (value: string | undefined): Fill => (value ? { value } : {});
