/**
 * How long something lasts: "for 30 minutes", "an hour long", "half an hour", "1.5 hours", "an hour and a half",
 * "2 hrs", "a 45 minute call". "in 2 hours" / "within an hour" / "2 hours ago" say when, not how long, so they are
 * left to the date-time parser.
 */

const UNIT_MINUTES: ReadonlyArray<readonly [RegExp, number]> = [
  [/^(?:h|hr|hrs|hour|hours)$/i, 60],
  [/^(?:m|min|mins|minute|minutes)$/i, 1],
  [/^(?:day|days)$/i, 24 * 60],
];

const AMOUNT = String.raw`(\d+(?:\.\d+)?|an?|one|half an?|a half|a couple of|couple of)`;
const UNIT = '(h|hrs?|hours?|m|mins?|minutes?)';
const DURATION = new RegExp(
  String.raw`(?<![\w.:])(?:(for|lasting|last|of|takes?|about|around|approx(?:imately)?|just)\s+)?${AMOUNT}[\s-]*${UNIT}(?:\s+and\s+(?:a\s+half|(\d+)\s*(?:m|mins?|minutes?)))?(?:\s+(long|ago|later|from now|before|after|earlier))?(?!\w)`,
  'gi',
);
/** Three or four digits that read as a 24-hour clock (HHMM). */
const CLOCK_HOURS = /^(?:[01]?\d|2[0-3])[0-5]\d$/;
const HALF_AN_HOUR = /\b(?:for\s+)?half\s+an?\s+hour\b/i;

function amountOf(word: string): number | null {
  const w = word.toLowerCase();
  if (w === 'a' || w === 'an' || w === 'one') return 1;
  if (w.startsWith('half')) return 0.5;
  if (w === 'a half') return 0.5;
  if (w.includes('couple')) return 2;
  const n = Number(w);
  return Number.isFinite(n) ? n : null;
}

function unitMinutes(unit: string): number | null {
  for (const [re, minutes] of UNIT_MINUTES) if (re.test(unit)) return minutes;
  return null;
}

export interface FoundDuration {
  minutes: number;
  index: number;
  text: string;
}

/** The first duration said, in minutes. */
export function findDuration(text: string): FoundDuration | null {
  for (const m of text.matchAll(DURATION)) {
    const cue = (m[1] ?? '').toLowerCase();
    const before = text.slice(Math.max(0, m.index - 12), m.index).toLowerCase();
    const after = (m[5] ?? '').toLowerCase();
    // "in 2 hours", "within an hour", "2 hours ago/later": a point in time.
    if (!cue && /\b(?:in|within|after|next|past|last|every)\s+$/.test(before)) continue;
    if (after && after !== 'long') continue;
    const amount = amountOf(m[2] ?? '');
    const unit = unitMinutes(m[3] ?? '');
    // "1730 hrs", "0930 hours": a 24-hour clock time read out, not a count of hours.
    if (unit === 60 && CLOCK_HOURS.test(m[2] ?? '')) continue;
    if (amount === null || unit === null || amount <= 0) continue;
    let minutes = amount * unit;
    if (m[0].toLowerCase().includes('and a half')) minutes += unit / 2;
    if (m[4]) minutes += Number(m[4]);
    // A bare "3 m" is as likely metres; only take "m" with a cue.
    if (/^m$/i.test(m[3] ?? '') && !cue) continue;
    if (!Number.isFinite(minutes)) continue;
    return { minutes: Math.round(minutes), index: m.index, text: m[0] };
  }
  const half = HALF_AN_HOUR.exec(text);
  if (half) return { minutes: 30, index: half.index, text: half[0] };
  return null;
}

/** Minutes of the first duration, or undefined. */
export function extractDuration(text: string): number | undefined {
  return findDuration(text)?.minutes;
}
