/**
 * Finds dates and times with chrono (plus our own parsers for what it misses) and resolves them to wall-clock values
 * in the business time zone, applying the business defaults: a bare "at 3" is 15:00 (1–7 without am/pm are
 * afternoon hours), "morning" is 09:00, "afternoon" 14:00, "evening" 18:00, "tonight" 20:00; times, days without a
 * year and weekdays are taken in the future unless "last"/"ago" says otherwise; "next week" is its Monday, "next
 * month" its first day.
 */
import type { ParsedResult, ParsingComponents } from 'chrono-node';
import { DateTime, type Zone } from 'luxon';
import type { UnderstandingContext } from '../../../core/understanding.ts';
import { dateOrderOf } from './date-order.ts';
import type { Grain, TimeMention } from './mention.ts';
import { chronoFor } from './parsers.ts';
import { originalSpan, rewriteForParsing } from './rewrite.ts';
import { zoneFor } from './zone.ts';

/** Hours of a casual part of the day, when no clock time is said with it. */
const PART_OF_DAY_HOUR: ReadonlyArray<readonly [string, number]> = [
  ['casualReference/morning', 9],
  ['casualReference/afternoon', 14],
  ['casualReference/evening', 18],
  ['casualReference/tonight', 20],
  ['casualReference/night', 20],
  ['casualReference/noon', 12],
  ['casualReference/midnight', 0],
];

/** "at 07:00" with a leading zero, "15:30", "19h": a 24-hour clock time, so no afternoon default. */
const TWENTY_FOUR_HOUR = /(?:^|\D)0\d[:.h]\d\d|\b(?:1[3-9]|2[0-3])[:.h]?\d\d\b|\bhrs\b/;
const MORNING = /\bmorning\b|\bam\b|\ba\.m\b|\bdawn\b|\bbreakfast\b/i;
const EXPLICIT_MERIDIEM = /\d\s*(?:am|pm|a\.m|p\.m)\b|\b(?:am|pm|a\.m|p\.m)\b|\bnoon\b|\bmidnight\b/i;
const NIGHT = /\b(?:tonight|night|evening)\b/i;
const LATER_IN_DAY = /\b(?:afternoon|evening|tonight|night|pm|p\.m)\b/i;
const PAST_WORDS = /\b(?:last|past|previous|ago|yesterday|earlier)\b/i;
/** An offset counted from now ("in 7 days", "2 weeks ago", "a month from now"), not from another date. */
const RELATIVE_FROM_NOW = /^(?:in|within|after)\s|\b(?:ago|from\s+(?:right\s+)?now|later|back)$/i;
const PERIOD =
  /^(?:the\s+)?(this|current|next|coming|upcoming|following|last|past|previous)\s+(week|month|year)$/i;

export function findMentions(text: string, ctx: UnderstandingContext): TimeMention[] {
  const rewritten = rewriteForParsing(text);
  const zone = zoneFor(ctx.tz);
  const now = DateTime.fromJSDate(ctx.now, { zone });
  const ref = { instant: ctx.now, timezone: now.offset };
  const chrono = chronoFor(dateOrderOf(ctx));
  let results: ParsedResult[] = chrono.parse(rewritten.text, ref, { forwardDate: true });
  if (PAST_WORDS.test(rewritten.text)) {
    // "last Wednesday", "2 days ago": chrono's forward-dating would move these into the future.
    const past = chrono.parse(rewritten.text, ref, { forwardDate: false });
    results = results.map((r) =>
      PAST_WORDS.test(r.text) ? (past.find((p) => p.index === r.index && p.text === r.text) ?? r) : r,
    );
  }
  const mentions: TimeMention[] = [];
  for (const r of results) {
    const m = toMention(r, now, zone);
    if (!m) continue;
    const [start, end] = originalSpan(rewritten, r.index, r.index + r.text.length);
    m.index = start;
    m.text = text.slice(start, end);
    mentions.push(m);
  }
  return mentions;
}

interface TimeOfDay {
  hour: number;
  minute: number;
  second: number;
  /** "tonight at 12": midnight at the end of the day. */
  nextDay?: boolean;
}

function toMention(r: ParsedResult, now: DateTime, tz: Zone | string): TimeMention | null {
  const start = r.start as ParsingComponents;
  const tags = r.tags();
  const period = PERIOD.exec(r.text.trim());
  if (period) return periodMention(r, now, period[1]!, period[2]!.toLowerCase() as 'week' | 'month' | 'year');
  for (const tag of tags) {
    const p = /^period\/(-?\d)\/(week|month|year)$/.exec(tag);
    if (p)
      return periodMention(
        r,
        now,
        p[1] === '0' ? 'this' : p[1] === '1' ? 'next' : 'last',
        p[2] as 'week' | 'month' | 'year',
      );
  }
  const startTime = timeOfDay(start, tags, r.text, undefined, now);
  let at = wallClock(start, tz, startTime);
  if (!at) return null;
  at = preferFuture(start, tags, r.text, at, now, startTime);
  at = matchWeekday(start, at, now);
  const mention: TimeMention = {
    text: r.text,
    index: r.index,
    start: at,
    grain: grainOf(start, tags, startTime !== null),
    hasTime: startTime !== null,
    daySaid:
      start.isCertain('day') ||
      start.isCertain('weekday') ||
      start.isCertain('month') ||
      tags.has('result/relativeDateAndTime') ||
      /\b(?:today|tomorrow|tonight|yesterday)\b/i.test(r.text),
  };
  if (tags.has('grain/quarter')) mention.grain = 'quarter';
  if (tags.has('grain/month')) mention.grain = 'month';
  if (tags.has('grain/year')) mention.grain = 'year';
  if (!startTime && tags.has('result/relativeDate') && RELATIVE_FROM_NOW.test(r.text)) {
    mention.instant = at.set({ hour: now.hour, minute: now.minute, second: now.second });
  }
  if (r.end) {
    const endC = r.end as ParsingComponents;
    const endTime = timeOfDay(endC, endC.tags(), r.text, startTime);
    let end = wallClock(endC, tz, endTime);
    if (end && endTime && startTime && !endC.isOnlyTime()) {
      // "10 to 6 tomorrow": chrono rolled the end (6 am to it) into the next day; our afternoon default (18:00)
      // already puts it after the start, so the range is within the day again.
      const chronoGap = endC.date().getTime() - start.date().getTime();
      if (chronoGap > 0 && chronoGap < 86_400_000 && end.diff(at, 'hours').hours >= 24)
        end = end.minus({ days: 1 });
    }
    if (end && endTime && startTime && endC.isOnlyTime()) {
      end = at.set({ hour: endTime.hour, minute: endTime.minute, second: endTime.second });
      if (end <= at) end = end.plus({ days: 1 });
    }
    if (end) {
      mention.end = end;
      mention.endHasTime = endTime !== null;
    }
  }
  return mention;
}

/** "next week" → its Monday, "this month" → its first day, "last year" → 1 January. */
function periodMention(
  r: ParsedResult,
  now: DateTime,
  which: string,
  unit: 'week' | 'month' | 'year',
): TimeMention {
  const w = which.toLowerCase();
  const step = w === 'this' || w === 'current' ? 0 : /last|past|previous/.test(w) ? -1 : 1;
  const start = now.startOf(unit).plus({ [`${unit}s`]: step });
  return { text: r.text, index: r.index, start, grain: unit, hasTime: false, daySaid: true };
}

/** The time of day a result means, after business defaults; null when only a day is meant. */
function timeOfDay(
  c: ParsingComponents,
  tags: Set<string>,
  text: string,
  startTime?: TimeOfDay | null,
  now?: DateTime,
): TimeOfDay | null {
  const minute = c.get('minute') ?? 0;
  const second = c.isCertain('second') ? (c.get('second') ?? 0) : 0;
  if (c.isCertain('hour')) {
    let hour = c.get('hour') ?? 0;
    // chrono marks a meridiem "certain" when it guessed it from "tonight"; only what was said counts here.
    const meridiemSaid =
      EXPLICIT_MERIDIEM.test(text) ||
      tags.has('parser/NowParser') ||
      (tags.has('parser/PastToParser') && c.isCertain('meridiem')) ||
      c.isCertain('timezoneOffset');
    if (!meridiemSaid) {
      if (LATER_IN_DAY.test(text) && !MORNING.test(text)) {
        // "tonight at 12" is midnight; "tonight at 2" the small hours; "this evening at 7" is 19:00.
        if (hour === 12 && NIGHT.test(text)) return { hour: 0, minute, second, nextDay: true };
        // chrono may already have moved it to the afternoon (15 for "tonight at 3"): take back the hour said.
        const said = hour > 12 ? hour - 12 : hour;
        // Said in the day, tonight's small hours are after midnight; said after midnight, they are today's.
        if (said >= 1 && said <= 4 && /\b(?:tonight|night)\b/i.test(text))
          return { hour: said, minute, second, nextDay: /\btonight\b/i.test(text) && (now?.hour ?? 0) >= 5 };
        if (hour < 12) hour += 12;
      } else if (MORNING.test(text)) {
        if (hour === 12) hour = 0;
      } else if (hour >= 1 && hour <= 7 && !TWENTY_FOUR_HOUR.test(text)) {
        hour += 12;
      }
    }
    // "10 to 2": an end before its start is in the afternoon.
    if (startTime && hour < startTime.hour && hour + 12 <= 23 && !c.isCertain('meridiem')) hour += 12;
    return { hour, minute, second };
  }
  for (const [tag, hour] of PART_OF_DAY_HOUR) if (tags.has(tag)) return { hour, minute: 0, second: 0 };
  if (tags.has('result/relativeDateAndTime')) {
    return { hour: c.get('hour') ?? 0, minute, second: c.get('second') ?? 0 };
  }
  return null;
}

function wallClock(c: ParsingComponents, tz: Zone | string, time: TimeOfDay | null): DateTime | null {
  let dt: DateTime;
  if (c.isCertain('timezoneOffset')) {
    dt = DateTime.fromJSDate(c.date(), { zone: tz });
    if (!c.isCertain('hour')) dt = dt.startOf('day');
  } else {
    dt = DateTime.fromObject(
      {
        year: c.get('year') ?? undefined,
        month: c.get('month') ?? undefined,
        day: c.get('day') ?? undefined,
        hour: time?.hour ?? 0,
        minute: time?.minute ?? 0,
        second: time?.second ?? 0,
      },
      { zone: tz },
    );
  }
  if (time?.nextDay) dt = dt.plus({ days: 1 });
  return dt.isValid ? dt : null;
}

/**
 * A time said without a day is the next such time: chrono forward-dated it before our business defaults moved it
 * ("at 3" is 15:00, still today at 04:30), so the day is chosen again here.
 */
function preferFuture(
  c: ParsingComponents,
  tags: Set<string>,
  text: string,
  at: DateTime,
  now: DateTime,
  time: TimeOfDay | null,
): DateTime {
  if (
    !time ||
    c.isCertain('day') ||
    c.isCertain('weekday') ||
    c.isCertain('month') ||
    c.isCertain('timezoneOffset')
  )
    return at;
  if (tags.has('result/relativeDateAndTime') || tags.has('parser/NowParser')) return at;
  // "this evening at 12", "tonight at 2": already put after midnight of the day said.
  if (time.nextDay) return at;
  let candidate = now.set({ hour: time.hour, minute: time.minute, second: time.second, millisecond: 0 });
  // A time earlier in the current hour ("4:23" at 4:30) is one just said, not tomorrow's.
  const sameHour = candidate.hour === now.hour && candidate.hasSame(now, 'day');
  if (candidate <= now && !sameHour && !/\bthis\b|\btoday\b/i.test(text))
    candidate = candidate.plus({ days: 1 });
  return candidate;
}

/**
 * A weekday said with a date that does not fall on it ("Monday the 13th" when the 13th is a Friday) means the
 * nearest month (or year) where it does.
 */
function matchWeekday(c: ParsingComponents, at: DateTime, now: DateTime): DateTime {
  if (!c.isCertain('weekday') || !c.isCertain('day')) return at;
  const weekday = c.get('weekday') ?? 0;
  const wanted = weekday === 0 ? 7 : weekday;
  if (at.weekday === wanted || c.isCertain('year')) return at;
  const step = c.isCertain('month') ? { years: 1 } : { months: 1 };
  let best: DateTime | undefined;
  const tries = c.isCertain('month') ? 1 : 12;
  for (let i = 1; i <= tries; i++) {
    for (const sign of [1, -1]) {
      const d = sign > 0 ? at.plus(scale(step, i)) : at.minus(scale(step, i));
      if (d.day === at.day && d.weekday === wanted) {
        if (!best || Math.abs(d.diff(now).milliseconds) < Math.abs(best.diff(now).milliseconds)) best = d;
      }
    }
    if (best) break;
  }
  // "Tuesday, 10 January" said in August: the coming 10 January is nearer than the last one on a Tuesday, so the
  // weekday is the slip; "Sunday, Feb 10" said on the 12th is two days ago.
  if (
    best &&
    c.isCertain('month') &&
    best < now &&
    Math.abs(at.diff(now).milliseconds) < Math.abs(best.diff(now).milliseconds)
  )
    return at;
  return best ?? at;
}

function scale(
  step: { years: number } | { months: number },
  n: number,
): { years: number } | { months: number } {
  return 'years' in step ? { years: step.years * n } : { months: step.months * n };
}

function grainOf(c: ParsingComponents, tags: Set<string>, hasTime: boolean): Grain {
  if (hasTime) {
    if (c.isCertain('second')) return 'second';
    if (c.isCertain('minute')) return 'minute';
    if (tags.has('result/relativeDateAndTime')) return 'minute';
    return 'hour';
  }
  if (c.isCertain('day') || c.isCertain('weekday')) return 'day';
  if (c.isCertain('month')) return 'month';
  if (c.isCertain('year')) return 'year';
  return 'day';
}
