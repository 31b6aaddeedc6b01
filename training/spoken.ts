/**
 * The spoken form of a written example, as a speech recogniser would hand it over: lowercase, no punctuation,
 * numbers as words ("3 pm" → "three pm", "9876543210" → "nine eight seven six …"), emails read out
 * ("a@b.com" → "a at the rate b dot com"), the odd hesitation.
 */

import { UNIT_WORDS as ONES, TENS_WORDS as TENS } from '../src/core/number-words.ts';

const ORDINAL_ONES: Record<string, string> = {
  one: 'first',
  two: 'second',
  three: 'third',
  five: 'fifth',
  eight: 'eighth',
  nine: 'ninth',
  twelve: 'twelfth',
};

export function numberToWords(n: number): string {
  if (n < 20) return ONES[n]!;
  if (n < 100) return TENS[Math.floor(n / 10)]! + (n % 10 ? ` ${ONES[n % 10]}` : '');
  if (n < 1000) return `${ONES[Math.floor(n / 100)]} hundred${n % 100 ? ` ${numberToWords(n % 100)}` : ''}`;
  if (n >= 2000 && n < 2100) return n === 2000 ? 'two thousand' : `twenty ${numberToWords(n % 100)}`;
  if (n < 10000) {
    return `${numberToWords(Math.floor(n / 1000))} thousand${n % 1000 ? ` ${numberToWords(n % 1000)}` : ''}`;
  }
  return String(n)
    .split('')
    .map((d) => ONES[Number(d)])
    .join(' ');
}

export function ordinalWords(n: number): string {
  const words = numberToWords(n).split(' ');
  const last = words.pop()!;
  const ord = ORDINAL_ONES[last] ?? (last.endsWith('y') ? `${last.slice(0, -1)}ieth` : `${last}th`);
  return [...words, ord].join(' ');
}

function digitsSpoken(digits: string, random: () => number): string {
  const out: string[] = [];
  for (let i = 0; i < digits.length; i++) {
    const d = ONES[Number(digits[i])]!;
    if (i + 1 < digits.length && digits[i] === digits[i + 1] && random() < 0.5) {
      out.push(`double ${d}`);
      i++;
    } else out.push(d);
  }
  return out.join(' ');
}

const HESITATIONS = ['uh', 'um', 'er', 'like'];

/** Machine identifiers (uuids, ISO instants) are read out as written; only the case changes. */
const VERBATIM = /\d{4}-\d{2}-\d{2}T|[0-9a-f]{8}-[0-9a-f]{4}-/i;

export function spokenForm(text: string, random: () => number): string {
  if (VERBATIM.test(text)) return text.toLowerCase();
  let t = text
    .replace(
      /\b([\w.+-]+)@([\w-]+)\.(com|in|org|net|co\.in)\b/gi,
      (_, user: string, host: string, tld: string) => {
        return `${user.replace(/\./g, ' dot ')} ${random() < 0.5 ? 'at the rate' : 'at'} ${host} dot ${tld.replace('.', ' dot ')}`;
      },
    )
    // Phone numbers: digit by digit.
    .replace(/\+?\d[\d\s-]{6,}\d/g, (m) => {
      const digits = m.replace(/\D/g, '');
      const spoken = digitsSpoken(
        digits.startsWith('91') && digits.length === 12 ? digits.slice(2) : digits,
        random,
      );
      return m.startsWith('+') ? `plus nine one ${spoken}` : spoken;
    })
    // Times: 10:30 → ten thirty, 4:05 → four oh five.
    .replace(/\b(\d{1,2}):(\d{2})\b/g, (_, h: string, m: string) => {
      const mm = Number(m);
      const hour = numberToWords(Number(h));
      if (mm === 0) return random() < 0.5 ? `${hour} o clock` : hour;
      return `${hour} ${mm < 10 ? `oh ${numberToWords(mm)}` : numberToWords(mm)}`;
    })
    // Ordinals: 5th → fifth.
    .replace(/\b(\d{1,2})(st|nd|rd|th)\b/gi, (_, n: string) => ordinalWords(Number(n)))
    // Remaining numbers.
    .replace(/\b\d{1,4}\b/g, (m) => numberToWords(Number(m)))
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s@']/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (random() < 0.15) {
    const words = t.split(' ');
    const at = Math.floor(random() * words.length);
    words.splice(at, 0, HESITATIONS[Math.floor(random() * HESITATIONS.length)]!);
    t = words.join(' ');
  }
  return t;
}
