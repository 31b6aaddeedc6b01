/**
 * Repetition as an RFC 5545 RRULE: "every Monday" → FREQ=WEEKLY;BYDAY=MO, "daily" → FREQ=DAILY, "every other week" →
 * FREQ=WEEKLY;INTERVAL=2, "every weekday" → FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR, "every month on the 5th" →
 * FREQ=MONTHLY;BYMONTHDAY=5.
 */

const DAY_CODES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^mon(?:day)?s?$/i, 'MO'],
  [/^tue(?:s|sday)?s?$/i, 'TU'],
  [/^wed(?:nesday)?s?$/i, 'WE'],
  [/^thu(?:r|rs|rsday)?s?$/i, 'TH'],
  [/^fri(?:day)?s?$/i, 'FR'],
  [/^sat(?:urday)?s?$/i, 'SA'],
  [/^sun(?:day)?s?$/i, 'SU'],
];
const DAY_ORDER = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const WEEKDAY_NAME =
  '(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?s?|(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?';

const EVERY_DAYS = new RegExp(
  String.raw`\b(?:every|each|on|all)\s+((?:${WEEKDAY_NAME})(?:\s*(?:,|and|&|n)\s*(?:${WEEKDAY_NAME}))*)\b`,
  'i',
);
const PLURAL_DAYS = /\b(mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)\b/i;
const EVERY_N =
  /\b(?:every|each)\s+(other|second|alternate|\d+|two|three|four)?\s*(day|week|fortnight|month|year)s?\b/i;
const ADVERB =
  /\b(daily|weekly|fortnightly|monthly|yearly|annually|quarterly|every\s*day|everyday|biweekly|bi-weekly)\b/i;
const WEEKDAYS = /\b(?:every|each|on)\s+(?:week\s*days?|working\s+days?|business\s+days?)\b/i;
const WEEKENDS = /\b(?:every|each|on)\s+weekends?\b/i;
const MONTH_DAY =
  /\b(?:every|each)\s+month\s+on\s+the\s+(\d{1,2})(?:st|nd|rd|th)?\b|\bon\s+the\s+(\d{1,2})(?:st|nd|rd|th)?\s+of\s+every\s+month\b/i;

const N_WORDS: Readonly<Record<string, number>> = {
  other: 2,
  second: 2,
  alternate: 2,
  two: 2,
  three: 3,
  four: 4,
};

function dayCode(word: string): string | undefined {
  for (const [re, code] of DAY_CODES) if (re.test(word)) return code;
  return undefined;
}

function byDay(list: string): string {
  const codes = new Set<string>();
  for (const w of list.split(/[\s,&]+/)) {
    const code = dayCode(w);
    if (code) codes.add(code);
  }
  return DAY_ORDER.filter((d) => codes.has(d)).join(',');
}

export function extractRecurrence(text: string): string | undefined {
  if (WEEKDAYS.test(text)) return 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR';
  if (WEEKENDS.test(text)) return 'FREQ=WEEKLY;BYDAY=SA,SU';
  const monthDay = MONTH_DAY.exec(text);
  if (monthDay) return `FREQ=MONTHLY;BYMONTHDAY=${Number(monthDay[1] ?? monthDay[2])}`;
  const days = EVERY_DAYS.exec(text);
  if (days && (/^(?:every|each|all)/i.test(days[0]) || /days\b/i.test(days[1] ?? ''))) {
    const list = byDay(days[1] ?? '');
    if (list) return `FREQ=WEEKLY;BYDAY=${list}`;
  }
  const plural = PLURAL_DAYS.exec(text);
  if (plural && /\b(?:on|every)\b/i.test(text.slice(Math.max(0, plural.index - 4), plural.index))) {
    return `FREQ=WEEKLY;BYDAY=${byDay(plural[1] ?? '')}`;
  }
  const everyN = EVERY_N.exec(text);
  if (everyN) {
    const unit = (everyN[2] ?? '').toLowerCase();
    const nWord = (everyN[1] ?? '').toLowerCase();
    let interval = nWord ? (N_WORDS[nWord] ?? Number(nWord)) : 1;
    let freq = { day: 'DAILY', week: 'WEEKLY', month: 'MONTHLY', year: 'YEARLY', fortnight: 'WEEKLY' }[unit];
    if (unit === 'fortnight') interval *= 2;
    if (freq && Number.isFinite(interval) && interval >= 1) {
      return interval > 1 ? `FREQ=${freq};INTERVAL=${interval}` : `FREQ=${freq}`;
    }
    freq = undefined;
  }
  const adverb = ADVERB.exec(text);
  if (adverb) {
    const w = (adverb[1] ?? '').toLowerCase().replace(/\s+/g, '');
    if (w === 'daily' || w === 'everyday') return 'FREQ=DAILY';
    if (w === 'weekly') return 'FREQ=WEEKLY';
    if (w === 'fortnightly' || w === 'biweekly' || w === 'bi-weekly') return 'FREQ=WEEKLY;INTERVAL=2';
    if (w === 'monthly') return 'FREQ=MONTHLY';
    if (w === 'quarterly') return 'FREQ=MONTHLY;INTERVAL=3';
    return 'FREQ=YEARLY';
  }
  return undefined;
}
