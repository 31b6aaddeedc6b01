/**
 * Numbers said as words, as a speech recogniser writes them, turned into digits. Phone numbers are said digit by
 * digit, in pairs ("ninety eight seventy six"), with "double"/"triple" and "oh" for zero; amounts and times are said
 * as cardinals ("two hundred and fifty", "three thirty"). A run of number words is read as one of:
 *   - a cardinal when it uses a scale word (hundred, thousand, lakh, crore) or is one number ("twenty five");
 *   - a clock time ("three thirty" → 3:30) when a time word is next to it;
 *   - otherwise a digit string, each part giving its own digits, so a phone number keeps every digit in order.
 */

export const UNIT_WORDS: ReadonlyMap<string, number> = new Map([
  ['zero', 0],
  ['nought', 0],
  ['naught', 0],
  ['one', 1],
  ['two', 2],
  ['three', 3],
  ['four', 4],
  ['five', 5],
  ['six', 6],
  ['seven', 7],
  ['eight', 8],
  ['nine', 9],
]);

export const TEEN_WORDS: ReadonlyMap<string, number> = new Map([
  ['ten', 10],
  ['eleven', 11],
  ['twelve', 12],
  ['thirteen', 13],
  ['fourteen', 14],
  ['fifteen', 15],
  ['sixteen', 16],
  ['seventeen', 17],
  ['eighteen', 18],
  ['nineteen', 19],
]);

export const TENS_WORDS: ReadonlyMap<string, number> = new Map([
  ['twenty', 20],
  ['thirty', 30],
  ['forty', 40],
  ['fourty', 40],
  ['fifty', 50],
  ['sixty', 60],
  ['seventy', 70],
  ['eighty', 80],
  ['ninety', 90],
]);

const SCALE_WORDS: ReadonlyMap<string, number> = new Map([
  ['hundred', 100],
  ['thousand', 1000],
  ['lakh', 100_000],
  ['lakhs', 100_000],
  ['lac', 100_000],
  ['lacs', 100_000],
  ['million', 1_000_000],
  ['crore', 10_000_000],
  ['crores', 10_000_000],
]);

const REPEAT_WORDS: ReadonlyMap<string, number> = new Map([
  ['double', 2],
  ['triple', 3],
  ['treble', 3],
]);

/** Ordinals of a single word; with a tens word before them they form 21st…31st. */
export const ORDINAL_WORDS: ReadonlyMap<string, number> = new Map([
  ['first', 1],
  ['second', 2],
  ['third', 3],
  ['fourth', 4],
  ['fifth', 5],
  ['sixth', 6],
  ['seventh', 7],
  ['eighth', 8],
  ['ninth', 9],
  ['tenth', 10],
  ['eleventh', 11],
  ['twelfth', 12],
  ['thirteenth', 13],
  ['fourteenth', 14],
  ['fifteenth', 15],
  ['sixteenth', 16],
  ['seventeenth', 17],
  ['eighteenth', 18],
  ['nineteenth', 19],
  ['twentieth', 20],
  ['thirtieth', 30],
]);

export function ordinalSuffix(n: number): string {
  const mod100 = n % 100;
  if (mod100 >= 11 && mod100 <= 13) return 'th';
  switch (n % 10) {
    case 1:
      return 'st';
    case 2:
      return 'nd';
    case 3:
      return 'rd';
    default:
      return 'th';
  }
}

/** One part of a spoken number, with the digits it stands for when numbers are read digit by digit. */
interface Part {
  kind: 'unit' | 'teen' | 'tens' | 'tens+unit' | 'repeat' | 'zero-letter';
  value: number;
  digits: string;
  tokens: number;
}

export function isNumberWord(lower: string): boolean {
  return UNIT_WORDS.has(lower) || TEEN_WORDS.has(lower) || TENS_WORDS.has(lower) || SCALE_WORDS.has(lower);
}

/**
 * Reads a run of number words (lowercase, no punctuation) as a cardinal with scale words:
 * "two hundred and fifty" → 250, "one lakh twenty thousand" → 120000. Null when the words do not form one number.
 */
export function parseCardinal(words: readonly string[]): number | null {
  let total = 0;
  let current = 0;
  let seen = false;
  let lastSmall: 'none' | 'unit' | 'teen' | 'tens' = 'none';
  for (const w of words) {
    if (w === 'and') continue;
    if (w === 'a' && !seen) {
      current = 1;
      seen = true;
      lastSmall = 'unit';
      continue;
    }
    const unit = UNIT_WORDS.get(w);
    const teen = TEEN_WORDS.get(w);
    const tens = TENS_WORDS.get(w);
    const scale = SCALE_WORDS.get(w);
    if (unit !== undefined) {
      if (lastSmall === 'unit' || lastSmall === 'teen') return null;
      current += unit;
      lastSmall = 'unit';
    } else if (teen !== undefined) {
      if (lastSmall !== 'none') return null;
      current += teen;
      lastSmall = 'teen';
    } else if (tens !== undefined) {
      if (lastSmall !== 'none') return null;
      current += tens;
      lastSmall = 'tens';
    } else if (scale !== undefined) {
      if (scale === 100) {
        current = (current || 1) * 100;
      } else {
        total += (current || 1) * scale;
        current = 0;
      }
      lastSmall = 'none';
    } else {
      return null;
    }
    seen = true;
  }
  return seen ? total + current : null;
}

/**
 * Splits a run of scale-free number words into parts read digit by digit: "ninety eight seventy six" → 98|76,
 * "double five" → 55, "nine oh five" → 9|0|5.
 */
function splitParts(words: readonly string[]): Part[] | null {
  const parts: Part[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    const repeat = REPEAT_WORDS.get(w);
    if (repeat !== undefined) {
      const unit = next === undefined ? undefined : (UNIT_WORDS.get(next) ?? zeroLetter(next));
      if (unit === undefined) return null;
      parts.push({ kind: 'repeat', value: unit, digits: String(unit).repeat(repeat), tokens: 2 });
      i++;
      continue;
    }
    const unit = UNIT_WORDS.get(w);
    if (unit !== undefined) {
      parts.push({ kind: 'unit', value: unit, digits: String(unit), tokens: 1 });
      continue;
    }
    if (zeroLetter(w) !== undefined) {
      parts.push({ kind: 'zero-letter', value: 0, digits: '0', tokens: 1 });
      continue;
    }
    const teen = TEEN_WORDS.get(w);
    if (teen !== undefined) {
      parts.push({ kind: 'teen', value: teen, digits: String(teen), tokens: 1 });
      continue;
    }
    const tens = TENS_WORDS.get(w);
    if (tens !== undefined) {
      const nextUnit = next === undefined ? undefined : UNIT_WORDS.get(next);
      if (nextUnit !== undefined && nextUnit > 0) {
        parts.push({ kind: 'tens+unit', value: tens + nextUnit, digits: String(tens + nextUnit), tokens: 2 });
        i++;
      } else {
        parts.push({ kind: 'tens', value: tens, digits: String(tens), tokens: 1 });
      }
      continue;
    }
    return null;
  }
  return parts;
}

function zeroLetter(w: string): number | undefined {
  return w === 'oh' || w === 'o' ? 0 : undefined;
}

export type SpokenNumber =
  | { kind: 'number'; text: string }
  | { kind: 'time'; hour: number; minute: number; text: string };

/**
 * Reads one run of number words. `timeContext` says a time word is next to the run ("at", "pm", "tomorrow"), so
 * "three thirty" is 3:30 rather than 330.
 */
export function readNumberRun(words: readonly string[], timeContext: boolean): SpokenNumber | null {
  if (words.length === 0) return null;
  if (words.some((w) => SCALE_WORDS.has(w))) {
    const n = parseCardinal(words);
    return n === null ? null : { kind: 'number', text: String(n) };
  }
  const parts = splitParts(words);
  if (!parts || parts.length === 0) return null;
  if (parts.length === 1) {
    const only = parts[0]!;
    if (only.kind === 'zero-letter') return null;
    return { kind: 'number', text: only.digits };
  }
  if (timeContext && parts.length === 2) {
    const [h, m] = parts as [Part, Part];
    const hourOk = (h.kind === 'unit' || h.kind === 'teen') && h.value >= 1 && h.value <= 12;
    const minuteOk = (m.kind === 'teen' || m.kind === 'tens' || m.kind === 'tens+unit') && m.value <= 59;
    if (hourOk && minuteOk) {
      return { kind: 'time', hour: h.value, minute: m.value, text: `${h.value}:${pad2(m.value)}` };
    }
  }
  if (timeContext && parts.length === 3) {
    // "nine oh five" → 9:05
    const [h, z, m] = parts as [Part, Part, Part];
    const hourOk = (h.kind === 'unit' || h.kind === 'teen') && h.value >= 1 && h.value <= 12;
    if (hourOk && (z.kind === 'zero-letter' || (z.kind === 'unit' && z.value === 0)) && m.kind === 'unit') {
      return { kind: 'time', hour: h.value, minute: m.value, text: `${h.value}:0${m.value}` };
    }
  }
  return { kind: 'number', text: parts.map((p) => p.digits).join('') };
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Words that may sit inside a run of number words (but never start or end one on their own). */
export function isRunWord(lower: string): boolean {
  return isNumberWord(lower) || REPEAT_WORDS.has(lower) || lower === 'oh' || lower === 'o' || lower === 'and';
}

export function isRepeatWord(lower: string): boolean {
  return REPEAT_WORDS.has(lower);
}

export function isScaleWord(lower: string): boolean {
  return SCALE_WORDS.has(lower);
}
