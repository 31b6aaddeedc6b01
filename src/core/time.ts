/** Time and time-zone helpers shared by every layer. Instants are `Date`s; zones are IANA names. */

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stays where it is put: for tests and for `rooman understand --now`. */
export function fixedClock(at: Date | string): Clock {
  const instant = typeof at === 'string' ? new Date(at) : at;
  return { now: () => new Date(instant.getTime()) };
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes east of UTC that `tz` observes at `at` (Asia/Kolkata → 330). */
export function offsetMinutes(at: Date, tz: string): number {
  let fmt = offsetFormatters.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetFormatters.set(tz, fmt);
  }
  const parts: Record<string, number> = {};
  for (const p of fmt.formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(
    parts.year!,
    parts.month! - 1,
    parts.day!,
    parts.hour!,
    parts.minute!,
    parts.second!,
  );
  return Math.round((asUtc - (at.getTime() - at.getMilliseconds())) / 60_000);
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/** ISO-8601 with the zone's offset, seconds precision: `2025-10-05T15:00:00+05:30`. */
export function toZonedIso(at: Date, tz: string, withMillis = false): string {
  const off = offsetMinutes(at, tz);
  const local = new Date(at.getTime() + off * 60_000);
  const date = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  const millis = withMillis ? `.${pad(local.getUTCMilliseconds(), 3)}` : '';
  const sign = off < 0 ? '-' : '+';
  return `${date}T${time}${millis}${sign}${pad(Math.trunc(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

/** `YYYY-MM-DD` of the calendar day `at` falls on in `tz`. */
export function toZonedDate(at: Date, tz: string): string {
  return toZonedIso(at, tz).slice(0, 10);
}

const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Parses an ISO-8601 date-time that carries an offset (`Z` or `±hh:mm`); a space instead of `T` is accepted, as
 * Python prints it. Returns null for anything else, including a time without a date or a date without an offset.
 */
export function parseIsoWithOffset(text: string): Date | null {
  const m = ISO_WITH_OFFSET.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const at = new Date(text.trim().replace(' ', 'T'));
  if (Number.isNaN(at.getTime())) return null;
  // Reject calendar overflow (Feb 30 would silently become Mar 2).
  const check = new Date(Date.UTC(Number(y), month - 1, day));
  if (check.getUTCMonth() !== month - 1) return null;
  return at;
}

/** The instant a calendar day (`YYYY-MM-DD`) begins in `tz`: `2025-09-20` in Asia/Kolkata → 2025-09-19T18:30Z. */
export function startOfZonedDay(ymd: string, tz: string): Date {
  const utcMidnight = Date.parse(`${ymd}T00:00:00Z`);
  // Twice: the offset at local midnight may differ from the one at UTC midnight (a DST change that day).
  const first = new Date(utcMidnight - offsetMinutes(new Date(utcMidnight), tz) * 60_000);
  return new Date(utcMidnight - offsetMinutes(first, tz) * 60_000);
}
