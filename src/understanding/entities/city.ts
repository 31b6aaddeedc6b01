/**
 * The city a lead is in: any of the ~200 largest Indian cities by any name people use, kept as they said it
 * ("gurgaon" → Gurgaon, "bangalore" → Bangalore; misspellings such as "banglore" → Bengaluru), or an unknown capitalised place after a cue ("from Kottarakkara", "based in Almora"). Generic words
 * that are also small cities ("Salem", "Goa", "Anand") count only after a cue.
 */
import { CITY_ALIASES, CITY_SLIPS, cityByName } from '../gazetteers/cities.ts';
import { FIRST_NAMES } from '../gazetteers/names.ts';
import { MONTH_WORDS } from '../normalise/spoken.ts';
import { isCapitalised, titleCase, type Word, wordsOf } from './words.ts';

const CUE_WORDS = new Set([
  'from',
  'in',
  'city',
  'at',
  'based',
  'located',
  'lives',
  'living',
  'staying',
  'near',
  'to',
]);
const STRONG_CUE =
  /\b(?:from|in|city(?:\s+is|\s*:)?|based\s+(?:in|out\s+of)|located\s+in|lives\s+in|living\s+in|staying\s+in|resides\s+in)\s+$/i;
const NOT_A_PLACE = new Set([
  ...MONTH_WORDS,
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
  'today',
  'tomorrow',
  'the',
  'a',
  'an',
  'my',
  'our',
  'his',
  'her',
  'their',
  'progress',
  'instagram',
  'facebook',
  'linkedin',
  'google',
  'website',
  'whatsapp',
  'referral',
  'justdial',
  'magicbricks',
  'person',
  'office',
  'morning',
  'evening',
  'afternoon',
  'night',
  'hour',
  'minutes',
  'lead',
  'touch',
  'time',
  'english',
  'hindi',
  'india',
]);

export interface FoundCity {
  city: string;
  start: number;
  end: number;
}

function lookup(
  words: readonly Word[],
  i: number,
  cued: boolean,
): { city: string; length: number } | undefined {
  for (let n = 3; n >= 1; n--) {
    if (i + n > words.length) continue;
    const key = words
      .slice(i, i + n)
      .map((w) => w.lower)
      .join(' ');
    const canonical = cued ? cityByName(key) : CITY_ALIASES.get(key);
    if (!canonical) continue;
    // The name the person used is their lead's data; only a slip is corrected.
    const city =
      CITY_SLIPS.has(key) || canonical.toLowerCase().replace(/-/g, ' ') === key
        ? canonical
        : titleCase(
            words
              .slice(i, i + n)
              .map((w) => w.text)
              .join(' '),
          );
    return { city, length: n };
  }
  return undefined;
}

export function findCity(text: string): FoundCity | undefined {
  const words = wordsOf(text);
  let fallback: FoundCity | undefined;
  for (let i = 0; i < words.length; i++) {
    const before = text.slice(Math.max(0, words[i]!.start - 30), words[i]!.start);
    const cued = STRONG_CUE.test(before);
    const hit = lookup(words, i, cued);
    if (hit) {
      const found = { city: hit.city, start: words[i]!.start, end: words[i + hit.length - 1]!.end };
      if (cued || i === 0 || CUE_WORDS.has(words[i - 1]!.lower)) return found;
      fallback ??= found;
      i += hit.length - 1;
      continue;
    }
    if (!fallback && cued && isUnknownPlace(words[i]!)) {
      let end = i;
      if (words[i + 1] && isUnknownPlace(words[i + 1]!) && words[i + 1]!.start - words[i]!.end === 1)
        end = i + 1;
      return {
        city: titleCase(text.slice(words[i]!.start, words[end]!.end)),
        start: words[i]!.start,
        end: words[end]!.end,
      };
    }
  }
  return fallback;
}

/** A capitalised word that is not a known non-place; lowercase text gives no such evidence. */
function isUnknownPlace(w: Word): boolean {
  return (
    isCapitalised(w.text) && !NOT_A_PLACE.has(w.lower) && !FIRST_NAMES.has(w.lower) && !/\d/.test(w.text)
  );
}

export function extractCity(text: string): string | undefined {
  return findCity(text)?.city;
}
