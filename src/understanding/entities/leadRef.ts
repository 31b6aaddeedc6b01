/**
 * Which lead an utterance is about: a full uuid, a hex prefix of one ("lead a1b2c3d4", spoken "lead a 1 b 2 c 3"),
 * or a pronoun ("her", "that lead") → "@last", which the dialogue resolves to the session's last lead. Names
 * ("Rohan's lead", "update Rohan to won") are found by the person extractor and turned into a lead_ref by the caller.
 */

import { STOPWORDS } from '../gazetteers/stopwords.ts';

export const LAST_LEAD = '@last';

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i;
/** "lead a1b2c3d4", "lead id: a1b2", "id 3f9c". A prefix must have a digit unless it is long. */
const HEX_PREFIX =
  /\b(?:lead(?:\s+(?:id|number|no\.?|ref))?|id)\s*[:#]?\s*([0-9a-f]{4,32}(?:-[0-9a-f]{1,12})*)\b/i;
/** Spoken character by character: "lead a 1 b 2 c 3 d 4". */
const SPELLED_CHAR = '(?:[0-9a-f]{1,3}|zero|oh|one|two|three|four|five|six|seven|eight|nine)';
const SPELLED = new RegExp(
  `\\b(?:lead(?:\\s+(?:id|number))?|id)\\s+((?:${SPELLED_CHAR}\\s+){3,}${SPELLED_CHAR})\\b`,
  'i',
);
const DIGIT_WORD: Readonly<Record<string, string>> = {
  zero: '0',
  oh: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
};
const PRONOUN =
  /\b(?:(?:that|this|the|same|last|previous)\s+(?:lead|client|customer|buyer|prospect|one|guy|person|lady)|him|her|them|his|their)\b/i;

export interface FoundLeadRef {
  ref: string;
  start: number;
  end: number;
}

export function findLeadRef(text: string): FoundLeadRef | undefined {
  const uuid = UUID.exec(text);
  if (uuid) return { ref: uuid[0].toLowerCase(), start: uuid.index, end: uuid.index + uuid[0].length };
  const hex = HEX_PREFIX.exec(text);
  if (hex?.[1] && (/\d/.test(hex[1]) || hex[1].length >= 8)) {
    const start = hex.index + hex[0].length - hex[1].length;
    return { ref: hex[1].toLowerCase(), start, end: start + hex[1].length };
  }
  const spelled = SPELLED.exec(text);
  if (spelled?.[1]) {
    const joined = spelled[1]
      .toLowerCase()
      .split(/\s+/)
      .map((w) => DIGIT_WORD[w] ?? w)
      .join('');
    if (joined.length >= 4 && /\d/.test(joined) && /[a-f]/.test(joined)) {
      const start = spelled.index + spelled[0].length - spelled[1].length;
      return { ref: joined, start, end: start + spelled[1].length };
    }
  }
  return undefined;
}

/** "@last" when the lead is referred to by a pronoun or "that lead". */
export function findLeadPronoun(text: string): FoundLeadRef | undefined {
  const m = PRONOUN.exec(text);
  return m ? { ref: LAST_LEAD, start: m.index, end: m.index + m[0].length } : undefined;
}

/** A lead named in the possessive or after "lead for": "Rohan's lead", "lead for Priya", "Priya's visit". */
const NAMED_LEAD =
  /\b([A-Za-z][a-z]+(?:\s+[A-Za-z][a-z]+)?)'s\s+(?:lead|visit|status|deal|file|record)\b|\blead\s+(?:for|of|named|called)\s+([A-Za-z][a-z]+(?:\s+[A-Za-z][a-z]+)?)/;

export function findNamedLead(text: string): { name: string; start: number; end: number } | undefined {
  const m = NAMED_LEAD.exec(text);
  const said = m?.[1] ?? m?.[2];
  if (!m || !said) return undefined;
  // "move Kavya's lead": the two-word window may begin with a verb.
  const words = said.split(/\s+/);
  while (words.length > 0 && STOPWORDS.has(words[0]!.toLowerCase())) words.shift();
  if (words.length === 0 || words.some((w) => STOPWORDS.has(w.toLowerCase()))) return undefined;
  const name = words.join(' ');
  const start = m.index + m[0].indexOf(said) + said.length - name.length;
  return { name, start, end: start + name.length };
}

export function extractLeadRef(text: string): string | undefined {
  return findLeadRef(text)?.ref ?? findLeadPronoun(text)?.ref;
}
