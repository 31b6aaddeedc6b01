/**
 * Recurring meetings: a series is one row (first start, length, RRULE, zone) and its occurrences are computed when
 * read. The rule is expanded in the meeting's wall-clock time and each local start is then placed in the zone, so
 * "every Monday at 10" stays at 10 across a daylight-saving change, as RFC 5545 says for a DTSTART with a TZID.
 */
import rrule from 'rrule';
import { RoomanError } from '../../core/errors.ts';
import { offsetMinutes } from '../../core/time.ts';

const { RRule } = rrule;
type RRuleOptions = ReturnType<typeof RRule.parseString>;

export interface Series {
  start: Date;
  end: Date;
  /** RRULE text without the prefix. */
  rule: string;
  timeZone: string;
  /** Original starts (epoch ms) of occurrences cancelled out of the series. */
  cancelled?: ReadonlySet<number>;
}

export interface Occurrence {
  start: Date;
  end: Date;
}

/** At most this many occurrences are looked at in one expansion: a minutely rule over a year is not a calendar. */
export const MAX_OCCURRENCES = 5000;

const BYDAY = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/;
const DAY_MS = 86_400_000;

/**
 * Offsets by quarter hour: zone changes fall on quarter hours (offsets are whole quarter hours and changes happen at
 * local hours or half hours), so one lookup serves every instant of a quarter hour. Intl's lookup costs ~25 µs and
 * an expansion needs two per occurrence.
 */
const QUARTER_HOUR = 900_000;
const offsets = new Map<string, Map<number, number>>();
function offsetAt(at: Date, tz: string): number {
  let zone = offsets.get(tz);
  if (!zone) {
    zone = new Map();
    offsets.set(tz, zone);
  }
  const key = Math.floor(at.getTime() / QUARTER_HOUR);
  let offset = zone.get(key);
  if (offset === undefined) {
    if (zone.size > 200_000) zone.clear();
    offset = offsetMinutes(at, tz);
    zone.set(key, offset);
  }
  return offset;
}

/** The wall-clock time of `at` in `tz`, written as if it were UTC (what the rule is expanded in). */
function toWall(at: Date, tz: string): Date {
  return new Date(at.getTime() + offsetAt(at, tz) * 60_000);
}

/**
 * The instant a wall-clock time (written as UTC) is in `tz`. The offset is looked up twice: the one at the guess
 * may differ from the one at the wall time read as UTC near a change. A time skipped by a DST change moves
 * forward by the change, as luxon and RFC 5545 do.
 */
function fromWall(wall: Date, tz: string): Date {
  const first = wall.getTime() - offsetAt(wall, tz) * 60_000;
  return new Date(wall.getTime() - offsetAt(new Date(first), tz) * 60_000);
}

/** Parses and checks a rule; a rule the calendar cannot expand is refused (field `recurrence`). */
export function parseRule(text: string): RRuleOptions {
  const bad = (why: string) =>
    new RoomanError('VALIDATION_ERROR', `recurrence: ${why}`, { field: 'recurrence' });
  let options: RRuleOptions;
  try {
    options = RRule.parseString(text);
  } catch (error) {
    throw bad(error instanceof Error ? error.message : 'is not a valid RRULE');
  }
  for (const part of text.split(';')) {
    const [key, value = ''] = part.split('=');
    if (key === 'BYDAY' && !value.split(',').every((d) => BYDAY.test(d))) {
      throw bad('BYDAY must list days such as MO,WE or 1MO');
    }
    if (key === 'DTSTART' || key === 'TZID') throw bad('give the start separately, not in the rule');
  }
  if (options.count !== undefined && options.count !== null && options.count < 1) {
    throw bad('COUNT must be at least 1');
  }
  if (options.interval !== undefined && options.interval !== null && options.interval < 1) {
    throw bad('INTERVAL must be at least 1');
  }
  return options;
}

function ruleFor(series: Series) {
  const options = parseRule(series.rule);
  return new RRule({
    ...options,
    dtstart: toWall(series.start, series.timeZone),
    // UNTIL is an instant (UTC); the expansion runs in wall time.
    ...(options.until ? { until: toWall(options.until, series.timeZone) } : {}),
  });
}

/** Occurrences overlapping [from, to), cancelled ones left out, soonest first. */
export function occurrencesBetween(series: Series, from: Date, to: Date): Occurrence[] {
  const length = series.end.getTime() - series.start.getTime();
  const rule = ruleFor(series);
  // A day of slack on each side covers any zone offset; the exact test is made on real instants below.
  const wallFrom = new Date(toWall(new Date(from.getTime() - length), series.timeZone).getTime() - DAY_MS);
  const wallTo = new Date(toWall(to, series.timeZone).getTime() + DAY_MS);
  const found: Occurrence[] = [];
  let seen = 0;
  rule.between(wallFrom, wallTo, true, (wall) => {
    seen += 1;
    const start = fromWall(wall, series.timeZone);
    const end = new Date(start.getTime() + length);
    if (start < to && end > from && !series.cancelled?.has(start.getTime())) found.push({ start, end });
    return seen < MAX_OCCURRENCES;
  });
  return found;
}

/** The first `limit` occurrences from the series start (cancelled ones left out). */
export function firstOccurrences(series: Series, limit: number): Occurrence[] {
  const length = series.end.getTime() - series.start.getTime();
  const found: Occurrence[] = [];
  ruleFor(series).all((wall, i) => {
    if (i >= MAX_OCCURRENCES) return false;
    const start = fromWall(wall, series.timeZone);
    if (!series.cancelled?.has(start.getTime()))
      found.push({ start, end: new Date(start.getTime() + length) });
    return found.length < limit;
  });
  return found;
}

/** When the last occurrence ends, or null for a series without COUNT or UNTIL. */
export function seriesEnd(series: Series): Date | null {
  const options = parseRule(series.rule);
  if (!options.count && !options.until) return null;
  const length = series.end.getTime() - series.start.getTime();
  let last: Date | null = null;
  ruleFor(series).all((wall, i) => {
    last = wall;
    return i < MAX_OCCURRENCES;
  });
  if (last === null) return series.end;
  return new Date(fromWall(last, series.timeZone).getTime() + length);
}

/** Whether `at` is the start of an occurrence of the series (cancelled or not). */
export function isOccurrence(series: Series, at: Date): boolean {
  const probe = { ...series, cancelled: new Set<number>() };
  return occurrencesBetween(probe, at, new Date(at.getTime() + 1)).some(
    (o) => o.start.getTime() === at.getTime(),
  );
}
