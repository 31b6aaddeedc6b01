import type { Meeting } from '../../../core/meetings.ts';
import { numberWord } from '../speech.ts';
import type { TaskDefinition } from '../task.ts';
import {
  answerMeetingChoice,
  daySlot,
  FOUND_OCCURRENCE,
  FOUND_START,
  FOUND_TITLE,
  findMeeting,
  foundName,
  originalSlot,
  titleSlot,
} from './meeting-find.ts';
import { meetingAt, meetingsInWords, onDay } from './meeting-speech.ts';

const IDS = 'meeting:ids';
const LISTED = 'meeting:listed';

export const meetingCancelTask: TaskDefinition = {
  intent: 'MEETING_CANCEL',
  tool: 'cancelMeeting',
  capability: 'cancel meetings',
  example: 'Cancel all meetings on September 20th',
  slots: [
    titleSlot,
    originalSlot(true),
    daySlot('Which day should I clear?'),
    {
      name: 'scope',
      kind: 'notes',
      entity: 'scope',
      required: false,
      label: 'scope',
      ask: () => 'Should I cancel all of them?',
      read: (u) => (u.entities.scope ? { value: u.entities.scope } : {}),
    },
  ],
  prepare: async (s, steps) => {
    if (s.scope !== 'all') return findMeeting(s, steps, { day: s.day });
    if (!s.day) return { kind: 'ask', reply: 'Which day should I clear?', awaiting: 'day' };
    // Listed once and kept: the yes answers the list that was read out.
    if (s[IDS]) return { kind: 'ready' };
    const { meetings } = (await steps.invoke('listMeetings', {
      date: s.day,
      ...(s.title ? { title: s.title } : {}),
    })) as { meetings: Meeting[] };
    const when = onDay(s.day, steps.now, steps.timeZone);
    if (meetings.length === 0)
      return { kind: 'finish', reply: `You have no meetings ${when}, so there's nothing to cancel.` };
    // An occurrence of a recurring meeting is cancelled alone: the series goes on after this day.
    s[IDS] = meetings.map((m) => (m.recurrence ? `${m.meeting_id}@${m.start}` : m.meeting_id)).join(',');
    s[LISTED] = meetingsInWords(meetings, steps.now, steps.timeZone);
    return { kind: 'ready' };
  },
  answer: (_awaiting, s, steps) => answerMeetingChoice(s, steps),
  confirm: (s, say) => {
    if (s[IDS]) {
      const n = s[IDS].split(',').length;
      return n === 1
        ? `Cancel ${s[LISTED]}, your only meeting ${onDay(s.day!, say.now, say.timeZone)}? Say yes to confirm.`
        : `Cancel these ${numberWord(n)} meetings? ${capital(s[LISTED]!)}. Say yes to confirm.`;
    }
    return `Cancel ${meetingAt({ title: s[FOUND_TITLE]!, start: s[FOUND_START]! }, say.now, say.timeZone, true)}? Say yes to confirm.`;
  },
  declined: (s) => (s[IDS] ? "Okay, I haven't cancelled anything." : `Okay, ${foundName(s)} stays on.`),
  args: (s) =>
    s[IDS]
      ? s[IDS].split(',').map((ref) => {
          const [meeting_id, occurrence_start] = ref.split('@');
          return { meeting_id, ...(occurrence_start ? { occurrence_start } : {}) };
        })
      : {
          meeting_id: s.meeting_id,
          ...(s[FOUND_OCCURRENCE] ? { occurrence_start: s[FOUND_OCCURRENCE] } : {}),
        },
  done: ({ slots }, say) => {
    if (slots[IDS]) {
      const n = slots[IDS].split(',').length;
      const what = n === 1 ? 'your meeting' : n === 2 ? 'both meetings' : `all ${numberWord(n)} meetings`;
      return `Done. I've cancelled ${what} ${onDay(slots.day!, say.now, say.timeZone)}.`;
    }
    return `Done. I've cancelled ${meetingAt({ title: slots[FOUND_TITLE]!, start: slots[FOUND_START]! }, say.now, say.timeZone, true)}.`;
  },
  leadAfter: () => undefined,
  outcome: ({ slots }) =>
    slots[IDS]
      ? `cancelled ${slots[IDS].split(',').length} meetings on ${slots.day}`
      : `cancelled ${slots[FOUND_TITLE]}`,
};

const capital = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);
