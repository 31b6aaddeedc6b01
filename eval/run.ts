/**
 * `npm run eval [-- --data DIR] [--out FILE] [--errors N]`: measures the understanding engine on external data it
 * was not built from (default ../shared/evals/dev beside the repository) and on our own held-out test split, prints
 * a table and writes the full report as JSON (eval/results/latest.json by default; gitignored).
 *
 * Measured: intent accuracy per data set, out-of-scope precision/recall, slot F1 for dates, times and people on
 * SLURP's annotated utterances (by SLURP's slot names, and by meaning), date resolution on Duckling,
 * Recognizers-Text and chrono_en instants (`resolveInstant`, read month first as those US-English sets are
 * written), and phone extraction on Indian numbers (Recognizers-Text rows and our own spoken/written cases).
 * `node eval/date-errors.ts` lists the date misses and SLURP date/time slot disagreements behind those numbers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalisePhone } from '../src/core/phone.ts';
import type { Intent, Understander, Understanding, UnderstandingContext } from '../src/core/understanding.ts';
import { createUnderstandingEngine } from '../src/understanding/engine.ts';
import { findMentions, resolveInstant } from '../src/understanding/entities/index.ts';
import { normaliseSpoken } from '../src/understanding/normalise/spoken.ts';
import { loadExamples } from '../training/dataset.ts';
import * as data from './datasets.ts';
import { type Counts, emptyCounts, type Prf, prf, ratio, round, table } from './metrics.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_DATA_DIR = resolve(REPO, '../shared/evals/dev');
export const DEFAULT_OUT = resolve(REPO, 'eval/results/latest.json');
export const OWN_PHONE_CASES = fileURLToPath(new URL('./cases/phones.jsonl', import.meta.url));

/** Relative expressions in the intent sets resolve against this fixed instant, so runs are comparable. */
const US_DATE_SETS_ORDER = 'month-first' as const;
const EVAL_CONTEXT: UnderstandingContext = { now: new Date('2025-10-01T10:00:00+05:30'), tz: 'Asia/Kolkata' };

export const TARGETS = { inScopeAccuracy: 0.95, oosRecall: 0.9 };

export interface IntentResult {
  name: string;
  target: boolean;
  n: number;
  accuracy: number;
  confusions: Record<string, number>;
  errors: Array<{ text: string; expected: Intent; got: Intent; confidence: number }>;
}

export interface EvalReport {
  dataDir: string;
  intents: IntentResult[];
  oos: Record<string, Prf>;
  /**
   * `dates`/`times` follow SLURP's slot names; `datesByMeaning`/`timesByMeaning` follow what was said: a `time`
   * slot naming no clock time ("the weekend", "rest of the week") is a date, a `timeofday` ("evening") is a time.
   */
  slots: Record<'dates' | 'times' | 'people' | 'datesByMeaning' | 'timesByMeaning', Prf> | null;
  dates: Record<string, { n: number; accuracy: number }>;
  phones: Record<string, { n: number; accuracy: number }>;
  targets: Array<{ what: string; value: number; target: number; met: boolean }>;
  /** Expected calibration error of the confidence over the target sets (10 bins): 0 is perfectly calibrated. */
  calibration: { ece: number; n: number; meanConfidence: number; accuracy: number };
  /** Utterances on which the engine threw (counted as UNKNOWN with no entities). */
  crashes: Array<{ text: string; error: string }>;
  ms: number;
}

export interface EvalOptions {
  dataDir?: string;
  /** Our own phone cases (eval/cases/phones.jsonl by default). */
  phoneCases?: string;
  /** Include our own held-out test split (default true). */
  ownSplit?: boolean;
  engine?: Understander;
  progress?: (line: string) => void;
}

export async function runEval(options: EvalOptions = {}): Promise<EvalReport> {
  const started = performance.now();
  const dir = options.dataDir ?? DEFAULT_DATA_DIR;
  const progress = options.progress ?? (() => {});
  const engine = options.engine ?? createUnderstandingEngine();

  // --- intents -------------------------------------------------------------------------------------------------
  const slurp = data.slurpInScope(dir);
  const sets: data.IntentSet[] = [];
  const add = (s: data.IntentSet | undefined) => {
    if (s && s.cases.length > 0) sets.push(s);
  };
  add(slurp?.set);
  add(data.slurpOutOfScope(dir));
  add(data.sgdCalendar(dir));
  add(data.sgdScheduleVisit(dir));
  add(data.clincOos(dir));
  if (options.ownSplit !== false) {
    const own = loadExamples().filter((e) => e.split === 'test');
    // Held-out templates of our own: a check on generalisation to phrasings never trained on, not an acceptance
    // target (the targets are on data we did not write).
    add({
      name: 'Rooman own test split',
      target: false,
      cases: own.map((e) => ({ text: e.text, expected: e.intent })),
    });
  }
  add(data.clincOtherDomains(dir));
  add(data.smcalflowFirstTurns(dir));
  for (const s of data.hinglish(dir) ?? []) add(s);

  const intents: IntentResult[] = [];
  const crashes: EvalReport['crashes'] = [];
  const calibrationBins = Array.from({ length: 10 }, () => ({ n: 0, confidence: 0, right: 0 }));
  // Out-of-scope counts: UNKNOWN is the positive class.
  const oosCounts: Record<string, Counts> = {};
  const countOos = (key: string, expected: Intent, got: Intent) => {
    const c = oosCounts[key] ?? emptyCounts();
    oosCounts[key] = c;
    if (expected === 'UNKNOWN' && got === 'UNKNOWN') c.tp++;
    else if (expected === 'UNKNOWN') c.fn++;
    else if (got === 'UNKNOWN') c.fp++;
  };
  for (const set of sets) {
    progress(`intents: ${set.name} (${set.cases.length})`);
    let right = 0;
    const confusions: Record<string, number> = {};
    const errors: IntentResult['errors'] = [];
    set.cases.forEach((c, i) => {
      if (i > 0 && i % 1000 === 0) progress(`  ${i}/${set.cases.length}`);
      const u = understandSafely(engine, c.text, crashes);
      if (u.intent === c.expected) right++;
      else {
        const key = `${c.expected}->${u.intent}`;
        confusions[key] = (confusions[key] ?? 0) + 1;
        errors.push({ text: c.text, expected: c.expected, got: u.intent, confidence: u.confidence });
      }
      if (set.target) {
        countOos('all target sets', c.expected, u.intent);
        const bin = calibrationBins[Math.min(9, Math.floor(u.confidence * 10))]!;
        bin.n++;
        bin.confidence += u.confidence;
        if (u.intent === c.expected) bin.right++;
      }
      if (set.name.startsWith('SLURP')) countOos('SLURP', c.expected, u.intent);
      if (set.name === 'CLINC150 oos') countOos('CLINC150 oos', c.expected, u.intent);
      if (set.name.startsWith('CLINC150')) countOos('CLINC150 all out-of-scope rows', c.expected, u.intent);
    });
    intents.push({
      name: set.name,
      target: set.target,
      n: set.cases.length,
      accuracy: ratio(right, set.cases.length),
      confusions: Object.fromEntries(Object.entries(confusions).sort((a, b) => b[1] - a[1])),
      errors,
    });
  }
  const oos = Object.fromEntries(Object.entries(oosCounts).map(([k, c]) => [k, prf(c)]));
  const calibrated = calibrationBins.reduce((n, b) => n + b.n, 0);
  const calibration = {
    ece: round(
      calibrationBins.reduce((e, b) => e + Math.abs(b.confidence - b.right), 0) / Math.max(1, calibrated),
    ),
    n: calibrated,
    meanConfidence: round(calibrationBins.reduce((e, b) => e + b.confidence, 0) / Math.max(1, calibrated)),
    accuracy: round(calibrationBins.reduce((e, b) => e + b.right, 0) / Math.max(1, calibrated)),
  };

  // --- slots on SLURP ------------------------------------------------------------------------------------------
  let slots: EvalReport['slots'] = null;
  if (slurp) {
    progress(`slots: SLURP annotated utterances (${slurp.rows.length})`);
    slots = slotScores(engine, slurp.rows, crashes);
  }

  // --- date resolution -----------------------------------------------------------------------------------------
  const dates: EvalReport['dates'] = {};
  for (const [name, cases] of [
    ['Duckling instants', data.ducklingInstants(dir)],
    ['Recognizers-Text instants', data.recognizersInstants(dir)],
    ['chrono_en instants', data.chronoInstants(dir)],
  ] as const) {
    if (!cases || cases.length === 0) continue;
    progress(`dates: ${name} (${cases.length})`);
    let right = 0;
    for (const c of cases) {
      let got: string | null = null;
      try {
        // The data sets are US English (5/3/18 is May 3): read as an organisation writing month first.
        got = resolveInstant(c.text, { now: c.now, tz: c.tz, dateOrder: c.dateOrder ?? US_DATE_SETS_ORDER });
      } catch (error) {
        crashes.push({ text: c.text, error: `resolveInstant: ${String(error)}` });
      }
      if (instantMatches(got, c.expected)) right++;
    }
    dates[name] = { n: cases.length, accuracy: ratio(right, cases.length) };
  }

  // --- phones --------------------------------------------------------------------------------------------------
  const phones: EvalReport['phones'] = {};
  const phoneSets: Array<[string, data.PhoneCase[]]> = [];
  const india = data.phoneRowsIndia(dir);
  if (india && india.length > 0) {
    phoneSets.push([
      'Recognizers-Text India rows',
      india.map((r) => ({ text: r.text, phone: normalisePhone(r.written)?.e164 ?? null })),
    ]);
  }
  phoneSets.push(['Rooman spoken/written Indian', data.ownPhoneCases(options.phoneCases ?? OWN_PHONE_CASES)]);
  for (const [name, cases] of phoneSets) {
    progress(`phones: ${name} (${cases.length})`);
    let right = 0;
    for (const c of cases)
      if ((understandSafely(engine, c.text, crashes).entities.phone ?? null) === c.phone) right++;
    phones[name] = { n: cases.length, accuracy: ratio(right, cases.length) };
  }

  // --- targets -------------------------------------------------------------------------------------------------
  const targets: EvalReport['targets'] = [];
  for (const r of intents.filter((r) => r.target)) {
    const isOos = r.name.includes('OOS') || r.name === 'CLINC150 oos';
    const target = isOos ? TARGETS.oosRecall : TARGETS.inScopeAccuracy;
    targets.push({
      what: `${r.name} ${isOos ? 'OOS recall' : 'accuracy'}`,
      value: r.accuracy,
      target,
      met: r.accuracy >= target,
    });
  }
  const ms = Math.round(performance.now() - started);
  return { dataDir: dir, intents, oos, calibration, slots, dates, phones, targets, crashes, ms };
}

/** The engine must not throw on any utterance; when it does, the eval records it and carries on. */
function understandSafely(engine: Understander, text: string, crashes: EvalReport['crashes']): Understanding {
  try {
    return engine.understand(text, EVAL_CONTEXT);
  } catch (error) {
    crashes.push({ text, error: error instanceof Error ? error.message : String(error) });
    return { text, intent: 'UNKNOWN', confidence: 0, entities: {} };
  }
}

/** `resolveInstant` gives a local `YYYY-MM-DDTHH:mm:ss`; an expected `THH:mm:ss` is a time on any day. */
export function instantMatches(got: string | null, expected: readonly string[]): boolean {
  if (!got) return false;
  return expected.some((e) => (e.startsWith('T') ? got.slice(10, 10 + e.length) === e : got.startsWith(e)));
}

const PERSON_STOP = new Set(['me', 'my', 'i']);

/**
 * Slot F1 on SLURP: a gold `date` slot is matched by the engine's `date` (or the day of its `datetime`), a `time`
 * slot by the time of its `datetime`, and `person` slots by `person`/`attendees`. Gold values are resolved with
 * the same context, so "tomorrow" must come out as the right day, not merely as some date. A `datetime` given for a
 * time alone ("at five pm") implies today and is not counted as a date claim.
 */
function slotScores(
  engine: Understander,
  rows: readonly data.SlurpRow[],
  crashes: EvalReport['crashes'],
): NonNullable<EvalReport['slots']> {
  const dates = emptyCounts();
  const times = emptyCounts();
  const people = emptyCounts();
  const datesByMeaning = emptyCounts();
  const timesByMeaning = emptyCounts();
  for (const row of rows) {
    if (!row.annot_utt) continue;
    const gold = data.slurpSlots(row.annot_utt);
    const e = understandSafely(engine, row.sentence, crashes).entities;
    const goldDates = gold.filter((s) => s.type === 'date');
    const goldTimes = gold.filter((s) => s.type === 'time');

    const predDate =
      e.date ??
      (e.datetime && (goldDates.length > 0 || goldTimes.length === 0) ? e.datetime.slice(0, 10) : undefined);
    score(dates, goldDates[0]?.value, predDate, (g) => resolveInstant(g, EVAL_CONTEXT)?.slice(0, 10));
    const predTime = e.datetime?.slice(11, 16);
    score(times, goldTimes[0]?.value, predTime, (g) => resolveInstant(g, EVAL_CONTEXT)?.slice(11, 16));

    // By meaning: SLURP tags periods ("the weekend") as `time` and parts of the day ("tonight") as `timeofday`.
    const namesDay = (v: string) => {
      const m = findMentions(normaliseSpoken(v), EVAL_CONTEXT)[0];
      return m !== undefined && !m.hasTime;
    };
    const meantDates = gold.filter((s) => s.type === 'date' || (s.type === 'time' && namesDay(s.value)));
    const meantTimes = gold.filter(
      (s) => (s.type === 'time' && !namesDay(s.value)) || s.type === 'timeofday',
    );
    const meantDate =
      e.date ??
      (e.datetime && (meantDates.length > 0 || meantTimes.length === 0)
        ? e.datetime.slice(0, 10)
        : undefined);
    score(datesByMeaning, meantDates[0]?.value, meantDate, (g) =>
      resolveInstant(g, EVAL_CONTEXT)?.slice(0, 10),
    );
    const meantTime = meantTimes[0];
    score(timesByMeaning, meantTime?.value, predTime, (g) =>
      meantTime?.type === 'timeofday'
        ? inPartOfDay(g, predTime)
        : resolveInstant(g, EVAL_CONTEXT)?.slice(11, 16),
    );

    const goldPeople = gold.filter((s) => s.type === 'person').map((s) => s.value.toLowerCase());
    const predPeople = [...new Set([e.person, ...(e.attendees ?? [])])]
      .filter((p): p is string => typeof p === 'string' && !p.includes('@'))
      .map((p) => p.toLowerCase())
      .filter((p) => !PERSON_STOP.has(p));
    const used = new Set<number>();
    for (const g of goldPeople) {
      const gFirst = g.replace(/'s$/, '').split(/\s+/)[0]!;
      const i = predPeople.findIndex(
        (p, j) => !used.has(j) && (p.includes(gFirst) || g.includes(p.split(/\s+/)[0]!)),
      );
      if (i >= 0) {
        used.add(i);
        people.tp++;
      } else people.fn++;
    }
    people.fp += predPeople.length - used.size;
  }
  return {
    dates: prf(dates),
    times: prf(times),
    people: prf(people),
    datesByMeaning: prf(datesByMeaning),
    timesByMeaning: prf(timesByMeaning),
  };
}

/** Hours (from, to exclusive; wrapping past midnight) a part of the day covers, for SLURP's `timeofday`. */
const PART_OF_DAY_HOURS: ReadonlyArray<readonly [RegExp, number, number]> = [
  [/\bmorning\b/i, 5, 12],
  [/\bnoon\b/i, 12, 13],
  [/\bafternoon\b/i, 12, 18],
  [/\bevening\b/i, 16, 22],
  [/\b(?:tonight|night)\b/i, 17, 5],
  [/\bmidnight\b/i, 0, 1],
];

/**
 * A predicted HH:mm inside the part of the day named is right: returns it (so it counts as a match), or a value
 * that cannot match. A part we do not know is credited for being found at all.
 */
function inPartOfDay(part: string, pred: string | undefined): string | undefined {
  if (pred === undefined) return undefined;
  const hour = Number(pred.slice(0, 2));
  for (const [re, from, to] of PART_OF_DAY_HOURS) {
    if (!re.test(part)) continue;
    const inside = from < to ? hour >= from && hour < to : hour >= from || hour < to;
    return inside ? pred : 'outside';
  }
  return undefined;
}

function score(
  c: Counts,
  gold: string | undefined,
  pred: string | undefined,
  resolveGold: (g: string) => string | undefined,
) {
  if (gold === undefined) {
    if (pred !== undefined) c.fp++;
    return;
  }
  if (pred === undefined) {
    c.fn++;
    return;
  }
  const value = resolveGold(gold);
  // A gold value we cannot resolve ("the weekend") is credited for being found at all.
  if (value === undefined || value === pred) c.tp++;
  else {
    c.fp++;
    c.fn++;
  }
}

const SLOT_ROW: Record<string, string> = {
  datesByMeaning: 'dates by meaning',
  timesByMeaning: 'times by meaning',
};

export function formatReport(r: EvalReport): string {
  const out: string[] = [];
  out.push(
    table(
      ['intent accuracy', 'n', 'accuracy', 'target', 'top confusions'],
      r.intents.map((i) => [
        i.name,
        i.n,
        i.accuracy,
        i.target ? (i.name.includes('OOS') || i.name === 'CLINC150 oos' ? '≥0.90' : '≥0.95') : 'info',
        Object.entries(i.confusions)
          .slice(0, 3)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      ]),
    ),
  );
  out.push('');
  out.push(
    table(
      ['out of scope (UNKNOWN)', 'precision', 'recall', 'f1', 'support'],
      Object.entries(r.oos).map(([k, v]) => [k, v.precision, v.recall, v.f1, v.support]),
    ),
  );
  out.push(
    `confidence calibration over target sets: ECE ${r.calibration.ece.toFixed(3)} ` +
      `(mean confidence ${r.calibration.meanConfidence.toFixed(3)}, accuracy ${r.calibration.accuracy.toFixed(3)}, n=${r.calibration.n})`,
  );
  if (r.slots) {
    out.push('');
    out.push(
      table(
        ['SLURP slots', 'precision', 'recall', 'f1', 'support'],
        Object.entries(r.slots).map(([k, v]) => [SLOT_ROW[k] ?? k, v.precision, v.recall, v.f1, v.support]),
      ),
    );
  }
  out.push('');
  out.push(
    table(
      ['resolution / extraction', 'n', 'accuracy'],
      [
        ...Object.entries(r.dates).map(([k, v]) => [`date: ${k}`, v.n, v.accuracy]),
        ...Object.entries(r.phones).map(([k, v]) => [`phone: ${k}`, v.n, v.accuracy]),
      ],
    ),
  );
  const met = r.targets.filter((t) => t.met).length;
  out.push('');
  if (r.crashes.length > 0) {
    out.push(`engine errors: ${r.crashes.length}, e.g. ${JSON.stringify(r.crashes[0])}`);
  }
  out.push(`targets met: ${met}/${r.targets.length}; ${(r.ms / 1000).toFixed(1)} s; data: ${r.dataDir}`);
  return out.join('\n');
}

function parseArgs(argv: readonly string[]): { dataDir: string; out: string; errors: number } | string {
  let dataDir = DEFAULT_DATA_DIR;
  let out = DEFAULT_OUT;
  let errors = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => argv[++i];
    if (a === '--data') dataDir = resolve(next() ?? '');
    else if (a.startsWith('--data=')) dataDir = resolve(a.slice(7));
    else if (a === '--out') out = resolve(next() ?? '');
    else if (a === '--errors') errors = Number(next());
    else return `unknown option ${a} (use --data DIR, --out FILE, --errors N)`;
  }
  if (!Number.isInteger(errors) || errors < 0) return '--errors needs a whole number';
  return { dataDir, out, errors };
}

if (import.meta.main) {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    console.error(`eval: ${args}`);
    process.exit(2);
  }
  const report = await runEval({ dataDir: args.dataDir, progress: (l) => console.error(`eval: ${l}`) });
  console.log(formatReport(report));
  if (args.errors > 0) {
    for (const i of report.intents) {
      if (i.errors.length === 0) continue;
      console.log(
        `\n${i.name}: first ${Math.min(args.errors, i.errors.length)} of ${i.errors.length} errors`,
      );
      for (const e of i.errors.slice(0, args.errors))
        console.log(`  ${e.expected} -> ${e.got} (${e.confidence}) ${e.text}`);
    }
  }
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`eval: wrote ${args.out}`);
}
