import type { Meeting } from '../../../core/meetings.ts';
import { parseIsoWithOffset, startOfZonedDay, toZonedDate, toZonedIso } from '../../../core/time.ts';
import type { TaskDefinition } from '../task.ts';
import {
  answerMeetingChoice,
  FOUND_END,
  FOUND_OCCURRENCE,
  FOUND_START,
  findMeeting,
  foundName,
  originalSlot,
  titleSlot,
} from './meeting-find.ts';
import { meetingsInWords, whenWords } from './meeting-speech.ts';

const CONFLICT = 'meeting:conflict';

export const meetingRescheduleTask: TaskDefinition = {
  intent: 'MEETING_RESCHEDULE',
  tool: 'rescheduleMeeting',
  capability: 'move meetings',
  example: 'Reschedule my 2 PM meeting to 3 PM',
  slots: [
    titleSlot,
    originalSlot(false),
    {
      name: 'start',
      kind: 'datetime',
      entity: 'datetime',
      required: false,
      label: 'new time',
      ask: (s) => `When should I move ${foundName(s)} to?`,
    },
  ],
  prepare: async (s, steps) => {
    const found = await findMeeting(s, steps, {});
    if (found.kind !== 'ready') return found;
    const tz = steps.timeZone;
    // "Move the design review to Friday": the new day at the meeting's own time.
    if (!s.start && s['start:day']) {
      const was = parseIsoWithOffset(s[FOUND_START]!)!;
      const sinceMidnight = was.getTime() - startOfZonedDay(toZonedDate(was, tz), tz).getTime();
      s.start = toZonedIso(new Date(startOfZonedDay(s['start:day'], tz).getTime() + sinceMidnight), tz);
      delete s['start:day'];
    }
    if (!s.start) return { kind: 'ask', reply: `When should I move ${foundName(s)} to?`, awaiting: 'start' };
    const start = parseIsoWithOffset(s.start)!;
    if (start.getTime() <= steps.now.getTime()) {
      delete s.start;
      return {
        kind: 'ask',
        reply: `That time has already passed. When should I move ${foundName(s)} to?`,
        awaiting: 'start',
        error: { type: 'VALIDATION_ERROR', details: 'start: must be a future date and time' },
      };
    }
    const length =
      parseIsoWithOffset(s[FOUND_END]!)!.getTime() - parseIsoWithOffset(s[FOUND_START]!)!.getTime();
    const { meetings } = (await steps.invoke('listMeetings', {
      from: s.start,
      to: toZonedIso(new Date(start.getTime() + length), tz),
    })) as { meetings: Meeting[] };
    const others = meetings.filter((m) => m.meeting_id !== s.meeting_id);
    if (others.length > 0) s[CONFLICT] = meetingsInWords(others, steps.now, tz);
    else delete s[CONFLICT];
    return { kind: 'ready' };
  },
  answer: (_awaiting, s, steps) => answerMeetingChoice(s, steps),
  confirm: (s) =>
    s[CONFLICT] ? `You already have ${s[CONFLICT]}. Should I still move ${foundName(s)} there?` : null,
  declined: (s) => `Okay, ${foundName(s)} stays where it is.`,
  args: (s) => ({
    meeting_id: s.meeting_id,
    start: s.start,
    ...(s[FOUND_OCCURRENCE] ? { occurrence_start: s[FOUND_OCCURRENCE] } : {}),
  }),
  done: ({ slots, output }, say) => {
    const conflicts = output.conflicts as Meeting[];
    const clash =
      conflicts.length > 0 ? ` It overlaps ${meetingsInWords(conflicts, say.now, say.timeZone)}.` : '';
    return `Done. I've moved ${foundName(slots)} to ${whenWords(String(output.start), say.now, say.timeZone)}.${clash}`;
  },
  leadAfter: () => undefined,
  outcome: ({ output }) => `moved ${String(output.title)} to ${String(output.start)}`,
};
