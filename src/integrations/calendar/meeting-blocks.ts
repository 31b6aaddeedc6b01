/** Terminal blocks for calendar writes, in the CRM blocks' layout (a 60-`=` rule, title, `Label : value` rows). */
import type { Meeting } from '../../core/meetings.ts';

const RULE = '='.repeat(60);
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const oneLine = (value: string) => value.replace(/[\x00-\x1F\x7F]+/g, ' ');

export function textBlock(title: string, rows: [string, string][]): string {
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  return [RULE, title, RULE, ...rows.map(([l, v]) => `${l.padEnd(width)}: ${oneLine(v)}`), RULE].join('\n');
}

export function meetingBlock(title: string, meeting: Meeting, conflicts: Meeting[]): string {
  const rows: [string, string][] = [
    ['Meeting ID', meeting.meeting_id],
    ['Title', meeting.title],
    ['Start', meeting.start],
    ['End', meeting.end],
    ['Attendees', meeting.attendees.length > 0 ? meeting.attendees.join(', ') : 'N/A'],
    ['Recurrence', meeting.recurrence ?? 'N/A'],
    ['Status', meeting.status],
  ];
  if (conflicts.length > 0) {
    rows.push(['Overlaps', conflicts.map((c) => `${c.title} (${c.start})`).join('; ')]);
  }
  rows.push(['Updated At', meeting.updated_at]);
  return textBlock(title, rows);
}
