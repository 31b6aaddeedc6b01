/**
 * Turns what a speech recogniser emits ("uh my number is nine eight seven six five four three two one zero", "ten a
 * m", "john at gmail dot com") into the written form the extractors read ("my number is 9876543210", "10 am",
 * "john@gmail.com"). Written input passes through almost untouched: casing and punctuation are kept, so a capitalised
 * name still looks like one. Everything here is precompiled at load; one call is a single pass over the tokens.
 */
import {
  isNumberWord,
  isRepeatWord,
  isScaleWord,
  ORDINAL_WORDS,
  ordinalSuffix,
  readNumberRun,
  TENS_WORDS,
  UNIT_WORDS,
} from './numbers.ts';

/** Recognition slips and split words, fixed before anything else reads the text. */
const SLIPS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bto\s+morrow\b/gi, 'tomorrow'],
  [/\b(?:tomorow|tommorow|tommorrow|tomorroww|tmrw|tmrrw|tmr|tmw)\b/gi, 'tomorrow'],
  [/\b(?:what'?s|wats|whats|what)\s+app\b/gi, 'whatsapp'],
  [/\b(?:watsapp|whatsap|watsap|whatapp|whatsaap)\b/gi, 'whatsapp'],
  [/\be[\s-]mail(s|ed|ing)?\b/gi, 'email$1'],
  [/\bg\s+mail\b/gi, 'gmail'],
  [/\blinked\s+in\b/gi, 'linkedin'],
  [/\bface\s+book\b/gi, 'facebook'],
  [/\binsta\s+gram\b/gi, 'instagram'],
  [/\bjust\s+dial\b/gi, 'justdial'],
  [/\bmagic\s+bricks\b/gi, 'magicbricks'],
  [/\btele\s+gram\b/gi, 'telegram'],
  [/\bo\s+clock\b/gi, "o'clock"],
  [/\boclock\b/gi, "o'clock"],
  [/\bat\s+the\s+rate(?:\s+of)?\b/gi, 'at'],
  [/\bto-?nite\b/gi, 'tonight'],
  [/\bfollow\s+up\b/gi, 'follow up'],
];

/** Sounds that carry no meaning. "like" is handled apart: it is often a real verb. */
const FILLERS = new Set(['uh', 'uhh', 'uhm', 'um', 'umm', 'hmm', 'hm', 'er', 'erm', 'ah', 'eh', 'mmm']);

/** Words after which "like" is the verb ("I'd like", "would like", "looks like"), so it stays. */
const LIKE_VERB_BEFORE = new Set([
  'i',
  "i'd",
  'id',
  'we',
  "we'd",
  'you',
  "you'd",
  'they',
  "they'd",
  'he',
  'she',
  "he'd",
  "she'd",
  'would',
  'should',
  'could',
  'do',
  "don't",
  'dont',
  'does',
  'did',
  "didn't",
  'really',
  'also',
  'just',
  'feel',
  'feels',
  'look',
  'looks',
  'sound',
  'sounds',
  'seem',
  'seems',
  'much',
  'more',
  'not',
  'might',
  'may',
  'will',
  'to',
  'people',
  'who',
  'things',
  'something',
]);

const TIME_CUES_BEFORE = new Set([
  'at',
  'by',
  'around',
  'till',
  'until',
  'untill',
  'from',
  'to',
  'before',
  'after',
  'between',
  'and',
  '@',
  'about',
  'tomorrow',
  'today',
  'tonight',
  'morning',
  'evening',
  'afternoon',
  'night',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
]);

const TIME_CUES_AFTER = new Set([
  'am',
  'pm',
  'a.m.',
  'p.m.',
  'a.m',
  'p.m',
  "o'clock",
  'hrs',
  'tomorrow',
  'today',
  'tonight',
  'in',
  'ist',
  'on',
  'morning',
  'evening',
  'afternoon',
  'night',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
  'this',
  'next',
]);

/**
 * Words after which a number is a label, not a clock time: "flat five twenty" is 520. Elsewhere two number words
 * such as "seven thirty" are read as a time (3 parts or more stay a digit string, as phone numbers do).
 */
const LABEL_BEFORE_NUMBER = new Set([
  'number',
  'no',
  'flat',
  'unit',
  'room',
  'plot',
  'house',
  'pin',
  'pincode',
  'code',
  'otp',
  'sector',
  'block',
  'floor',
  'tower',
  'wing',
  'rs',
  'rupees',
  'inr',
  'id',
  'ref',
  'order',
]);

/** Nouns after which a lone "one" is a count ("one hour"), not the pronoun ("the one with Priya"). */
const COUNTED_AFTER_ONE = new Set([
  'hour',
  'hr',
  'minute',
  'min',
  'day',
  'week',
  'month',
  'year',
  'am',
  'pm',
  "o'clock",
  'bhk',
  'lakh',
  'crore',
  'more',
  'person',
  'unit',
]);

export const MONTH_WORDS = new Set([
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
]);

/** Words after "the <ordinal>" that make it a day of the month ("on the fifth at 3"), not "the first meeting". */
const DAY_ORDINAL_AFTER = new Set([
  'of',
  'at',
  'in',
  'for',
  'from',
  'to',
  'till',
  'until',
  'and',
  'or',
  'morning',
  'evening',
  'afternoon',
  'night',
  'instead',
  'this',
  'next',
  'please',
  'around',
  'by',
]);

interface Token {
  /** Leading punctuation, the word, trailing punctuation. */
  pre: string;
  word: string;
  post: string;
  lower: string;
}

const TOKEN_SHAPE = /^([(["'`]*)(.*?)([)\]"'`.,!?;:]*)$/s;

function tokenise(text: string): Token[] {
  const out: Token[] = [];
  for (const raw of text.split(/\s+/)) {
    if (!raw) continue;
    const m = TOKEN_SHAPE.exec(raw);
    const pre = m?.[1] ?? '';
    let word = m?.[2] ?? raw;
    let post = m?.[3] ?? '';
    // Keep the dots of "a.m." / "p.m." with the word.
    if (/^[ap]\.m$/i.test(word) && post.startsWith('.')) {
      word += '.';
      post = post.slice(1);
    }
    if (word.includes('-')) {
      const pieces = word.split('-');
      const numeric = (p: string) =>
        isNumberWord(p.toLowerCase()) || ORDINAL_WORDS.has(p.toLowerCase()) || p.toLowerCase() === 'oh';
      if (pieces.length >= 2 && pieces.every(numeric)) {
        pieces.forEach((p, k) => {
          out.push({
            pre: k === 0 ? pre : '',
            word: p,
            post: k === pieces.length - 1 ? post : '',
            lower: p.toLowerCase(),
          });
        });
        continue;
      }
    }
    out.push({ pre, word, post, lower: word.toLowerCase() });
  }
  return out;
}

function dropFillers(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (FILLERS.has(t.lower)) {
      carryPunctuation(out, t);
      continue;
    }
    if (t.lower === 'like') {
      const prev = out[out.length - 1];
      const next = tokens[i + 1];
      const prevAllowsFiller = !prev || !LIKE_VERB_BEFORE.has(prev.lower);
      const nextIsNumberish =
        next !== undefined &&
        (isNumberWord(next.lower) || isRepeatWord(next.lower) || /^\d/.test(next.lower));
      const besideFiller = (next !== undefined && FILLERS.has(next.lower)) || (prev && prev.post === ',');
      if (prevAllowsFiller && (nextIsNumberish || besideFiller || t.post === ',')) {
        carryPunctuation(out, t);
        continue;
      }
    }
    out.push(t);
  }
  return out;
}

function carryPunctuation(out: Token[], dropped: Token): void {
  const prev = out[out.length - 1];
  if (prev && /[.!?]/.test(dropped.post) && !prev.post) prev.post = dropped.post;
}

function isMonth(t: Token | undefined): boolean {
  return t !== undefined && MONTH_WORDS.has(t.lower);
}

function ordinalInDateContext(tokens: readonly Token[], i: number): boolean {
  const prev = tokens[i - 1];
  const next = tokens[i + 1];
  const afterNext = tokens[i + 2]?.lower;
  if (isMonth(prev) || isMonth(next)) return true;
  if (next?.lower === 'of' && afterNext !== undefined && MONTH_WORDS.has(afterNext)) return true;
  if (next?.lower === 'day' && (afterNext === 'of' || afterNext === 'in')) return true;
  if (prev?.lower === 'the') return next === undefined || DAY_ORDINAL_AFTER.has(next.lower);
  return false;
}

/** Whether token i can start or continue a run of number words. */
function runWordAt(tokens: readonly Token[], i: number, runSoFar: readonly string[]): boolean {
  const t = tokens[i];
  if (!t) return false;
  const w = t.lower;
  const next = tokens[i + 1]?.lower;
  const prevInRun = runSoFar[runSoFar.length - 1];
  if (isNumberWord(w)) return !(isScaleWord(w) && runSoFar.length === 0);
  if (isRepeatWord(w)) return next !== undefined && (UNIT_WORDS.has(next) || next === 'oh' || next === 'o');
  if (w === 'oh' || w === 'o') {
    const prevIsDigit = prevInRun !== undefined && prevInRun !== 'and';
    const nextIsDigit = next !== undefined && (UNIT_WORDS.has(next) || next === 'oh' || next === 'o');
    if (w === 'o') return prevIsDigit && nextIsDigit;
    return (
      prevIsDigit ||
      (runSoFar.length === 0 &&
        nextIsDigit &&
        tokens[i + 2] !== undefined &&
        isNumberWord(tokens[i + 2]!.lower))
    );
  }
  if (w === 'and') {
    return runSoFar.some(isScaleWord) && next !== undefined && isNumberWord(next) && !isScaleWord(next);
  }
  if (w === 'a' || w === 'an') return runSoFar.length === 0 && next !== undefined && isScaleWord(next);
  return false;
}

function convertNumbers(tokens: Token[]): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    // Compound ordinal: "twenty fifth" → 25th.
    const nextTok = tokens[i + 1];
    if (TENS_WORDS.has(t.lower) && nextTok && !t.post) {
      const ord = ORDINAL_WORDS.get(nextTok.lower);
      if (ord !== undefined && ord < 10) {
        const n = TENS_WORDS.get(t.lower)! + ord;
        out.push({
          pre: t.pre,
          word: `${n}${ordinalSuffix(n)}`,
          post: nextTok.post,
          lower: `${n}${ordinalSuffix(n)}`,
        });
        i += 2;
        continue;
      }
    }
    const ord = ORDINAL_WORDS.get(t.lower);
    if (ord !== undefined && ordinalInDateContext(tokens, i)) {
      const word = `${ord}${ordinalSuffix(ord)}`;
      out.push({ pre: t.pre, word, post: t.post, lower: word });
      i++;
      continue;
    }
    if (!runWordAt(tokens, i, [])) {
      out.push(t);
      i++;
      continue;
    }
    const run: string[] = [];
    let j = i;
    while (j < tokens.length && runWordAt(tokens, j, run)) {
      // A compound ordinal ends the run before its tens word ("nine twenty fifth" is unlikely; keep it simple).
      if (TENS_WORDS.has(tokens[j]!.lower) && ORDINAL_WORDS.has(tokens[j + 1]?.lower ?? '') && run.length > 0)
        break;
      run.push(tokens[j]!.lower);
      const hasStop = tokens[j]!.post !== '';
      j++;
      if (hasStop) break;
    }
    // A trailing "and" / "oh" belongs to the words after the run.
    while (run.length > 1 && (run[run.length - 1] === 'and' || run[run.length - 1] === 'a')) {
      run.pop();
      j--;
    }
    const before = out[out.length - 1]?.lower;
    const after = tokens[j]?.lower;
    const afterNext = tokens[j + 1]?.lower;
    const timeCue =
      (before !== undefined && TIME_CUES_BEFORE.has(before)) ||
      (after !== undefined && TIME_CUES_AFTER.has(after)) ||
      ((after === 'a' || after === 'p') && afterNext === 'm');
    const timeContext = timeCue || before === undefined || !LABEL_BEFORE_NUMBER.has(before);
    if (
      run.length === 1 &&
      run[0] === 'one' &&
      !timeCue &&
      !(after && COUNTED_AFTER_ONE.has(after.replace(/s$/, '')))
    ) {
      out.push(t);
      i++;
      continue;
    }
    const read = readNumberRun(run, timeContext);
    if (!read) {
      out.push(t);
      i++;
      continue;
    }
    const last = tokens[j - 1]!;
    out.push({ pre: t.pre, word: read.text, post: last.post, lower: read.text });
    i = j;
  }
  return out;
}

/** "10 a m" → "10 am", "3 p m" → "3 pm": only after a number, so the article "a" is left alone. */
function joinMeridiem(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    const prev = out[out.length - 1];
    if (
      (t.lower === 'a' || t.lower === 'p') &&
      next?.lower === 'm' &&
      !t.post &&
      prev &&
      /^\d{1,2}(?::\d\d)?$/.test(prev.lower)
    ) {
      const word = `${t.lower}m`;
      out.push({ pre: t.pre, word, post: next.post, lower: word });
      i++;
      continue;
    }
    out.push(t);
  }
  return out;
}

const TLD = '(?:com|in|org|net|co|io|edu|gov|ai|biz|info|me|us|uk|dev|app|co\\s+dot\\s+in|co\\s+dot\\s+uk)';
const SPOKEN_EMAIL = new RegExp(
  `\\b([a-z][a-z0-9]*(?:\\s+\\d+)?(?:\\s+(?:dot|underscore|hyphen|dash)\\s+[a-z0-9]+(?:\\s+\\d+)?)*|\\d+)\\s+at\\s+([a-z0-9]+(?:\\s+dot\\s+[a-z0-9]+)*\\s+dot\\s+${TLD})\\b`,
  'gi',
);

/** "jack@gmail dot com": written up to the domain, the rest said. */
const HALF_SPOKEN_EMAIL = new RegExp(
  `(\\S+@[a-z0-9-]+(?:\\.[a-z0-9-]+)*)((?:\\s+dot\\s+[a-z0-9]+)*\\s+dot\\s+${TLD})\\b`,
  'gi',
);

function joinSpokenEmails(text: string): string {
  if (!/\bdot\b/i.test(text)) return text;
  const half = text.includes('@')
    ? text.replace(HALF_SPOKEN_EMAIL, (_m, head: string, tail: string) =>
        `${head}${tail.replace(/\s+dot\s+/gi, '.')}`.toLowerCase(),
      )
    : text;
  return half.replace(SPOKEN_EMAIL, (_m, local: string, domain: string) => {
    const l = local
      // "john 123" is how "john one two three" comes out of the number reader: one word of the address.
      .replace(/([a-z0-9])\s+(\d+)/gi, '$1$2')
      .replace(/\s+dot\s+/gi, '.')
      .replace(/\s+underscore\s+/gi, '_')
      .replace(/\s+(?:hyphen|dash)\s+/gi, '-');
    const d = domain.replace(/\s+dot\s+/gi, '.');
    return `${l}@${d}`.toLowerCase();
  });
}

function render(tokens: readonly Token[]): string {
  let s = '';
  for (const t of tokens) {
    const piece = t.pre + t.word + t.post;
    if (!piece) continue;
    s += s ? ` ${piece}` : piece;
  }
  return s;
}

/**
 * Written form of a recogniser's (or a person's) text: fillers dropped, slips fixed, numbers as digits (phone digit
 * runs kept whole), ordinals as 25th, clock times as 3:30, "a m" as am, spoken e-mail addresses joined.
 */
export function normaliseSpoken(text: string): string {
  let s = text;
  for (const [pattern, replacement] of SLIPS) s = s.replace(pattern, replacement);
  let tokens = tokenise(s);
  tokens = dropFillers(tokens);
  tokens = convertNumbers(tokens);
  tokens = joinMeridiem(tokens);
  return joinSpokenEmails(render(tokens));
}
