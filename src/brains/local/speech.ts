/**
 * Writing values so that a text-to-speech voice says them well: phone numbers digit by digit in groups, lead ids
 * as a short spelled reference, dates and times in words in the organisation's time zone.
 */

import type { LeadStatus } from '../../core/crm.ts';
import { DIGIT_WORDS, TENS_WORDS, UNIT_WORDS } from '../../core/number-words.ts';
import { displayPhone } from '../../core/phone.ts';
import { parseIsoWithOffset, toZonedIso } from '../../core/time.ts';
import { shortRefOf } from '../../tools/lead-lookup.ts';

/** "98765" → "nine eight seven six five". Non-digits are skipped. */
export function speakDigits(digits: string): string {
  return [...digits]
    .filter((c) => c >= '0' && c <= '9')
    .map((c) => DIGIT_WORDS[Number(c)])
    .join(' ');
}

/** Splits into groups: 10 digits as 5 + 5 (how Indian mobiles are read), otherwise 3s with a final 4. */
function groups(digits: string): string[] {
  if (digits.length === 10) return [digits.slice(0, 5), digits.slice(5)];
  const out: string[] = [];
  let rest = digits;
  while (rest.length > 4) {
    out.push(rest.slice(0, 3));
    rest = rest.slice(3);
  }
  if (rest) out.push(rest);
  return out;
}

/** "+919876543210" → "nine eight seven six five, four three two one zero"; foreign numbers start with "plus". */
export function speakPhone(e164: string): string {
  const shown = displayPhone(e164);
  const plus = shown.startsWith('+');
  const spoken = groups(shown.replace(/\D/g, '')).map(speakDigits).join(', ');
  return plus ? `plus ${spoken}` : spoken;
}

/** "a1b2c3d4-…" → "A one B two, C three D four". */
export function speakLeadRef(leadId: string): string {
  const ref = shortRefOf(leadId);
  const say = (chunk: string) =>
    [...chunk].map((c) => (c >= '0' && c <= '9' ? DIGIT_WORDS[Number(c)] : c.toUpperCase())).join(' ');
  return [ref.slice(0, 4), ref.slice(4)].filter(Boolean).map(say).join(', ');
}

const ORDINALS = [
  '',
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
  'eleventh',
  'twelfth',
  'thirteenth',
  'fourteenth',
  'fifteenth',
  'sixteenth',
  'seventeenth',
  'eighteenth',
  'nineteenth',
  'twentieth',
];

export function ordinalWord(n: number): string {
  if (n <= 20) return ORDINALS[n] ?? String(n);
  if (n === 30) return 'thirtieth';
  const tens = n < 30 ? 'twenty' : 'thirty';
  return `${tens}-${ORDINALS[n % 10]}`;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** "2025-10-05" → "Sunday the fifth of October", with the year when it is not the current one. */
export function speakDate(ymd: string, now?: Date, timeZone?: string): string {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const weekday = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
  const thisYear = now && timeZone ? Number(toZonedIso(now, timeZone).slice(0, 4)) : y;
  return `${weekday} the ${ordinalWord(d)} of ${MONTHS[m - 1]}${y === thisYear ? '' : ` ${y}`}`;
}

/** 0–59 in words ("forty-five"). */
export function numberWord(n: number): string {
  if (n < 20) return UNIT_WORDS[n]!;
  return n % 10 === 0
    ? TENS_WORDS[Math.floor(n / 10)]!
    : `${TENS_WORDS[Math.floor(n / 10)]}-${UNIT_WORDS[n % 10]}`;
}

/**
 * A clock time in words, so every voice reads it the same way: 10:00 → "ten AM", 15:30 → "three thirty PM",
 * 09:05 → "nine oh five AM", 12:00 → "noon", 00:00 → "midnight".
 */
export function speakClock(hour: number, minute: number): string {
  if (minute === 0 && hour === 12) return 'noon';
  if (minute === 0 && hour === 0) return 'midnight';
  const h = numberWord(hour % 12 === 0 ? 12 : hour % 12);
  const m = minute === 0 ? '' : minute < 10 ? ` oh ${numberWord(minute)}` : ` ${numberWord(minute)}`;
  return `${h}${m} ${hour < 12 ? 'AM' : 'PM'}`;
}

/** An ISO instant in words in `timeZone`: "Sunday the fifth of October at three PM". */
export function speakDateTime(iso: string, timeZone: string, now?: Date): string {
  const at = parseIsoWithOffset(iso);
  if (!at) return iso;
  const local = toZonedIso(at, timeZone);
  const hour = Number(local.slice(11, 13));
  const minute = Number(local.slice(14, 16));
  return `${speakDate(local.slice(0, 10), now, timeZone)} at ${speakClock(hour, minute)}`;
}

const STATUS_WORDS: Record<LeadStatus, string> = {
  NEW: 'new',
  IN_PROGRESS: 'in progress',
  FOLLOW_UP: 'follow up',
  WON: 'won',
  LOST: 'lost',
};

export const speakStatus = (status: LeadStatus): string => STATUS_WORDS[status];

/** "a, b and c". */
export function listInWords(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
