import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** A phone number in the two forms the product uses: E.164 for machines, national digits for people and CSVs. */
export interface NormalisedPhone {
  e164: string;
  /** National significant number as people write it in the region (Indian mobiles: 10 digits, no leading 0). */
  national: string;
  country: string | undefined;
}

/**
 * Validates and normalises a written phone number; the default region is India, so a bare 10-digit mobile,
 * `+91 98765 43210`, `098765-43210` and `0091 9876543210` all give `+919876543210`. Returns null when the text is
 * not a valid number (libphonenumber's full metadata decides, so `5555555555` is refused).
 */
export function normalisePhone(text: string, defaultRegion = 'IN'): NormalisedPhone | null {
  const cleaned = text.trim();
  if (!/^\(?\+?\d[\d\s().-]*$/.test(cleaned)) return null;
  const parsed = parsePhoneNumberFromString(
    cleaned,
    defaultRegion as Parameters<typeof parsePhoneNumberFromString>[1],
  );
  if (!parsed?.isValid()) return null;
  const national = parsed.country === defaultRegion ? String(parsed.nationalNumber) : parsed.number;
  return { e164: parsed.number, national, country: parsed.country };
}

/** How a stored E.164 number is shown to people (CSV logs, terminal blocks): national digits at home, E.164 abroad. */
export function displayPhone(e164: string, homeRegion = 'IN'): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return e164;
  return parsed.country === homeRegion ? String(parsed.nationalNumber) : parsed.number;
}
