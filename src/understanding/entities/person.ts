/**
 * People's names. Written text shows them by capitals ("Rohan Sharma"); a recogniser's lowercase output does not, so
 * there a name is a known first name (gazetteer), optionally followed by a known surname, or any words after a
 * strong cue ("my name is", "named", "Mr"). Cities, sources, weekdays and everyday words are never names.
 */
import { CITY_ALIASES } from '../gazetteers/cities.ts';
import { FIRST_NAMES, SURNAMES } from '../gazetteers/names.ts';
import { STOPWORDS } from '../gazetteers/stopwords.ts';
import { isCapitalised, titleCase, type Word, wordsOf } from './words.ts';

export interface FoundPerson {
  name: string;
  start: number;
  end: number;
  /** Said right after a cue ("with", "to", "name is"), so surely a person. */
  cued: boolean;
}

const STRONG_CUE =
  /(?:\bname\s+is|\bname's|\bnamed|\bcalled|\bmr\.?|\bmrs\.?|\bms\.?|\bmiss|\bdr\.?|\bshri|\bsmt\.?|\bsri|\bcustomer|\bclient|\blead(?:\s+for|\s+name)?|\bthis\s+is|\bi\s+am|\bi'm)\s+$/i;
const WEAK_CUE_WORDS = new Set([
  'with',
  'for',
  'to',
  'tell',
  'message',
  'text',
  'email',
  'mail',
  'whatsapp',
  'call',
  'ping',
  'meet',
  'invite',
  'and',
  'add',
  'remind',
  'update',
  'mark',
  'contact',
  'ask',
  'inform',
  'notify',
  'cc',
]);
const HONORIFIC = /^(?:mr|mrs|ms|miss|dr|shri|smt|sri)\.?$/i;
/** Capitalised words that start sentences or name things, not people. */
const NOT_A_NAME_CAPS = new Set([
  'i',
  'crm',
  'bhk',
  'ok',
  'pm',
  'am',
  'ist',
  'utc',
  'gmt',
  'ceo',
  'cto',
  'hr',
  'id',
]);

function isNameLike(w: Word): boolean {
  return (
    /^[a-z][a-z'.-]*$/i.test(w.text) && w.text.length >= 2 && !STOPWORDS.has(w.lower) && !/\d/.test(w.text)
  );
}

function isPlaceOrThing(lower: string): boolean {
  return CITY_ALIASES.has(lower) && !FIRST_NAMES.has(lower);
}

function adjacent(text: string, a: Word, b: Word): boolean {
  return /^\s+$/.test(text.slice(a.end, b.start)) || text.slice(a.end, b.start) === '';
}

function sentenceStart(text: string, w: Word): boolean {
  const before = text.slice(0, w.start).trimEnd();
  return before === '' || /[.!?:]$/.test(before);
}

export function findPersons(text: string): FoundPerson[] {
  const words = wordsOf(text);
  const writtenCase = /[A-Z]/.test(text) && /[a-z]/.test(text);
  const out: FoundPerson[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (HONORIFIC.test(w.text)) continue;
    const before = text.slice(Math.max(0, w.start - 20), w.start);
    const strong = STRONG_CUE.test(before);
    const prev = words[i - 1];
    const weak = prev !== undefined && WEAK_CUE_WORDS.has(prev.lower) && adjacent(text, prev, w);
    const known = FIRST_NAMES.has(w.lower);
    const cap = writtenCase && isCapitalised(w.text) && !NOT_A_NAME_CAPS.has(w.lower);
    let starts = false;
    if (!isNameLike(w) || isPlaceOrThing(w.lower)) starts = false;
    else if (known) starts = !writtenCase || cap || strong || weak;
    else if (cap)
      starts =
        strong || weak || (SURNAMES.has(w.lower) && !sentenceStart(text, w)) || nextIsSurname(words, i, text);
    else starts = strong && !writtenCase;
    if (!starts) continue;
    let j = i + 1;
    while (j < words.length && j < i + 3) {
      const n = words[j]!;
      if (!adjacent(text, words[j - 1]!, n) || !isNameLike(n) || isPlaceOrThing(n.lower)) break;
      const nCap = writtenCase && isCapitalised(n.text);
      if (
        writtenCase
          ? nCap && !NOT_A_NAME_CAPS.has(n.lower)
          : SURNAMES.has(n.lower) || (strong && !FIRST_NAMES.has(n.lower))
      )
        j++;
      else break;
    }
    const first = words[i]!;
    const last = words[j - 1]!;
    out.push({
      name: titleCase(text.slice(first.start, last.end)),
      start: first.start,
      end: last.end,
      cued: strong || weak,
    });
    i = j - 1;
  }
  return out;
}

function nextIsSurname(words: readonly Word[], i: number, text: string): boolean {
  const n = words[i + 1];
  return n !== undefined && adjacent(text, words[i]!, n) && isCapitalised(n.text) && SURNAMES.has(n.lower);
}

/** The first person named, title-cased. */
export function extractPerson(text: string): string | undefined {
  return findPersons(text)[0]?.name;
}
