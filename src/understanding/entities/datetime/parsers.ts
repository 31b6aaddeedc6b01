/**
 * The chrono instance the extractor uses: English casual parsing with day-first numeric dates, plus parsers for
 * what people say that chrono does not read on its own ("the 20th", "half past three", "the last Friday of
 * October", "Monday of next week", "Friday after next", "Q3", "the 20th of next month", holidays) and refiners
 * that join a date and a time said apart ("on Saturday for 9am") and drop words that only look like dates ("the
 * sun will set", "I may"). Built once at module load.
 */
import * as chrono from 'chrono-node';
import { holidayParser } from './holidays.ts';

type Parser = chrono.Parser;
type Refiner = chrono.Refiner;
type Context = Parameters<Parser['extract']>[0];

export const MONTH_NUMBER: Readonly<Record<string, number>> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
/** 0 = Sunday, as chrono and Date count. */
export const WEEKDAY_NUMBER: Readonly<Record<string, number>> = {
  sun: 0,
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
};
const ORDINAL: Readonly<Record<string, number>> = {
  first: 1,
  '1st': 1,
  second: 2,
  '2nd': 2,
  third: 3,
  '3rd': 3,
  fourth: 4,
  '4th': 4,
  fifth: 5,
  '5th': 5,
  last: -1,
};

const MONTH_RE = String.raw`(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`;
const WEEKDAY_RE =
  '(mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)';
const ORD_RE = '(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)';
const RELATIVE_RE = String.raw`(this|current|next|coming|the\s+following|the\s+next|following|last|previous|the\s+previous|past|the\s+last)`;

export function monthOf(word: string): number {
  return MONTH_NUMBER[word.slice(0, 3).toLowerCase()] ?? 0;
}

export function weekdayOf(word: string): number {
  return WEEKDAY_NUMBER[word.slice(0, 3).toLowerCase()] ?? -1;
}

/** -1, 0 or +1 for "last", "this", "next" (and their synonyms). */
export function relativeStep(word: string): number {
  const w = word.toLowerCase().replace(/\s+/g, ' ');
  if (/^(?:this|current)$/.test(w)) return 0;
  if (/last|previous|past/.test(w)) return -1;
  return 1;
}

/** The reference moment's wall-clock date in the reference zone, as a UTC date (so arithmetic ignores the host zone). */
export function refDay(context: Context): Date {
  const r = context.reference.getDateWithAdjustedTimezone();
  return new Date(Date.UTC(r.getFullYear(), r.getMonth(), r.getDate()));
}

function dayComponents(context: Context, d: Date, tag: string): chrono.ParsingComponents {
  return context
    .createParsingComponents({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() })
    .addTag(tag);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The nth (1-based; -1 = last) given weekday of a month. */
export function nthWeekday(year: number, month: number, weekday: number, nth: number): Date | null {
  if (nth > 0) {
    const first = new Date(Date.UTC(year, month - 1, 1));
    const offset = (weekday - first.getUTCDay() + 7) % 7;
    const day = 1 + offset + (nth - 1) * 7;
    return day <= daysInMonth(year, month) ? new Date(Date.UTC(year, month - 1, day)) : null;
  }
  const lastDay = daysInMonth(year, month);
  const last = new Date(Date.UTC(year, month - 1, lastDay));
  const back = (last.getUTCDay() - weekday + 7) % 7;
  return new Date(Date.UTC(year, month - 1, lastDay - back));
}

/** "october", "october 2014", "this month", "next month": the month meant, future-preferring for a bare name. */
function monthSpec(
  context: Context,
  name: string | undefined,
  year: string | undefined,
  relative: string | undefined,
): { year: number; month: number; yearSaid: boolean } {
  const today = refDay(context);
  if (name) {
    const month = monthOf(name);
    if (year) return { year: Number(year), month, yearSaid: true };
    return { year: today.getUTCFullYear(), month, yearSaid: false };
  }
  const step = relativeStep(relative ?? 'this');
  const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + step, 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, yearSaid: true };
}

const MONTH_SPEC_RE = String.raw`(?:the\s+)?(?:${MONTH_RE}(?:,?\s+(\d{4}))?|${RELATIVE_RE}\s+month)`;

const NTH_WEEKDAY_PARSER_PATTERN = new RegExp(
  String.raw`\b(?:the\s+)?${ORD_RE}\s+${WEEKDAY_RE}\s+(?:of|in)\s+${MONTH_SPEC_RE}(?=\W|$)`,
  'i',
);
/** "the first Tuesday of October", "last Friday of next month", "2nd monday in march 2026". */
const nthWeekdayParser: Parser = {
  pattern: () => NTH_WEEKDAY_PARSER_PATTERN,
  extract: (context, m) => {
    const nth = ORDINAL[(m[1] ?? '').toLowerCase()] ?? 0;
    const weekday = weekdayOf(m[2] ?? '');
    const spec = monthSpec(context, m[3], m[4], m[5]);
    let d = nthWeekday(spec.year, spec.month, weekday, nth);
    if (d && !spec.yearSaid && d < refDay(context)) d = nthWeekday(spec.year + 1, spec.month, weekday, nth);
    return d ? dayComponents(context, d, 'parser/NthWeekdayParser') : null;
  },
};

const DAY_OF_MONTH_SPEC_PARSER_PATTERN = new RegExp(
  String.raw`\b(?:the\s+)?(?:(first|last)\s+day|(\d{1,2})(?:st|nd|rd|th)?\s+last\s+day|(fifth|fourth|third|second)\s+last\s+day|(\d{1,2})(?:st|nd|rd|th)?(?:\s+day)?)\s+(?:of|in)\s+${MONTH_SPEC_RE}(?=\W|$)`,
  'i',
);
/** "the last day of October", "first day of next month", "the 5th last day of May", "20th of next month". */
const dayOfMonthSpecParser: Parser = {
  pattern: () => DAY_OF_MONTH_SPEC_PARSER_PATTERN,
  extract: (context, m) => {
    const spec = monthSpec(context, m[5], m[6], m[7]);
    // A bare month name is left to chrono ("20th of October" it reads well); relative months and "last day" are ours.
    if (m[4] && m[5]) return null;
    const length = daysInMonth(spec.year, spec.month);
    let day: number;
    if (m[1]) day = m[1].toLowerCase() === 'first' ? 1 : length;
    else if (m[2] || m[3]) {
      const n = m[2]
        ? Number(m[2])
        : ({ second: 2, third: 3, fourth: 4, fifth: 5 } as Record<string, number>)[m[3]!.toLowerCase()]!;
      day = length - n + 1;
    } else day = Number(m[4]);
    if (day < 1 || day > length) return null;
    let d = new Date(Date.UTC(spec.year, spec.month - 1, day));
    if (!spec.yearSaid && d < refDay(context)) d = new Date(Date.UTC(spec.year + 1, spec.month - 1, day));
    return dayComponents(context, d, 'parser/DayOfMonthSpecParser');
  },
};

const WEEKDAY_OF_WEEK_PARSER_PATTERN = new RegExp(
  String.raw`\b(?:${WEEKDAY_RE}\s+(?:of\s+)?${RELATIVE_RE}\s+week|${RELATIVE_RE}\s+week(?:'s|s)?\s+${WEEKDAY_RE})(?=\W|$)`,
  'i',
);
/** "Monday of next week", "next week's Friday", "this week Monday", "tuesday of last week". */
const weekdayOfWeekParser: Parser = {
  pattern: () => WEEKDAY_OF_WEEK_PARSER_PATTERN,
  extract: (context, m) => {
    const weekday = weekdayOf(m[1] ?? m[4] ?? '');
    const step = relativeStep(m[2] ?? m[3] ?? 'this');
    const today = refDay(context);
    const mondayOffset = (today.getUTCDay() + 6) % 7;
    const monday = today.getTime() - mondayOffset * 86_400_000 + step * 7 * 86_400_000;
    const d = new Date(monday + ((weekday + 6) % 7) * 86_400_000);
    return dayComponents(context, d, 'parser/WeekdayOfWeekParser');
  },
};

const AFTER_NEXT_PARSER_PATTERN = new RegExp(
  String.raw`\b(?:${WEEKDAY_RE}|${MONTH_RE})\s+after\s+next\b`,
  'i',
);
/** "Friday after next", "March after next". */
const afterNextParser: Parser = {
  pattern: () => AFTER_NEXT_PARSER_PATTERN,
  extract: (context, m) => {
    const today = refDay(context);
    if (m[1]) {
      const weekday = weekdayOf(m[1]);
      const ahead = (weekday - today.getUTCDay() + 7) % 7 || 7;
      return dayComponents(
        context,
        new Date(today.getTime() + (ahead + 7) * 86_400_000),
        'parser/AfterNextParser',
      );
    }
    const month = monthOf(m[2] ?? '');
    // The next March is this year's while still ahead, else next year's; the one after it is a year later.
    const nextOne = month > today.getUTCMonth() + 1 ? today.getUTCFullYear() : today.getUTCFullYear() + 1;
    const year = nextOne + 1;
    return context
      .createParsingComponents({ year, month, day: 1 })
      .addTag('parser/AfterNextParser')
      .addTag('grain/month');
  },
};

const QUARTER_PARSER_PATTERN =
  /\b(?:(?:the\s+)?(first|1st|second|2nd|third|3rd|fourth|4th|last)\s+(?:quarter|qtr)(?:\s+(?:of\s+)?(\d{4}))?|q([1-4])(?:\s*(\d{4}))?|(\d{4})\s*q([1-4]))(?=\W|$)/i;
/** "Q3", "third quarter", "4th qtr 2018", "2018Q4". */
const quarterParser: Parser = {
  pattern: () => QUARTER_PARSER_PATTERN,
  extract: (context, m) => {
    const word = (m[1] ?? '').toLowerCase();
    const q = m[3] ? Number(m[3]) : m[6] ? Number(m[6]) : word === 'last' ? 4 : (ORDINAL[word] ?? 0);
    if (q < 1 || q > 4) return null;
    const year = Number(m[2] ?? m[4] ?? m[5] ?? refDay(context).getUTCFullYear());
    return context
      .createParsingComponents({ year, month: (q - 1) * 3 + 1, day: 1 })
      .addTag('parser/QuarterParser')
      .addTag('grain/quarter');
  },
};

const DAY_OF_MONTH_PARSER_PATTERN =
  /(?<![\w/:.-])(?:on\s+)?(?:(?:the\s+)?([12]?\d|3[01])(?:st|nd|rd|th)|the\s+([12]?\d|3[01])(?=\s*(?:$|[,.!?]|\s+(?:at|of|in|for|from|to|and|or|morning|evening|afternoon|night|please|instead)\b)))(?!\s*(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\d{4}|\d+(?:st|nd|rd|th)|day|week|month|year|floor|time|quarter|qtr|last|century|anniversary))(?=\W|$)/i;
/** "the 20th", "on the 5th", "the 24": a day of this month, or of next month once it has passed. */
const dayOfMonthParser: Parser = {
  pattern: () => DAY_OF_MONTH_PARSER_PATTERN,
  extract: (context, m) => {
    const day = Number(m[1] ?? m[2]);
    if (day < 1 || day > 31) return null;
    const today = refDay(context);
    let year = today.getUTCFullYear();
    let month = today.getUTCMonth() + 1;
    if (day < today.getUTCDate()) month += 1;
    // "the 31st" said in February or April: the next month that has one.
    for (let i = 0; i < 3; i++) {
      if (month > 12) {
        month -= 12;
        year += 1;
      }
      if (day <= daysInMonth(year, month)) break;
      month += 1;
    }
    const components = context.createParsingComponents({ day });
    components.imply('month', month);
    components.imply('year', year);
    return components.addTag('parser/DayOfMonthParser');
  },
};

const MINUTE_WORD: Readonly<Record<string, number>> = { half: 30, quarter: 15 };

const PAST_TO_PARSER_PATTERN =
  /\b(?:(?:at|by|around|@)\s+)?(half|quarter|a quarter|\d{1,2})(?:\s+(?:minutes?|mins?))?\s+(past|after|to|till|before)\s+(\d{1,2}|noon|midnight)(?::00)?(?:\s*(am|pm|a\.m\.|p\.m\.)|\s+(in the morning|in the afternoon|in the evening|at night|tonight|in the night))?(?=\W|$)/i;
/** "half past three", "quarter past 3", "20 past 4", "quarter to four", "10 minutes to 5", "… in the evening". */
const pastToParser: Parser = {
  pattern: () => PAST_TO_PARSER_PATTERN,
  extract: (context, m) => {
    const word = (m[1] ?? '').toLowerCase().replace(/^a /, '');
    const minutes = MINUTE_WORD[word] ?? Number(word);
    const relation = (m[2] ?? '').toLowerCase();
    const hourWord = (m[3] ?? '').toLowerCase();
    let hour = hourWord === 'noon' ? 12 : hourWord === 'midnight' ? 0 : Number(hourWord);
    if (!(minutes > 0 && minutes < 60) || hour > 23) return null;
    // "half to four" is not said; "10 to 11" is a range, not 10:50: "to"/"before" need a quarter or "minutes".
    if (word === 'half' && relation !== 'past' && relation !== 'after') return null;
    // "twenty to six" is 5:40, but "five to six" / "ten to eleven" are more often ranges in business talk.
    // After "at"/"by"/"around" it is a clock reading: "at ten to six" is 5:50.
    const minutesSaid =
      /\bmin/i.test(m[0]) || word === 'quarter' || minutes > 12 || /^(?:at|by|around|@)\s/i.test(m[0]);
    if ((relation === 'to' || relation === 'till' || relation === 'before') && !minutesSaid) return null;
    let minute = minutes;
    if (relation === 'to' || relation === 'till' || relation === 'before') {
      hour = hour === 0 ? 23 : hour - 1;
      minute = 60 - minutes;
    }
    const meridiem = (m[4] ?? '').toLowerCase();
    const part = (m[5] ?? '').toLowerCase();
    const pm = meridiem.startsWith('p') || /afternoon|evening|night/.test(part);
    const am = meridiem.startsWith('a') || part.includes('morning');
    if (pm && hour < 12) hour += 12;
    const components = context.createParsingComponents({ hour, minute });
    if (pm || am || hourWord === 'noon' || hourWord === 'midnight')
      components.assign('meridiem', hour >= 12 ? 1 : 0);
    return components.addTag('parser/PastToParser');
  },
};

const PERIOD_PARSER_PATTERN = new RegExp(
  String.raw`\b(?:the\s+)?${RELATIVE_RE}\s+(week|month|year)(?=\W|$)`,
  'i',
);
/** "the following week", "current month", "coming year": read in resolve.ts as the period's first day. */
const periodParser: Parser = {
  pattern: () => PERIOD_PARSER_PATTERN,
  extract: (context, m) => {
    const today = refDay(context);
    return context
      .createParsingComponents({ year: today.getUTCFullYear(), month: today.getUTCMonth() + 1 })
      .addTag('parser/PeriodParser')
      .addTag(`period/${relativeStep(m[1] ?? 'this')}/${(m[2] ?? '').toLowerCase()}`);
  },
};

const PERIOD_EDGE_PARSER_PATTERN = new RegExp(
  String.raw`\b(?:the\s+)?(?:(end|close|middle|start|beginning)\s+of|(mid)[\s-]?)\s*(?:the\s+)?(?:(this|current|next|coming|following|last|previous|past)\s+)?(?:(week|month|year)|${MONTH_RE})(?:,?\s+(\d{4}))?(?=\W|$)|\b(?:(this|next|last)\s+)?(month|year)[\s-]end\b`,
  'i',
);
/**
 * "the end of the month", "mid next month", "start of next week", "end of October", "month-end": one day at that
 * edge of the period, as a follow-up or a deadline needs. A week ends on its Friday (the working week) and its
 * middle is Wednesday; a month's middle is the 15th; a year's middle is 1 July.
 */
const periodEdgeParser: Parser = {
  pattern: () => PERIOD_EDGE_PARSER_PATTERN,
  extract: (context, m) => {
    const edge = (m[1] ?? m[2] ?? (m[8] ? 'end' : '')).toLowerCase();
    const where =
      edge === 'end' || edge === 'close'
        ? 'end'
        : edge === 'start' || edge === 'beginning'
          ? 'start'
          : 'middle';
    const step = relativeStep(m[3] ?? m[7] ?? 'this');
    const unit = (m[4] ?? m[8] ?? '').toLowerCase();
    const today = refDay(context);
    const y = today.getUTCFullYear();
    let day: Date;
    if (unit === 'week') {
      const monday = today.getTime() - ((today.getUTCDay() + 6) % 7) * 86_400_000 + step * 7 * 86_400_000;
      day = new Date(monday + (where === 'end' ? 4 : where === 'start' ? 0 : 2) * 86_400_000);
    } else if (unit === 'year') {
      const year = m[6] ? Number(m[6]) : y + step;
      day = new Date(
        Date.UTC(year, where === 'end' ? 11 : where === 'start' ? 0 : 6, where === 'end' ? 31 : 1),
      );
    } else {
      let year = y;
      let month: number;
      if (unit === 'month') {
        const first = new Date(Date.UTC(y, today.getUTCMonth() + step, 1));
        year = first.getUTCFullYear();
        month = first.getUTCMonth() + 1;
      } else {
        // A named month: the coming one unless a year is said.
        month = monthOf(m[5] ?? '');
        if (m[6]) year = Number(m[6]);
        else if (month < today.getUTCMonth() + 1) year = y + 1;
      }
      const d = where === 'end' ? daysInMonth(year, month) : where === 'start' ? 1 : 15;
      day = new Date(Date.UTC(year, month - 1, d));
    }
    return dayComponents(context, day, 'parser/PeriodEdgeParser');
  },
};

const COMING_WEEKDAY_PARSER_PATTERN = new RegExp(
  String.raw`\b(?:the\s+)?(?:coming|upcoming)\s+${WEEKDAY_RE}(?=\W|$)`,
  'i',
);
/** "coming Friday", "upcoming Monday": the first such day after today. */
const comingWeekdayParser: Parser = {
  pattern: () => COMING_WEEKDAY_PARSER_PATTERN,
  extract: (context, m) => {
    const today = refDay(context);
    const ahead = (weekdayOf(m[1] ?? '') - today.getUTCDay() + 7) % 7 || 7;
    return dayComponents(
      context,
      new Date(today.getTime() + ahead * 86_400_000),
      'parser/ComingWeekdayParser',
    );
  },
};

const COUNT_WORDS: Readonly<Record<string, number>> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
};
const COUNT_RE = String.raw`(\d{1,2}|an?|one|two|three|four|five|six)`;

function countOf(word: string): number {
  return COUNT_WORDS[word.toLowerCase()] ?? Number(word);
}

const COUNT_FROM_WEEKDAY_PARSER_PATTERN = new RegExp(
  String.raw`\b${COUNT_RE}\s+(day|week)s?\s+(?:from|after)\s+(?:this\s+|the\s+coming\s+|coming\s+)?${WEEKDAY_RE}(?=\W|$)`,
  'i',
);
/** "two weeks from Monday", "3 days after Friday": counted from the coming such weekday. */
const countFromWeekdayParser: Parser = {
  pattern: () => COUNT_FROM_WEEKDAY_PARSER_PATTERN,
  extract: (context, m) => {
    const n = countOf(m[1] ?? '');
    const days = (m[2] ?? '').toLowerCase() === 'week' ? n * 7 : n;
    const today = refDay(context);
    const ahead = (weekdayOf(m[3] ?? '') - today.getUTCDay() + 7) % 7 || 7;
    return dayComponents(
      context,
      new Date(today.getTime() + (ahead + days) * 86_400_000),
      'parser/CountFromWeekdayParser',
    );
  },
};

const UPCOMING_PARSER_PATTERN = new RegExp(
  String.raw`\b(?:${COUNT_RE}\s+upcoming\s+(day|week|month|quarter|year)s?|upcoming\s+${COUNT_RE}\s+(day|week|month|quarter|year)s?)(?=\W|$)`,
  'i',
);
/** "two upcoming weeks", "upcoming 2 quarters": the start of the period that many periods ahead. */
const upcomingParser: Parser = {
  pattern: () => UPCOMING_PARSER_PATTERN,
  extract: (context, m) => {
    const n = countOf(m[1] ?? m[3] ?? '');
    const unit = (m[2] ?? m[4] ?? '').toLowerCase();
    const today = refDay(context);
    let d: Date;
    if (unit === 'day') d = new Date(today.getTime() + n * 86_400_000);
    else if (unit === 'week') {
      const monday = today.getTime() - ((today.getUTCDay() + 6) % 7) * 86_400_000;
      d = new Date(monday + n * 7 * 86_400_000);
    } else if (unit === 'month') d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + n, 1));
    else if (unit === 'quarter') {
      const q = Math.floor(today.getUTCMonth() / 3);
      d = new Date(Date.UTC(today.getUTCFullYear(), (q + n) * 3, 1));
    } else d = new Date(Date.UTC(today.getUTCFullYear() + n, 0, 1));
    const c = dayComponents(context, d, 'parser/UpcomingParser');
    return unit === 'day' || unit === 'week' ? c : c.addTag(`grain/${unit}`);
  },
};

const WEEKDAYS_FROM_NOW_PARSER_PATTERN = new RegExp(
  String.raw`\b${COUNT_RE}\s+${WEEKDAY_RE}s?\s+(from\s+now|from\s+today|hence|back|ago|before)(?=\W|$)`,
  'i',
);
/** "3 Fridays from now", "two sundays from now", "2 thursdays back": the nth such weekday after (before) today. */
const weekdaysFromNowParser: Parser = {
  pattern: () => WEEKDAYS_FROM_NOW_PARSER_PATTERN,
  extract: (context, m) => {
    const n = countOf(m[1] ?? '');
    const weekday = weekdayOf(m[2] ?? '');
    const back = /back|ago|before/i.test(m[3] ?? '');
    const today = refDay(context);
    const first = back
      ? -((today.getUTCDay() - weekday + 7) % 7 || 7)
      : (weekday - today.getUTCDay() + 7) % 7 || 7;
    const days = first + (back ? -1 : 1) * (n - 1) * 7;
    return dayComponents(
      context,
      new Date(today.getTime() + days * 86_400_000),
      'parser/WeekdaysFromNowParser',
    );
  },
};

/** Full Monday–Sunday weeks inside a month (or year), in order. */
function fullWeeks(from: Date, toExclusive: Date): Date[] {
  const weeks: Date[] = [];
  let monday = from.getTime() + ((8 - from.getUTCDay()) % 7) * 86_400_000;
  while (monday + 7 * 86_400_000 <= toExclusive.getTime()) {
    weeks.push(new Date(monday));
    monday += 7 * 86_400_000;
  }
  return weeks;
}

const WEEK_OF_PERIOD_PARSER_PATTERN = new RegExp(
  String.raw`\b(?:the\s+)?(?:(first|1st|second|2nd|third|3rd|fourth|4th)\s+(last\s+)?|(last)\s+)week\s+(?:of|in)\s+(?:${MONTH_RE}(?:,?\s+(\d{4}))?|(\d{4}))(?=\W|$)`,
  'i',
);
/** "the first week of October", "last week of September 2014", "the third last week of 2018": that week's Monday. */
const weekOfPeriodParser: Parser = {
  pattern: () => WEEK_OF_PERIOD_PARSER_PATTERN,
  extract: (context, m) => {
    const today = refDay(context);
    const fromLast = Boolean(m[2] || m[3]);
    const n = m[3] ? 1 : (ORDINAL[(m[1] ?? '').toLowerCase()] ?? 1);
    let from: Date;
    let to: Date;
    if (m[6]) {
      from = new Date(Date.UTC(Number(m[6]), 0, 1));
      to = new Date(Date.UTC(Number(m[6]) + 1, 0, 1));
    } else {
      const month = monthOf(m[4] ?? '');
      let year = m[5] ? Number(m[5]) : today.getUTCFullYear();
      if (!m[5] && month < today.getUTCMonth() + 1) year += 1;
      from = new Date(Date.UTC(year, month - 1, 1));
      to = new Date(Date.UTC(year, month, 1));
    }
    const weeks = fullWeeks(from, to);
    const week = fromLast ? weeks[weeks.length - n] : weeks[n - 1];
    return week ? dayComponents(context, week, 'parser/WeekOfPeriodParser') : null;
  },
};

/** "the week of October 6th": that week's Monday (the date itself is read by chrono, then moved here). */
const WEEK_OF = /\b(?:the\s+)?week\s+of\s+$/i;

const weekOfDateRefiner: Refiner = {
  refine: (context, results) => {
    const out: chrono.ParsingResult[] = [];
    for (const r of results) {
      const before = context.text.slice(Math.max(0, r.index - 20), r.index);
      const m = WEEK_OF.exec(before);
      if (!m || m.index + m[0].length !== before.length || !r.start.isCertain('day')) {
        out.push(r);
        continue;
      }
      const local = new Date(
        Date.UTC(r.start.get('year') ?? 2000, (r.start.get('month') ?? 1) - 1, r.start.get('day') ?? 1),
      );
      const monday = new Date(local.getTime() - ((local.getUTCDay() + 6) % 7) * 86_400_000);
      const start = context
        .createParsingComponents({
          year: monday.getUTCFullYear(),
          month: monday.getUTCMonth() + 1,
          day: monday.getUTCDate(),
        })
        .addTag('parser/WeekOfDate');
      const index = r.index - m[0].length;
      // chrono may have read "the week" on its own; it is part of this mention.
      while (out.length > 0 && out[out.length - 1]!.index >= index) out.pop();
      out.push(
        new chrono.ParsingResult(
          r.reference,
          index,
          context.text.slice(index, r.index + r.text.length),
          start,
        ),
      );
    }
    return out;
  },
};

const COMPACT_DATE_PARSER_PATTERN = new RegExp(
  String.raw`(?<![\d/.-])(?:(\d{4})[/-]${MONTH_RE}[/-](\d{1,2})|(\d{4})[/-](\d{1,2})[/-]${MONTH_RE})(?![\d/])`,
  'i',
);
/** "2019/aug/01", "2020/23/Sep": year-first dates with the month as a word. */
const compactDateParser: Parser = {
  pattern: () => COMPACT_DATE_PARSER_PATTERN,
  extract: (context, m) => {
    const year = Number(m[1] ?? m[4]);
    const month = monthOf(m[2] ?? m[6] ?? '');
    const day = Number(m[3] ?? m[5]);
    if (!month || day < 1 || day > daysInMonth(year, month)) return null;
    return context.createParsingComponents({ year, month, day }).addTag('parser/CompactDateParser');
  },
};

const NOW_PARSER_PATTERN =
  /\b(?:ATM|at\s+the\s+moment|at\s+(?:the\s+)?present(?:\s+time)?|right\s+now|right\s+away|immediately)\b/;
/**
 * "last Wednesday", "previous Friday": that weekday of last week, as "next Wednesday" is that of next week.
 * ("past Wednesday", "this past Wednesday" stay the most recent one, which chrono reads.)
 */
const LAST_WEEKDAY_PARSER_PATTERN = new RegExp(
  `\\b(?:on\\s+)?(?:last|previous)\\s+${WEEKDAY_RE}(?!\\s+(?:of|in)\\b)(?=\\W|$)`,
  'i',
);
const lastWeekdayParser: Parser = {
  pattern: () => LAST_WEEKDAY_PARSER_PATTERN,
  extract: (context, m) => {
    const weekday = weekdayOf(m[1] ?? '');
    const today = refDay(context);
    const thisMonday = today.getTime() - ((today.getUTCDay() + 6) % 7) * 86_400_000;
    const d = new Date(thisMonday - 7 * 86_400_000 + ((weekday + 6) % 7) * 86_400_000);
    return dayComponents(context, d, 'parser/LastWeekdayParser');
  },
};

/** "Feb 29th" without a year: the next 29 February. */
const LEAP_DAY_PARSER_PATTERN =
  /\b(?:feb(?:ruary)?\.?\s+(?:the\s+)?29(?:th)?|29(?:th)?\s+(?:of\s+)?feb(?:ruary)?)\b(?!\.?,?\s*\d)/i;
const leapDayParser: Parser = {
  pattern: () => LEAP_DAY_PARSER_PATTERN,
  extract: (context) => {
    const today = refDay(context);
    for (let year = today.getUTCFullYear(); year < today.getUTCFullYear() + 9; year++) {
      const d = new Date(Date.UTC(year, 1, 29));
      if (d.getUTCMonth() === 1 && d >= today) return dayComponents(context, d, 'parser/LeapDayParser');
    }
    return null;
  },
};

/** "this time tomorrow", "same time next week": now, a day or a week on. */
const SAME_TIME_PARSER_PATTERN =
  /\b(?:(?:this|the\s+same|same)\s+time\s+(tomorrow|next\s+week)|(tomorrow|next\s+week)\s+(?:at\s+)?(?:this|the\s+same|same)\s+time)\b/i;
const sameTimeParser: Parser = {
  pattern: () => SAME_TIME_PARSER_PATTERN,
  extract: (context, m) => {
    const days = /week/i.test(m[1] ?? m[2] ?? '') ? 7 : 1;
    const r = context.reference.getDateWithAdjustedTimezone();
    const d = new Date(r.getTime() + days * 86_400_000);
    return context
      .createParsingComponents({
        year: d.getFullYear(),
        month: d.getMonth() + 1,
        day: d.getDate(),
        hour: d.getHours(),
        minute: d.getMinutes(),
        meridiem: d.getHours() >= 12 ? 1 : 0,
      })
      .addTag('parser/NowParser');
  },
};

/** "ATM", "at the moment", "at present", "right now". */
const nowParser: Parser = {
  pattern: () => NOW_PARSER_PATTERN,
  extract: (context) => {
    const r = context.reference.getDateWithAdjustedTimezone();
    return context
      .createParsingComponents({
        year: r.getFullYear(),
        month: r.getMonth() + 1,
        day: r.getDate(),
        hour: r.getHours(),
        minute: r.getMinutes(),
        second: r.getSeconds(),
        meridiem: r.getHours() >= 12 ? 1 : 0,
      })
      .addTag('parser/NowParser');
  },
};

/** Words that look like a date on their own but rarely are: "the sun will set", "I may", "a second". */
const LOOKALIKE = /^(?:sun|sat|wed|mar|may|jun|aug|dec|second|sec|march|mon|fri|thu|tue|jan|oct|nov|sept?)$/i;
const DATE_CUE_BEFORE =
  /\b(?:on|this|next|last|every|by|till|until|in|of|from|for|coming|before|after|since|early|late|mid|each|through|thru|and|or|to)\s*$/i;

/** "for 45 minutes" is how long, not when: chrono reads it as "in 45 minutes". */
const FOR_DURATION =
  /^(?:for|lasting)\s+(?:\d|an?\b|one|two|three|four|five|six|half|a\s+couple|couple|few|several)/i;

/** "an hour before the call", "10 minutes after it": counted from an event named next, not from now. */
const LEAD_TIME =
  /^(?:\d+|an?|one|two|three|four|five|ten|fifteen|twenty|thirty|half)\s+(?:minutes?|mins?|hours?|hrs?|days?|weeks?)(?:\s+(?:before|after|prior\s+to))?$/i;
const BEFORE_EVENT =
  /^\s*(?:before|after|prior\s+to)?\s+(?:the|my|our|his|her|their|your|that|this|each|every|it|lunch|dinner|[a-z]+'s)\b/i;

function isLeadTime(context: Context, r: chrono.ParsingResult): boolean {
  const text = r.text.trim();
  if (!LEAD_TIME.test(text)) return false;
  const tail = context.text.slice(r.index + r.text.length);
  if (/(?:before|after|to)$/i.test(text)) return BEFORE_EVENT.test(` ${tail}`);
  return /^\s+(?:before|after|prior\s+to)\b/i.test(tail) && BEFORE_EVENT.test(tail);
}

/** "the day off", "a week" with no "in", "from now" or "ago": a length of time, not a day. */
const BARE_UNIT = /^(?:the\s+day|an?\s+(?:day|week|month|year))$/i;

const durationFilter: Refiner = {
  refine: (context, results) =>
    results.filter(
      (r) => !FOR_DURATION.test(r.text) && !isLeadTime(context, r) && !BARE_UNIT.test(r.text.trim()),
    ),
};

const lookalikeFilter: Refiner = {
  refine: (context, results) =>
    results.filter((r) => {
      const word = r.text.trim();
      if (!LOOKALIKE.test(word) || context.text.trim() === word) return true;
      const before = context.text.slice(Math.max(0, r.index - 12), r.index);
      const after = context.text.slice(r.index + r.text.length, r.index + r.text.length + 6);
      if (/^\s*\d/.test(after) || /\d\s*$/.test(before)) return true;
      // A capitalised month or weekday ("in March", "on Sat") is meant; a lowercase "may"/"sun"/"second" needs a cue.
      if (/^(?:may|sun|second|sec|mar|march)$/i.test(word) && !/^[A-Z]/.test(word))
        return DATE_CUE_BEFORE.test(before) && !/^(?:sun|second|sec)$/i.test(word);
      return DATE_CUE_BEFORE.test(before) || /^[A-Z]/.test(word);
    }),
};

/** Text between a date and a time that still makes them one moment: "Saturday for 9am", "tomorrow, 10 am". */
const JOINER =
  /^\s*(?:late|early)?\s*(?:,|for|by|around|about|from|starting(?:\s+at)?|at|@|on|in\s+the|-)?\s*,?\s*$/i;

function onlyTime(c: chrono.ParsingComponents): boolean {
  return c.isOnlyTime() && c.isCertain('hour');
}

function onlyDate(c: chrono.ParsingComponents): boolean {
  return (
    !c.isCertain('hour') &&
    (c.isCertain('day') || c.isCertain('weekday')) &&
    !c.tags().has('result/relativeDateAndTime')
  );
}

function isWeekdayOnly(c: chrono.ParsingComponents): boolean {
  return c.isOnlyWeekdayComponent() && !c.isCertain('hour');
}

function joinPair(
  context: Context,
  a: chrono.ParsingResult,
  b: chrono.ParsingResult,
): chrono.ParsingResult | null {
  if (a.end || b.end) return null;
  const between = context.text.slice(a.index + a.text.length, b.index);
  const text = context.text.slice(a.index, b.index + b.text.length);
  // "Monday two weeks from now", "3 weeks after Christmas on Friday": that weekday in the week of a counted date.
  const counted = (c: chrono.ParsingComponents) =>
    (c.isCertain('day') && (c.tags().has('result/relativeDate') || c.tags().has('parser/HolidayParser'))) ||
    c.tags().has('period/1/week') ||
    c.tags().has('period/0/week') ||
    c.tags().has('period/-1/week');
  const weekdayFirst = isWeekdayOnly(a.start) && counted(b.start) && /^\s*,?\s*$/.test(between);
  const weekdayLast = counted(a.start) && isWeekdayOnly(b.start) && /^\s*,?\s*(?:on\s+)?$/i.test(between);
  if (weekdayFirst || weekdayLast) {
    const date = weekdayFirst ? b.start : a.start;
    const weekday = (weekdayFirst ? a.start : b.start).get('weekday') ?? 1;
    const periodWeek = [...date.tags()].find((t) => /^period\/-?\d\/week$/.test(t));
    const day = periodWeek
      ? new Date(refDay(context).getTime() + Number(periodWeek.split('/')[1]) * 7 * 86_400_000)
      : new Date(Date.UTC(date.get('year') ?? 2000, (date.get('month') ?? 1) - 1, date.get('day') ?? 1));
    const monday = day.getTime() - ((day.getUTCDay() + 6) % 7) * 86_400_000;
    const target = new Date(monday + ((weekday + 6) % 7) * 86_400_000);
    return new chrono.ParsingResult(
      a.reference,
      a.index,
      text,
      dayComponents(context, target, 'parser/WeekdayOfCountedDate'),
    );
  }
  // "tues the 4th 7pm", "Friday, 5 October": a weekday in front of a date.
  if (isWeekdayOnly(a.start) && b.start.isCertain('day') && /^\s*,?\s*(?:the\s+)?$/i.test(between)) {
    const start = b.start.clone();
    start.assign('weekday', a.start.get('weekday') ?? 0);
    return new chrono.ParsingResult(a.reference, a.index, text, start);
  }
  const dateFirst = onlyDate(a.start) && onlyTime(b.start);
  const timeFirst = onlyTime(a.start) && onlyDate(b.start);
  if (!(dateFirst || timeFirst) || !JOINER.test(between)) return null;
  const date = dateFirst ? a.start : b.start;
  const time = dateFirst ? b.start : a.start;
  const start = date.clone();
  for (const c of ['hour', 'minute', 'second', 'meridiem'] as const) {
    const v = time.get(c);
    if (v === null) continue;
    if (time.isCertain(c)) start.assign(c, v);
    else start.imply(c, v);
  }
  start.addTags(time.tags());
  return new chrono.ParsingResult(a.reference, a.index, text, start);
}

const dateTimeJoiner: Refiner = {
  refine: (context, results) => {
    let out = results;
    for (let changed = true; changed && out.length > 1; ) {
      changed = false;
      const next: chrono.ParsingResult[] = [];
      for (let i = 0; i < out.length; i++) {
        const a = out[i]!;
        const b = out[i + 1];
        const joined = b ? joinPair(context, a, b) : null;
        if (joined) {
          next.push(joined);
          i++;
          changed = true;
        } else next.push(a);
      }
      out = next;
    }
    return out;
  },
};

/** How a numeric date like 5/10 is read: 5 October (day first, Indian and British usage) or May 10 (US usage). */
export type DateOrder = 'day-first' | 'month-first';

function build(order: DateOrder): chrono.Chrono {
  const c = chrono.en.casual.clone();
  // Indian usage writes numeric dates day first (5/10 is 5 October): take the day-first slash-date parser of
  // chrono's GB configuration, and keep the casual one's month-name parsing ("Sep 20" is 20 September). Either
  // parser reads a date whose order is plain from its numbers (13/4 and 4/13 are both 13 April).
  if (order === 'day-first') {
    const dayFirst = chrono.en.GB.parsers.find((p) => p.constructor.name === 'SlashDateFormatParser');
    const at = c.parsers.findIndex((p) => p.constructor.name === 'SlashDateFormatParser');
    if (dayFirst && at >= 0) c.parsers[at] = dayFirst;
  }
  // Ours first: where one of them and one of chrono's read the same words, ours is the business reading.
  c.parsers.unshift(
    periodEdgeParser,
    nthWeekdayParser,
    dayOfMonthSpecParser,
    weekdayOfWeekParser,
    afterNextParser,
    quarterParser,
    dayOfMonthParser,
    pastToParser,
    nowParser,
    sameTimeParser,
    lastWeekdayParser,
    leapDayParser,
    upcomingParser,
    countFromWeekdayParser,
    weekdaysFromNowParser,
    weekOfPeriodParser,
    compactDateParser,
    periodParser,
    comingWeekdayParser,
    holidayParser,
  );
  c.refiners.unshift(lookalikeFilter, durationFilter);
  c.refiners.push(dateTimeJoiner, weekOfDateRefiner);
  return c;
}

/** The day-first instance, built at module load; the month-first one is built the first time it is asked for. */
export const businessChrono: chrono.Chrono = build('day-first');
let monthFirstChrono: chrono.Chrono | undefined;

export function chronoFor(order: DateOrder): chrono.Chrono {
  if (order === 'day-first') return businessChrono;
  monthFirstChrono ??= build('month-first');
  return monthFirstChrono;
}
