/**
 * Our own intent examples: `training/examples/<intent>.jsonl` holds one `{"text": …}` per line (the file name gives
 * the intent, e.g. `meeting_schedule.jsonl` or `meeting_schedule.reminders.jsonl` → MEETING_SCHEDULE; a line may override it with `"intent"`; `"n"` sets
 * how many expansions a template gets). Lines starting with `#` are comments.
 *
 * A text is a template in a tiny grammar: `(a|b|c)` picks one (top-level `a|b` too), `[x]` is optional, `{slot}` takes a filler from
 * `training/fillers.json` (fillers may use the grammar too). Expansion is seeded, so the data set — and the model
 * trained on it — is the same on every run.
 *
 * The split into train / validation / test is by template (a hash of its text), so held-out accuracy measures
 * phrasings the model has never seen, not new fillers in a seen phrasing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { Intent } from '../src/core/understanding.ts';
import { canonicalise } from '../src/understanding/intent/features.ts';
import { spokenForm } from './spoken.ts';

export const EXAMPLES_DIR = new URL('./examples/', import.meta.url);
export const FILLERS_FILE = new URL('./fillers.json', import.meta.url);

export type Split = 'train' | 'val' | 'test';

export interface Example {
  text: string;
  intent: Intent;
  /** Index of the template it came from, for grouping. */
  template: number;
  split: Split;
}

const TemplateLine = z.strictObject({
  text: z.string().min(1),
  intent: Intent.optional(),
  n: z.number().int().positive().max(200).optional(),
  /** Pins a line to a split: the product documents' own examples are always trained on. */
  split: z.enum(['train', 'val', 'test']).optional(),
});

export interface Template {
  text: string;
  intent: Intent;
  n: number;
  split: Split;
  file: string;
}

/** Default expansions for a template that has choices in it; plain sentences are used once. */
const DEFAULT_EXPANSIONS = 6;

/** Deterministic PRNG (mulberry32). */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** 10 % of templates are held out for testing, 10 % for calibration; decided by the template text alone. */
export function splitOf(text: string): Split {
  const bucket = hashText(text) % 10;
  return bucket === 0 ? 'test' : bucket === 1 ? 'val' : 'train';
}

/** `meeting_schedule.jsonl` and `meeting_schedule.reminders.jsonl` both hold MEETING_SCHEDULE examples. */
export function intentOfFile(file: string): Intent {
  return Intent.parse(basename(file).split('.')[0]!.toUpperCase());
}

export function loadTemplates(dir: URL = EXAMPLES_DIR): Template[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort();
  const out: Template[] = [];
  for (const file of files) {
    const fileIntent = intentOfFile(file);
    const lines = readFileSync(new URL(file, dir), 'utf8').split('\n');
    lines.forEach((line, i) => {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return;
      let parsed: z.infer<typeof TemplateLine>;
      try {
        parsed = TemplateLine.parse(JSON.parse(trimmed));
      } catch (err) {
        throw new Error(`${file}:${i + 1}: ${(err as Error).message}`);
      }
      const hasChoices = /[([{]/.test(parsed.text);
      out.push({
        text: parsed.text,
        intent: parsed.intent ?? fileIntent,
        n: parsed.n ?? (hasChoices ? DEFAULT_EXPANSIONS : 1),
        split: parsed.split ?? splitOf(parsed.text),
        file,
      });
    });
  }
  return out;
}

export type Fillers = Record<string, string[]>;

export function loadFillers(file: URL = FILLERS_FILE): Fillers {
  return z.record(z.string(), z.array(z.string()).min(1)).parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** Expands one template once. */
export function expandOnce(template: string, fillers: Fillers, random: () => number, depth = 0): string {
  if (depth > 8) throw new Error(`template nests too deeply: ${template}`);
  let out = '';
  let i = 0;
  while (i < template.length) {
    const ch = template[i]!;
    if (ch === '(' || ch === '[') {
      const close = matching(template, i);
      const inner = template.slice(i + 1, close);
      if (ch === '[') {
        if (random() < 0.5) out += expandOnce(inner, fillers, random, depth + 1);
      } else {
        const options = splitTop(inner);
        out += expandOnce(options[Math.floor(random() * options.length)]!, fillers, random, depth + 1);
      }
      i = close + 1;
    } else if (ch === '{') {
      const close = template.indexOf('}', i);
      if (close < 0) throw new Error(`unclosed { in ${template}`);
      const slot = template.slice(i + 1, close);
      const values = fillers[slot];
      if (!values) throw new Error(`unknown slot {${slot}} in ${template}`);
      out += expandOnce(values[Math.floor(random() * values.length)]!, fillers, random, depth + 1);
      i = close + 1;
    } else {
      out += ch;
      i++;
    }
  }
  // Spaces inside a choice are significant ("[is ]{phone}"); tidy only the finished sentence.
  return depth > 0
    ? out
    : out
        .replace(/\s+/g, ' ')
        .replace(/\s+([,.?!])/g, '$1')
        .trim();
}

function matching(s: string, open: number): number {
  const openCh = s[open]!;
  const closeCh = openCh === '(' ? ')' : ']';
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(' || s[i] === '[') depth++;
    else if (s[i] === ')' || s[i] === ']') {
      depth--;
      if (depth === 0) {
        if (s[i] !== closeCh) throw new Error(`mismatched brackets in ${s}`);
        return i;
      }
    }
  }
  throw new Error(`unclosed ${openCh} in ${s}`);
}

function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

const DIALOGUE_ACTS = new Set<Intent>(['CONFIRM', 'DENY', 'GREETING', 'GOODBYE', 'HELP']);

/**
 * How people wrap a request when speaking to an assistant: a wake word, an acknowledgement of what the assistant
 * just said ("sounds good, …", "no thanks. I do want …"), hesitation, politeness. Applied to every non-act intent,
 * UNKNOWN included, so none of these wrappers becomes evidence for a class.
 */
const PREFIXES = [
  'hey rooman, ',
  'rooman, ',
  'ok rooman ',
  'hi, ',
  'hello, ',
  'namaste, ',
  'ok, ',
  'okay so ',
  'umm ',
  'uh, ',
  'so ',
  'alright, ',
  'yes, ',
  'yeah, ',
  'yes please, ',
  'sure, ',
  'great, thanks. ',
  'sounds good. ',
  'perfect. ',
  'that works. ',
  'no thanks. ',
  'no, ',
  'actually, ',
  'also, ',
  'one more thing, ',
  'hey, ',
  'ok google, ',
  'olly ',
  'olly, ',
  'hey olly ',
  'alexa, ',
  'hey siri, ',
  'assistant, ',
  'listen, ',
  'thanks. ',
  'good morning, ',
  'and ',
  'hmm ',
  'well, ',
  'i like it. ',
  'that one looks nice. ',
  'not that one. ',
  'fine. ',
  'ok thank you. ',
];
const SUFFIXES = [
  ' please',
  ' thanks',
  ' thank you',
  ' na',
  ' asap',
  ' for me',
  ' right now',
  ' ok',
  ' now',
  '?',
  '.',
];

/** How many different sentences a template can make (capped; fillers count with all their own choices). */
export function combinations(template: string, fillers: Fillers, cap = 1e6, depth = 0): number {
  if (depth > 8) return 1;
  let total = 1;
  let i = 0;
  while (i < template.length && total < cap) {
    const ch = template[i]!;
    if (ch === '(' || ch === '[') {
      const close = matching(template, i);
      const inner = template.slice(i + 1, close);
      if (ch === '[') total *= 1 + combinations(inner, fillers, cap, depth + 1);
      else total *= splitTop(inner).reduce((sum, o) => sum + combinations(o, fillers, cap, depth + 1), 0);
      i = close + 1;
    } else if (ch === '{') {
      const close = template.indexOf('}', i);
      const values = fillers[template.slice(i + 1, close)] ?? [''];
      total *= values.reduce((sum, v) => sum + combinations(v, fillers, cap, depth + 1), 0);
      i = close + 1;
    } else i++;
  }
  return Math.min(total, cap);
}

/**
 * A template makes at least as many examples as it asks for, and a small one (a list of bare words, say) is
 * spelled out in full up to this many, so none of its choices is left out by chance.
 */
const ENUMERATE_UP_TO = 16;

/** Expands every template: fillers, then wrappers and spoken forms, deduplicated by canonical text. */
export function expandTemplates(templates: readonly Template[], fillers: Fillers, seed = 7): Example[] {
  const random = createRandom(seed);
  const seen = new Set<string>();
  const out: Example[] = [];
  templates.forEach((t, index) => {
    const act = DIALOGUE_ACTS.has(t.intent);
    const wanted = Math.max(t.n, Math.min(ENUMERATE_UP_TO, combinations(`(${t.text})`, fillers)));
    let made = 0;
    for (let attempt = 0; made < wanted && attempt < wanted * 4; attempt++) {
      // A template may list top-level alternatives (`a|b`), as if it were wrapped in parentheses.
      let text = expandOnce(`(${t.text})`, fillers, random);
      if (!act) {
        const r = random();
        if (r < 0.3) text = PREFIXES[Math.floor(random() * PREFIXES.length)]! + text;
        else if (r < 0.25)
          text = text.replace(/[.?!]$/, '') + SUFFIXES[Math.floor(random() * SUFFIXES.length)]!;
      }
      const variants = [text];
      if (random() < 0.4) variants.push(spokenForm(text, random));
      let added = false;
      for (const v of variants) {
        const key = `${t.intent}\u0000${canonicalise(v)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ text: v, intent: t.intent, template: index, split: t.split });
        added = true;
      }
      if (added) made++;
    }
  });
  return out;
}

/** Our examples, expanded and split; what both training and `npm run eval` use. */
export function loadExamples(seed = 7): Example[] {
  return expandTemplates(loadTemplates(), loadFillers(), seed);
}
