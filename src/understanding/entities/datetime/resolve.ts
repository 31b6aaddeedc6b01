/**
 * Finds dates and times with chrono (plus our own parsers for what it misses) and resolves them to wall-clock values
 * in the business time zone, applying the business defaults: a bare "at 3" is 15:00 (1–7 without am/pm are
 * afternoon hours), "morning" is 09:00, "afternoon" 14:00, "evening" 18:00, "tonight" 20:00; days without a year and
 * weekdays are taken in the future.
 */
import type { ParsedComponents, ParsedResult } from 'chrono-node';
import { DateTime } from 'luxon';
import { offsetMinutes } from '../../../core/time.ts';
import type { UnderstandingContext } from '../../../core/understanding.ts';
import type { Grain, TimeMention } from './mention.ts';
import { businessChrono } from './parsers.ts';

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

/** "at 07:00" with a leading zero is a 24-hour clock time: no afternoon default. */
const TWENTY_FOUR_HOUR = /(?:^|\D)0\d[:.h]\d\d|\b(?:1[3-9]|2[0-3])[:.h]?\d\d\b|\bhrs\b|\bhours\b/;

export function findMentions(text: string, ctx: UnderstandingContext): TimeMention[] {
  const ref = { instant: ctx.now, timezone: offsetMinutes(ctx.now, ctx.tz) };
  const results = businessChrono.parse(text, ref, { forwardDate: true });
  const mentions: TimeMention[] = [];
  for (const r of results) {
    const m = toMention(r, ctx);
    if (m) mentions.push(m);
  }
  return mentions;
}

function toMention(r: ParsedResult, ctx: UnderstandingContext): TimeMention | null {
  const tags = r.tags();
  const startTime = timeOfDay(r.start, tags, r.text, r.end);
  const start = wallClock(r.start, ctx, startTime);
  if (!start) return null;
  const mention: TimeMention = {
    text: r.text,
    index: r.index,
    start,
    grain: grainOf(r.start, tags, startTime !== null),
    hasTime: startTime !== null,
  };
  if (r.end) {
    const endTime = timeOfDay(r.end, r.end.tags(), r.text, undefined, startTime);
    const end = wallClock(r.end, ctx, endTime);
    if (end) {
      mention.end = end;
      mention.endHasTime = endTime !== null;
    }
  }
  return mention;
}

interface TimeOfDay {
  hour: number;
  minute: number;
  second: number;
}

/** The time of day a result means, after business defaults; null when only a day is meant. */
function timeOfDay(
  c: ParsedComponents,
  tags: Set<string>,
  text: string,
  end?: ParsedComponents,
  startTime?: TimeOfDay | null,
): TimeOfDay | null {
  const minute = c.get('minute') ?? 0;
  const second = c.isCertain('second') ? (c.get('second') ?? 0) : 0;
  if (c.isCertain('hour')) {
    let hour = c.get('hour') ?? 0;
    const meridiemSaid = c.isCertain('meridiem') || (end?.isCertain('meridiem') ?? false);
    if (!meridiemSaid && hour >= 1 && hour <= 7 && !TWENTY_FOUR_HOUR.test(text)) hour += 12;
    // "3-4 pm": chrono already carried pm to the start; "2 to 6" keeps both in the afternoon.
    if (startTime && hour < startTime.hour && hour + 12 <= 23 && !c.isCertain('meridiem')) hour += 12;
    return { hour, minute, second };
  }
  for (const [tag, hour] of PART_OF_DAY_HOUR) if (tags.has(tag)) return { hour, minute: 0, second: 0 };
  if (tags.has('result/relativeDateAndTime')) {
    return { hour: c.get('hour') ?? 0, minute, second: c.get('second') ?? 0 };
  }
  return null;
}

function wallClock(c: ParsedComponents, ctx: UnderstandingContext, time: TimeOfDay | null): DateTime | null {
  let dt: DateTime;
  if (c.isCertain('timezoneOffset')) {
    dt = DateTime.fromJSDate(c.date(), { zone: ctx.tz });
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
      { zone: ctx.tz },
    );
  }
  return dt.isValid ? dt : null;
}

function grainOf(c: ParsedComponents, tags: Set<string>, hasTime: boolean): Grain {
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
