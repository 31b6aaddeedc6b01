/** Words of a text with their offsets, for gazetteer look-ups over one, two or three words at a time. */

export interface Word {
  text: string;
  lower: string;
  start: number;
  end: number;
}

const WORD = /[A-Za-z][A-Za-z'.-]*[A-Za-z]|[A-Za-z]|\d+(?:st|nd|rd|th)?/g;

export function wordsOf(text: string): Word[] {
  const out: Word[] = [];
  for (const m of text.matchAll(WORD)) {
    let w = m[0];
    // "Rohan's" → "Rohan" (the possessive is read by the lead-reference extractor).
    if (/'s$/i.test(w)) w = w.slice(0, -2);
    out.push({ text: w, lower: w.toLowerCase(), start: m.index, end: m.index + w.length });
  }
  return out;
}

export function isCapitalised(word: string): boolean {
  return /^[A-Z][a-z]/.test(word) || /^[A-Z]$/.test(word);
}

export function titleCase(s: string): string {
  return s
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => (/^[a-z]/.test(w) ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join(' ');
}
