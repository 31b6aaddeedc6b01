/**
 * The iCalendar feed Google, Outlook and Apple calendars subscribe to: every confirmed meeting and series of the
 * organisation (or the ones a person attends), written by ical-generator. A series is one VEVENT with its RRULE and
 * an EXDATE per cancelled occurrence, its start in the meeting's zone (TZID, with the zone's VTIMEZONE), so
 * subscribers expand it themselves, across daylight-saving changes too. Reminders become VALARMs.
 */
import { getVtimezone } from '@touch4it/ical-timezones';
import ical, { ICalAlarmType, ICalEventStatus } from 'ical-generator';
import { DateTime } from 'luxon';
import type { MeetingRow } from '../../store/meetings.ts';

export interface FeedOptions {
  name: string;
  /** The zone the calendar is shown in (X-WR-TIMEZONE): the person's or the organisation's. */
  timeZone: string;
  now: Date;
  /** The deployment's host, for event UIDs. */
  host?: string;
}

/** Local time in `tz` as iCalendar writes it with a TZID: 20250929T100000. */
const localStamp = (at: Date, tz: string) =>
  DateTime.fromJSDate(at, { zone: tz }).toFormat("yyyyMMdd'T'HHmmss");

/** VTIMEZONE text, without the VCALENDAR wrapper the package keeps it in. */
function vtimezone(tz: string): string | null {
  const text = getVtimezone(tz);
  if (!text) return null;
  const begin = text.indexOf('BEGIN:VTIMEZONE');
  const end = text.indexOf('END:VTIMEZONE');
  return begin >= 0 && end > begin ? text.slice(begin, end + 'END:VTIMEZONE'.length) : null;
}

export function meetingsFeed(rows: readonly MeetingRow[], options: FeedOptions): string {
  const calendar = ical({
    name: options.name,
    prodId: { company: 'Rooman', product: 'Rooman calendar', language: 'EN' },
    timezone: { name: options.timeZone, generator: vtimezone },
    ttl: 15 * 60,
  });
  const host = options.host ?? 'rooman';
  for (const row of rows) {
    if (row.status !== 'CONFIRMED') continue;
    const tz = row.time_zone;
    const event = calendar.createEvent({
      id: `${row.id}@${host}`,
      // Luxon times in the meeting's zone: a native Date would be written in UTC under the TZID.
      start: DateTime.fromJSDate(row.start_at, { zone: tz }),
      end: DateTime.fromJSDate(row.end_at, { zone: tz }),
      timezone: tz,
      summary: row.title,
      stamp: row.updated_at,
      lastModified: row.updated_at,
      created: row.created_at,
      status: ICalEventStatus.CONFIRMED,
      ...(row.attendees.length > 0 ? { description: `Attendees: ${row.attendees.join(', ')}` } : {}),
    });
    for (const attendee of row.attendees) {
      if (attendee.includes('@')) event.createAttendee({ email: attendee });
    }
    if (row.recurrence) {
      const lines = [`RRULE:${row.recurrence}`];
      if (row.cancelled_occurrences.length > 0) {
        const stamps = row.cancelled_occurrences.map((iso) => localStamp(new Date(iso), tz));
        lines.push(`EXDATE;TZID=${tz}:${stamps.join(',')}`);
      }
      event.repeating(lines.join('\n'));
    }
    for (const minutes of row.reminder_minutes) {
      event.createAlarm({ type: ICalAlarmType.display, trigger: minutes * 60, description: row.title });
    }
  }
  return calendar.toString();
}
