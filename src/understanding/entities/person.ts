/**
 * People's names. Written text shows them by capitals ("Rohan Sharma"); a recogniser's lowercase output does not, so
 * there a name is a known first name (gazetteer), optionally followed by a known surname; or any word right after a
 * word that introduces a person ("email to marissa", "meeting with chelsea", "tell bob") that is not a role, thing or
 * verb; or the words after a strong cue ("my name is", "named", "Mr"); or a word before a possessive noun ("greg's
 * email"); or the next item of a list of names ("mike, jim and bob"). Cities, sources, weekdays and everyday words
 * are never names.
 */
import type { Intent } from '../../core/understanding.ts';
import { CITY_ALIASES } from '../gazetteers/cities.ts';
import { AMBIGUOUS_FIRST_NAMES, FIRST_NAMES, SURNAMES } from '../gazetteers/names.ts';
import { NOT_NAMES_AFTER_CUE, STOPWORDS } from '../gazetteers/stopwords.ts';
import { isCapitalised, titleCase, type Word, wordsOf } from './words.ts';

export interface FoundPerson {
  name: string;
  start: number;
  end: number;
  /** Said right after a cue ("with", "to", "name is"), so surely a person. */
  cued: boolean;
}

/** Cues after which any name-like words are a name, even unknown and lowercase. */
const STRONG_CUE =
  /(?:\bname\s+is|\bname's|\bnamed|\bcalled|\bmr\.?|\bmrs\.?|\bms\.?|\bmiss|\bdr\.?|\bshri|\bsmt\.?|\bsri|\bcustomer|\bclient|\blead(?:\s+for|\s+name(?:\s+is)?)?|\bprospect)\s+$/i;
/** Cues that introduce the speaker: trusted only for a known or capitalised name ("I'm free" is not a name). */
const SELF_CUE = /(?:\bthis\s+is|\bi\s+am|\bi'm|\bits|\bit's)\s+$/i;
/** Words right before a person. */
const WEAK_CUE_WORDS = new Set([
  'with',
  'tell',
  'message',
  'text',
  'email',
  'mail',
  'whatsapp',
  'call',
  'ping',
  'meet',
  'meeting',
  'invite',
  'add',
  'remind',
  'update',
  'contact',
  'ask',
  'inform',
  'notify',
  'cc',
  'bcc',
  'for',
  'and',
  'by',
]);
/** "to" introduces a person after a verb or object of sending: "email to X", "send it to X", "talk to X". */
const TO_AFTER = new Set([
  'email',
  'emails',
  'mail',
  'message',
  'text',
  'send',
  'sent',
  'write',
  'reply',
  'forward',
  'forwarded',
  'invite',
  'talk',
  'speak',
  'introduce',
  'it',
  'this',
  'that',
  'them',
  'notes',
  'details',
  'reminder',
  'invitation',
  'whatsapp',
  'sms',
  'note',
  'link',
  'update',
  'report',
  'files',
  'file',
]);
/** "from" introduces a person after something received: "emails from cindy", "a call from raju". */
const FROM_AFTER = new Set([
  'email',
  'emails',
  'mail',
  'mails',
  'message',
  'messages',
  'text',
  'texts',
  'call',
  'calls',
  'anything',
  'something',
  'reply',
  'replies',
  'news',
  'note',
  'invite',
  'invitation',
  'missed',
]);
/** Nouns after a possessive name: "greg's email", "sally's birthday". */
const POSSESSED = new Set([
  'birthday',
  'bday',
  'email',
  'emails',
  'mail',
  'party',
  'place',
  'house',
  'home',
  'office',
  'number',
  'phone',
  'meeting',
  'wedding',
  'marriage',
  'graduation',
  'anniversary',
  'lead',
  'visit',
  'status',
  'deal',
  'event',
  'call',
  'message',
  'reply',
  'flight',
  'appointment',
  'dinner',
  'lunch',
  'farewell',
  'contact',
  'details',
  'file',
  'deadline',
  'deadlines',
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
  return /^[a-z][a-z'.-]*$/i.test(w.text) && w.text.length >= 2 && !STOPWORDS.has(w.lower);
}

function isPlace(lower: string): boolean {
  return CITY_ALIASES.has(lower) && !FIRST_NAMES.has(lower);
}

function adjacent(text: string, a: Word, b: Word): boolean {
  const between = text.slice(a.end, b.start);
  return between === '' || /^\s+$/.test(between) || /^'s\s+$/i.test(between);
}

function sentenceStart(text: string, w: Word): boolean {
  const before = text.slice(0, w.start).trimEnd();
  return before === '' || /[.!?:]$/.test(before);
}

/** A plausible unknown name in lowercase text: not a role, thing or verb, not an -ing/-ly/-tion word. */
function unknownNameOk(w: Word): boolean {
  return (
    w.text.length >= 2 &&
    !NOT_NAMES_AFTER_CUE.has(w.lower) &&
    !/(?:ing|ly|tion|sion|ment|ness|able|ful|ship|ance|ence)$/.test(w.lower) &&
    !/^(?:mon|tue|wed|thu|fri|sat|sun)/.test(w.lower)
  );
}

type Cue = 'strong' | 'self' | 'weak' | 'verb' | 'list' | 'possessive' | 'none';

/** Cue words after which even an unknown lowercase word is a name: verbs of contacting someone. */
const CONTACT_VERBS = new Set([
  'with',
  'tell',
  'cc',
  'bcc',
  'invite',
  'meet',
  'ping',
  'call',
  'email',
  'mail',
  'text',
  'message',
  'whatsapp',
]);
/** Before "email"/"text"/"message", these make it a noun ("my email account"), not a verb ("email susan"). */
const NOUN_MAKERS = new Set([
  'a',
  'an',
  'the',
  'my',
  'your',
  'any',
  'new',
  'recent',
  'unread',
  'latest',
  'last',
  'this',
  'that',
  'his',
  'her',
  'our',
  'their',
  'no',
  'of',
  'for',
  'an',
  'some',
  'next',
  'first',
]);

/** Per intent, words after which an unknown lowercase word is taken for the lead's name ("add kowshik from …"). */
const INTENT_CUES: Partial<Record<Intent, ReadonlySet<string>>> = {
  LEAD_CREATE: new Set(['add', 'create', 'new', 'register', 'enter', 'save', 'for', 'named']),
  LEAD_UPDATE: new Set(['update', 'mark', 'move', 'set', 'change', 'for', 'of']),
  VISIT_SCHEDULE: new Set(['for', 'visit', 'with', 'of']),
};

function cueFor(
  text: string,
  words: readonly Word[],
  i: number,
  lastPersonEnd: number,
  intent?: Intent,
): Cue {
  const w = words[i]!;
  const before = text.slice(Math.max(0, w.start - 24), w.start);
  if (STRONG_CUE.test(before)) return 'strong';
  const prev = words[i - 1];
  const prev2 = words[i - 2];
  const after = text.slice(w.end, w.end + 3);
  const next = words[i + 1];
  if (/^'s\b/i.test(after) && next && POSSESSED.has(next.lower)) return 'possessive';
  if (prev && adjacent(text, prev, w) && lastPersonEnd >= 0) {
    // "mike, jim and bob": a name right after a name and "and" / a comma continues the list.
    const gap = text.slice(lastPersonEnd, w.start);
    if (/^\s*(?:,\s*|\s+and\s+|,\s*and\s+)$/i.test(gap)) return 'list';
  }
  if (SELF_CUE.test(before)) return 'self';
  if (!prev || !/^[\s,]*$/.test(text.slice(prev.end, w.start))) return 'none';
  if (prev.lower === 'to') return prev2 && TO_AFTER.has(prev2.lower) ? 'verb' : 'none';
  if (prev.lower === 'from') return prev2 && FROM_AFTER.has(prev2.lower) ? 'verb' : 'none';
  if (prev.lower === 'and') return 'weak';
  if (CONTACT_VERBS.has(prev.lower) && !(prev2 && NOUN_MAKERS.has(prev2.lower))) return 'verb';
  if (intent && INTENT_CUES[intent]?.has(prev.lower)) return 'verb';
  return WEAK_CUE_WORDS.has(prev.lower) ? 'weak' : 'none';
}

export function findPersons(text: string, intent?: Intent): FoundPerson[] {
  const words = wordsOf(text);
  const writtenCase = /[A-Z]/.test(text) && /[a-z]/.test(text);
  const out: FoundPerson[] = [];
  let lastPersonEnd = -1;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const ambiguous = AMBIGUOUS_FIRST_NAMES.has(w.lower);
    if (HONORIFIC.test(w.text) || !(isNameLike(w) || ambiguous) || isPlace(w.lower)) continue;
    const cue = cueFor(text, words, i, lastPersonEnd, intent);
    const cued = cue !== 'none';
    const known = FIRST_NAMES.has(w.lower);
    const cap = writtenCase && isCapitalised(w.text) && !NOT_A_NAME_CAPS.has(w.lower);
    let starts: boolean;
    if (known) starts = !writtenCase || cap || cued;
    else if (cap) {
      starts =
        (cued && cue !== 'self') ||
        (cue === 'self' && (known || !sentenceStart(text, w))) ||
        (SURNAMES.has(w.lower) && !sentenceStart(text, w)) ||
        nextIsSurname(words, i, text);
    } else if (ambiguous)
      starts = cue === 'verb' || cue === 'list' || cue === 'possessive' || cue === 'strong';
    else if (writtenCase) starts = false;
    else
      starts =
        cue === 'strong' || ((cue === 'verb' || cue === 'list' || cue === 'possessive') && unknownNameOk(w));
    if (!starts) continue;
    let j = i + 1;
    while (j < words.length && j < i + 3) {
      const n = words[j]!;
      if (!/^\s+$/.test(text.slice(words[j - 1]!.end, n.start)) || !isNameLike(n) || isPlace(n.lower)) break;
      const nCap = writtenCase && isCapitalised(n.text) && !NOT_A_NAME_CAPS.has(n.lower);
      const extends_ = writtenCase
        ? nCap && !(FIRST_NAMES.has(n.lower) && cue === 'list')
        : SURNAMES.has(n.lower) || (cue === 'strong' && !FIRST_NAMES.has(n.lower) && unknownNameOk(n));
      if (!extends_) break;
      j++;
    }
    const first = words[i]!;
    const last = words[j - 1]!;
    out.push({ name: titleCase(text.slice(first.start, last.end)), start: first.start, end: last.end, cued });
    lastPersonEnd = last.end;
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
