/**
 * Date and time entities of one utterance: `datetime` (an instant) or `date` (a whole day), `end_datetime`,
 * `duration_minutes`, `recurrence`, and for a reschedule the `original_datetime` being moved.
 */
import type { DateTime } from 'luxon';
import type { Entities, Intent, UnderstandingContext } from '../../../core/understanding.ts';
import { normaliseSpoken } from '../../normalise/spoken.ts';
import { findDuration } from './duration.ts';
import type { TimeMention } from './mention.ts';
import { extractRecurrence } from './recurrence.ts';
import { findMentions } from './resolve.ts';

export { extractDuration, findDuration } from './duration.ts';
export type { Grain, TimeMention } from './mention.ts';
export { extractRecurrence } from './recurrence.ts';
export { findMentions } from './resolve.ts';

export type DateTimeEntities = Pick<
  Entities,
  'datetime' | 'date' | 'end_datetime' | 'duration_minutes' | 'original_datetime' | 'recurrence'
>;

const ISO_OPTS = { suppressMilliseconds: true } as const;
const BARE_HOUR_AFTER_TO =
  /\b(?:to|till|until|for)\s+(\d{1,2})(?::(\d\d))?(?=\s*(?:$|[.,!?]|\s+(?:instead|please|then)\b))/i;

function iso(dt: DateTime): string {
  return dt.toISO(ISO_OPTS) ?? '';
}

/** "my 2 PM meeting", "the 3 o'clock call": a mention that names an existing meeting rather than a new time. */
function namesExistingMeeting(text: string, m: TimeMention): boolean {
  const after = text.slice(m.index + m.text.length, m.index + m.text.length + 40);
  const before = text.slice(Math.max(0, m.index - 30), m.index);
  if (
    /^\s*(?:'s\s+)?(?:meeting|call|appointment|slot|session|visit|demo|sync|review|one|booking)\b/i.test(
      after,
    )
  )
    return true;
  return /\b(?:from|instead of|rather than)\s+$/i.test(before);
}

/** A mention that only names a time of day ("to 3 pm") takes its day from the meeting being moved. */
function onDayOf(target: TimeMention, original: TimeMention, _text: string): DateTime {
  const saysDay =
    /\b(?:today|tomorrow|tonight|yesterday|mon|tue|wed|thu|fri|sat|sun|next|this|\d{1,2}(?:st|nd|rd|th)|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\d+\/\d+|\d{4}-\d\d)/i.test(
      target.text,
    );
  if (saysDay || !target.hasTime) {
    // "move it to Friday": keep the original time of day on the new day.
    if (!target.hasTime && original.hasTime) {
      return target.start.set({ hour: original.start.hour, minute: original.start.minute, second: 0 });
    }
    return target.start;
  }
  return original.start.set({
    hour: target.start.hour,
    minute: target.start.minute,
    second: target.start.second,
  });
}

/**
 * "at 3 pm in Goshen on May 5th", "tomorrow's meeting at 10", "my afternoon schedule tomorrow": a time and a day
 * said apart are one moment.
 */
function withDayAndTimeSaidApart(main: TimeMention, mentions: readonly TimeMention[]): TimeMention {
  if (mentions.length < 2) return main;
  if (main.hasTime && !main.daySaid) {
    const day = mentions.find((m) => m !== main && m.daySaid && !m.hasTime && m.grain === 'day');
    if (!day) return main;
    const start = day.start.set({
      hour: main.start.hour,
      minute: main.start.minute,
      second: main.start.second,
    });
    const shift = start.diff(main.start);
    return { ...main, start, daySaid: true, end: main.end?.plus(shift) };
  }
  if (!main.hasTime && main.daySaid && main.grain === 'day') {
    const time = mentions.find((m) => m !== main && m.hasTime && !m.daySaid);
    if (!time) return main;
    const start = main.start.set({
      hour: time.start.hour,
      minute: time.start.minute,
      second: time.start.second,
    });
    const end = time.end && time.endHasTime ? start.plus(time.end.diff(time.start)) : undefined;
    return { ...main, start, hasTime: true, end, endHasTime: end !== undefined };
  }
  return main;
}

function instantOrDay(
  m: TimeMention,
  at: DateTime,
  out: DateTimeEntities,
  key: 'datetime' | 'original_datetime',
): void {
  if (m.hasTime || key === 'original_datetime') {
    out[key] = iso(at);
  } else {
    out.date = at.toISODate() ?? undefined;
  }
}

export interface DateTimeFindings {
  entities: DateTimeEntities;
  /** Where the dates, times and durations were said, so other extractors can skip them. */
  spans: Array<readonly [number, number]>;
}

/** Date-time entities from already normalised text. */
export function dateTimeEntities(text: string, ctx: UnderstandingContext, intent?: Intent): DateTimeEntities {
  return findDateTimes(text, ctx, intent).entities;
}

/** Date-time entities from already normalised text, with where they were said. */
export function findDateTimes(text: string, ctx: UnderstandingContext, intent?: Intent): DateTimeFindings {
  const out: DateTimeEntities = {};
  const mentions = findMentions(text, ctx);
  const spans: Array<readonly [number, number]> = mentions.map(
    (m) => [m.index, m.index + m.text.length] as const,
  );
  const duration = findDuration(text);
  if (duration) spans.push([duration.index, duration.index + duration.text.length]);
  const recurrence = extractRecurrence(text);
  if (recurrence) out.recurrence = recurrence;

  let main: TimeMention | undefined = mentions[0];
  if (intent === 'MEETING_RESCHEDULE' && mentions.length > 0) {
    const originalIdx = mentions.findIndex((m) => namesExistingMeeting(text, m));
    if (mentions.length >= 2) {
      const oi = Math.max(originalIdx, 0);
      const original = mentions[oi]!;
      const target = mentions.find((_, i) => i !== oi)!;
      out.original_datetime = iso(original.start);
      main = {
        ...target,
        start: onDayOf(target, original, text),
        hasTime: target.hasTime || original.hasTime,
      };
    } else if (originalIdx === 0) {
      const original = mentions[0]!;
      out.original_datetime = iso(original.start);
      main = undefined;
      // "push the 4 pm meeting to 6": a bare hour after "to" is a time on the original's day.
      const after = text.slice(original.index + original.text.length);
      const bare = BARE_HOUR_AFTER_TO.exec(after);
      if (bare) {
        let hour = Number(bare[1]);
        const minute = Number(bare[2] ?? 0);
        if (hour >= 1 && hour <= 7) hour += 12;
        if (hour <= 23 && minute <= 59) {
          const start = original.start.set({ hour, minute, second: 0 });
          const index = original.index + original.text.length + bare.index;
          main = { text: bare[0], index, start, grain: 'minute', hasTime: true, daySaid: original.daySaid };
          spans.push([index, index + bare[0].length]);
        }
      }
    }
  }
  if (main && intent !== 'MEETING_RESCHEDULE') main = withDayAndTimeSaidApart(main, mentions);
  if (main) {
    instantOrDay(main, main.start, out, 'datetime');
    if (main.end && main.endHasTime && main.hasTime) {
      out.end_datetime = iso(main.end);
      const minutes = Math.round(main.end.diff(main.start, 'minutes').minutes);
      if (minutes > 0) out.duration_minutes = minutes;
    }
  }
  if (duration && out.duration_minutes === undefined) {
    const overlapsMain =
      main && duration.index >= main.index && duration.index < main.index + main.text.length;
    if (!overlapsMain || !main?.text.match(/\b(?:in|within|later|ago|from now)\b/i)) {
      out.duration_minutes = duration.minutes;
      if (main?.hasTime && out.datetime && !out.end_datetime) {
        out.end_datetime = iso(main.start.plus({ minutes: duration.minutes }));
      }
    }
  }
  return { entities: out, spans };
}

/** Date-time entities of raw (written or spoken) text. */
export function extractDateTime(text: string, ctx: UnderstandingContext, intent?: Intent): DateTimeEntities {
  return dateTimeEntities(normaliseSpoken(text), ctx, intent);
}

/**
 * The first date or time said, as a local wall-clock ISO value without offset (`2025-10-05T15:00:00`; a whole day
 * is `2025-10-05T00:00:00`), or null. For evaluation against Duckling / Recognizers-Text style resolutions.
 */
export function resolveInstant(text: string, ctx: UnderstandingContext): string | null {
  const mentions = findMentions(normaliseSpoken(text), ctx);
  const first = mentions[0];
  if (!first) return null;
  return (first.instant ?? first.start).toFormat("yyyy-MM-dd'T'HH:mm:ss");
}
