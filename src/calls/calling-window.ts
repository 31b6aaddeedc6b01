/**
 * When a callee may be called: a daily window of local hours (09:00–20:00 by default) in the callee's time zone.
 * The zone is the row's own, or comes from the number's country (libphonenumber → country → its IANA zones). A
 * country that spans several zones (the US, Brazil, Russia …) is called only when the window is open in all of
 * them: without the area's zone we cannot know which one the callee is in, and calling too early is the worse error.
 */
import { getCountriesForTimezone, getCountry } from 'countries-and-timezones';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { offsetMinutes } from '../core/time.ts';

export interface CallingWindow {
  /** Minutes after local midnight; `start > end` spans midnight (22:00–06:00). */
  startMin: number;
  endMin: number;
}

/** The zones a number's callee may be in: `explicit` if given, else its country's, else `fallback`. */
export function calleeZones(e164: string, explicit: string | undefined, fallback: string): string[] {
  if (explicit) return [explicit];
  const country = parsePhoneNumberFromString(e164)?.country;
  const zones = country ? getCountry(country)?.timezones : undefined;
  return zones && zones.length > 0 ? [...zones] : [fallback];
}

/** The country whose numbers may be written without a code by an organisation in `timeZone` (Asia/Kolkata → IN). */
export function regionOfZone(timeZone: string, fallback = 'IN'): string {
  return getCountriesForTimezone(timeZone)[0]?.id ?? fallback;
}

const localMinute = (at: Date, zone: string) => {
  const m = Math.floor(at.getTime() / 60_000) + offsetMinutes(at, zone);
  return ((m % 1440) + 1440) % 1440;
};

export function isOpen(at: Date, zones: readonly string[], window: CallingWindow): boolean {
  return zones.every((zone) => {
    const m = localMinute(at, zone);
    return window.startMin < window.endMin
      ? m >= window.startMin && m < window.endMin
      : m >= window.startMin || m < window.endMin;
  });
}

const STEP_MS = 5 * 60_000;

/**
 * The first instant at or after `at` when the window is open in every zone, on a 5-minute grid (window edges are
 * whole minutes, zone offsets multiples of 15); undefined when the zones' windows never overlap within 8 days.
 */
export function nextOpening(at: Date, zones: readonly string[], window: CallingWindow): Date | undefined {
  if (isOpen(at, zones, window)) return at;
  let t = Math.ceil(at.getTime() / STEP_MS) * STEP_MS;
  const until = at.getTime() + 8 * 24 * 60 * 60_000;
  for (; t <= until; t += STEP_MS) {
    const candidate = new Date(t);
    if (isOpen(candidate, zones, window)) return candidate;
  }
  return undefined;
}
