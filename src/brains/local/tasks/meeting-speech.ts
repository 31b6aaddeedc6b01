/**
 * Saying meetings aloud in the organisation's zone: "tomorrow, Saturday the twentieth, at ten AM", "the design
 * review at three PM". Times are in words so every voice reads them the same way.
 */
import type { Meeting } from '../../../core/meetings.ts';
import { parseIsoWithOffset, toZonedDate, toZonedIso } from '../../../core/time.ts';
import { listInWords, ordinalWord, speakClock, speakDate } from '../speech.ts';

/** The clock time of an instant in `tz`, in words. */
export function timeWords(iso: string, tz: string): string {
  const local = toZonedIso(parseIsoWithOffset(iso)!, tz);
  return speakClock(Number(local.slice(11, 13)), Number(local.slice(14, 16)));
}

const addDays = (ymd: string, days: number) =>
  new Date(Date.parse(`${ymd}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** "today", "tomorrow, Saturday the twentieth", or "Friday the twenty-sixth of September". */
export function dayWords(ymd: string, now: Date, tz: string): string {
  const today = toZonedDate(now, tz);
  const weekday = speakDate(ymd, now, tz).split(' ')[0];
  if (ymd === today) return 'today';
  if (ymd === addDays(today, 1)) return `tomorrow, ${weekday} the ${ordinalWord(Number(ymd.slice(8)))}`;
  return speakDate(ymd, now, tz);
}

/** A short day: "today", "tomorrow", "on Friday the twenty-sixth of September". */
export function onDay(ymd: string, now: Date, tz: string): string {
  const today = toZonedDate(now, tz);
  if (ymd === today) return 'today';
  if (ymd === addDays(today, 1)) return 'tomorrow';
  return `on ${speakDate(ymd, now, tz)}`;
}

/** "tomorrow, Saturday the twentieth, at ten AM". */
export function whenWords(iso: string, now: Date, tz: string): string {
  const day = toZonedDate(parseIsoWithOffset(iso)!, tz);
  const words = dayWords(day, now, tz);
  return `${words}${words.includes(',') ? ',' : ''} at ${timeWords(iso, tz)}`;
}

/** "the design review", "your meeting" for an untitled one. */
export function meetingName(title: string | undefined): string {
  if (!title || /^meeting$/i.test(title.trim())) return 'your meeting';
  return /^(the|my|our|your)\s/i.test(title) ? title : `the ${title}`;
}

/** "the design review at ten AM" (`withDay`: "the design review tomorrow at ten AM"). */
export function meetingAt(
  m: Pick<Meeting, 'title' | 'start'>,
  now: Date,
  tz: string,
  withDay = false,
): string {
  const day = withDay ? ` ${onDay(toZonedDate(parseIsoWithOffset(m.start)!, tz), now, tz)}` : '';
  return `${meetingName(m.title)}${day} at ${timeWords(m.start, tz)}`;
}

/** Meetings listed, with their day when they are not all on one. */
export function meetingsInWords(meetings: Pick<Meeting, 'title' | 'start'>[], now: Date, tz: string): string {
  const days = new Set(meetings.map((m) => toZonedDate(parseIsoWithOffset(m.start)!, tz)));
  return listInWords(meetings.map((m) => meetingAt(m, now, tz, days.size > 1)));
}

/** FREQ=WEEKLY;BYDAY=MO → "every Monday"; others in a few words. */
export function recurrenceWords(rrule: string): string {
  const parts = Object.fromEntries(rrule.split(';').map((p) => p.split('=') as [string, string]));
  const names: Record<string, string> = {
    MO: 'Monday',
    TU: 'Tuesday',
    WE: 'Wednesday',
    TH: 'Thursday',
    FR: 'Friday',
    SA: 'Saturday',
    SU: 'Sunday',
  };
  if (parts.FREQ === 'DAILY') return 'every day';
  if (parts.FREQ === 'WEEKLY' && parts.BYDAY) {
    return `every ${listInWords(parts.BYDAY.split(',').map((d) => names[d.slice(-2)] ?? d))}`;
  }
  if (parts.FREQ === 'WEEKLY') return 'every week';
  if (parts.FREQ === 'MONTHLY') return 'every month';
  return 'every year';
}
