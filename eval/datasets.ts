/**
 * Readers for the external evaluation data (shared/evals/dev, see its README) and for our own test split. Each
 * reader turns one file into labelled cases; the intent mapping is the one acceptance uses. Nothing here is ever
 * used for training.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Intent } from '../src/core/understanding.ts';

export interface IntentCase {
  text: string;
  expected: Intent;
}

export interface IntentSet {
  name: string;
  /** Part of the acceptance targets (in-scope ≥ 0.95, OOS recall ≥ 0.90), or shown for information only. */
  target: boolean;
  cases: IntentCase[];
}

export function readJsonl(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        throw new Error(`${file}:${i + 1}: not JSON`);
      }
    });
}

function rows<T extends z.ZodType>(dir: string, file: string, schema: T): z.infer<T>[] | undefined {
  const path = join(dir, file);
  if (!existsSync(path)) return undefined;
  return readJsonl(path).map((r, i) => {
    const parsed = schema.safeParse(r);
    if (!parsed.success) throw new Error(`${path}:${i + 1}: ${parsed.error.message}`);
    return parsed.data;
  });
}

// --- SLURP -------------------------------------------------------------------------------------------------------

export const SLURP_INTENTS: Record<string, Intent> = {
  calendar_set: 'MEETING_SCHEDULE',
  calendar_remove: 'MEETING_CANCEL',
  calendar_query: 'MEETING_QUERY',
  email_sendemail: 'MESSAGE_SEND',
};

const SlurpRow = z.looseObject({
  sentence: z.string(),
  annot_utt: z.string().optional(),
  scenario: z.string(),
  intent: z.string(),
});
export type SlurpRow = z.infer<typeof SlurpRow>;

export function slurpInScope(dir: string): { set: IntentSet; rows: SlurpRow[] } | undefined {
  const all = rows(dir, 'slurp_calendar_email.jsonl', SlurpRow);
  if (!all) return undefined;
  const scored = all.filter((r) => SLURP_INTENTS[r.intent]);
  return {
    set: {
      name: 'SLURP calendar+email',
      target: true,
      cases: scored.map((r) => ({ text: r.sentence, expected: SLURP_INTENTS[r.intent]! })),
    },
    rows: scored,
  };
}

export function slurpOutOfScope(dir: string): IntentSet | undefined {
  const all = rows(dir, 'slurp_out_of_scope_sample.jsonl', SlurpRow);
  if (!all) return undefined;
  return {
    name: 'SLURP other scenarios (OOS)',
    target: true,
    cases: all.map((r) => ({ text: r.sentence, expected: 'UNKNOWN' })),
  };
}

/** `[date : tomorrow]` spans of a SLURP annotated utterance. */
export function slurpSlots(annotated: string): Array<{ type: string; value: string }> {
  const out: Array<{ type: string; value: string }> = [];
  for (const m of annotated.matchAll(/\[\s*([a-z_]+)\s*:\s*([^\]]*?)\s*\]/g)) {
    out.push({ type: m[1]!, value: m[2]! });
  }
  return out;
}

// --- Schema-Guided Dialogue --------------------------------------------------------------------------------------

const SgdRow = z.looseObject({
  dialogue_id: z.string(),
  turn_idx: z.number(),
  utterance: z.string(),
  intent: z.string(),
  acts: z.array(z.looseObject({ act: z.string(), values: z.array(z.string()).optional() })),
});

/**
 * The turn of each dialogue where the user first asks for the intent (the act INFORM_INTENT naming it): the
 * "first turn" of that task, which is what a one-shot understander should get right. Later turns answer slot
 * questions ("at 5 pm") and need dialogue state, which is not measured here.
 */
function sgdFirstTurns(dir: string, file: string, mapping: Record<string, Intent>): IntentCase[] | undefined {
  const all = rows(dir, file, SgdRow);
  if (!all) return undefined;
  const seen = new Set<string>();
  const out: IntentCase[] = [];
  for (const r of all) {
    const expected = mapping[r.intent];
    if (!expected) continue;
    const key = `${r.dialogue_id}\u0000${r.intent}`;
    if (seen.has(key)) continue;
    if (!r.acts.some((a) => a.act === 'INFORM_INTENT' && a.values?.includes(r.intent))) continue;
    seen.add(key);
    out.push({ text: r.utterance, expected });
  }
  return out;
}

export function sgdCalendar(dir: string): IntentSet | undefined {
  const cases = sgdFirstTurns(dir, 'sgd_calendar.jsonl', {
    AddEvent: 'MEETING_SCHEDULE',
    GetEvents: 'MEETING_QUERY',
    GetAvailableTime: 'MEETING_QUERY',
  });
  return cases && { name: 'SGD Calendar first turns', target: true, cases };
}

export function sgdScheduleVisit(dir: string): IntentSet | undefined {
  const cases = sgdFirstTurns(dir, 'sgd_homes_visit.jsonl', { ScheduleVisit: 'VISIT_SCHEDULE' });
  return cases && { name: 'SGD ScheduleVisit first turns', target: true, cases };
}

// --- CLINC150 ----------------------------------------------------------------------------------------------------

const ClincRow = z.looseObject({ text: z.string(), intent: z.string(), relevant: z.boolean().optional() });

export function clincOos(dir: string): IntentSet | undefined {
  const all = rows(dir, 'clinc150_eval.jsonl', ClincRow);
  if (!all) return undefined;
  return {
    name: 'CLINC150 oos',
    target: true,
    cases: all.filter((r) => r.intent === 'oos').map((r) => ({ text: r.text, expected: 'UNKNOWN' })),
  };
}

/** CLINC's in-domain intents that are outside Rooman (banking, travel, cooking…): also out of scope for us. */
export function clincOtherDomains(dir: string): IntentSet | undefined {
  const all = rows(dir, 'clinc150_eval.jsonl', ClincRow);
  if (!all) return undefined;
  return {
    name: 'CLINC150 non-relevant intents',
    target: false,
    cases: all
      .filter((r) => r.intent !== 'oos' && r.relevant === false)
      .map((r) => ({ text: r.text, expected: 'UNKNOWN' })),
  };
}

// --- SMCalFlow, Hinglish-TOP (information only) ------------------------------------------------------------------

const SmcalRow = z.looseObject({ turn_idx: z.number(), utterance: z.string(), category: z.string() });

export function smcalflowFirstTurns(dir: string): IntentSet | undefined {
  const all = rows(dir, 'smcalflow2_valid.jsonl', SmcalRow);
  if (!all) return undefined;
  const mapping: Record<string, Intent> = {
    create_event: 'MEETING_SCHEDULE',
    update_event: 'MEETING_RESCHEDULE',
    delete_event: 'MEETING_CANCEL',
    query_event: 'MEETING_QUERY',
    weather: 'UNKNOWN',
    place_query: 'UNKNOWN',
  };
  return {
    name: 'SMCalFlow first turns',
    target: false,
    cases: all
      .filter((r) => r.turn_idx === 0 && mapping[r.category])
      .map((r) => ({ text: r.utterance, expected: mapping[r.category]! })),
  };
}

const HinglishRow = z.looseObject({ en_query: z.string(), cs_query: z.string(), intent: z.string() });
const HINGLISH_INTENTS: Record<string, Intent> = {
  SEND_MESSAGE: 'MESSAGE_SEND',
  CREATE_REMINDER: 'MEETING_SCHEDULE',
  DELETE_REMINDER: 'MEETING_CANCEL',
  GET_REMINDER: 'MEETING_QUERY',
  UPDATE_REMINDER_DATE_TIME: 'MEETING_RESCHEDULE',
};

export function hinglish(dir: string): IntentSet[] | undefined {
  const all = rows(dir, 'hinglish_top_messaging_reminder.jsonl', HinglishRow);
  if (!all) return undefined;
  const scored = all.filter((r) => HINGLISH_INTENTS[r.intent]);
  return [
    {
      name: 'Hinglish-TOP English',
      target: false,
      cases: scored.map((r) => ({ text: r.en_query, expected: HINGLISH_INTENTS[r.intent]! })),
    },
    {
      name: 'Hinglish-TOP code-mixed',
      target: false,
      cases: scored.map((r) => ({ text: r.cs_query, expected: HINGLISH_INTENTS[r.intent]! })),
    },
  ];
}

// --- date/time and phone cases -----------------------------------------------------------------------------------

export interface InstantCase {
  source: 'duckling' | 'recognizers' | 'chrono';
  text: string;
  /** How the data set writes numeric dates; month first (US English) unless it says otherwise. */
  dateOrder?: 'day-first' | 'month-first';
  /** Reference instant and the zone its wall-clock reading is in. */
  now: Date;
  tz: string;
  /** Acceptable local readings `YYYY-MM-DD`, `YYYY-MM-DDTHH:mm[:ss]` or `THH:mm:ss` (a time on any day). */
  expected: string[];
}

const DucklingRow = z.looseObject({
  text: z.string(),
  reference_datetime: z.string(),
  expected: z.looseObject({ kind: z.string(), value: z.string().optional(), grain: z.string().optional() }),
});

/** `-02:00` → `Etc/GMT+2` (IANA's fixed-offset zones have the sign reversed). */
export function zoneForOffset(offset: string): string {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(offset);
  if (!m) return 'UTC';
  if (m[3] !== '00') return 'UTC';
  const hours = Number(m[2]);
  if (hours === 0) return 'UTC';
  return `Etc/GMT${m[1] === '+' ? '-' : '+'}${hours}`;
}

/** Duckling instants at day, hour, minute or second grain: the precision a meeting or a visit needs. */
export function ducklingInstants(dir: string): InstantCase[] | undefined {
  const all = rows(dir, 'duckling_time_en.jsonl', DucklingRow);
  if (!all) return undefined;
  const grains: Record<string, number> = { day: 10, hour: 13, minute: 16, second: 19 };
  const out: InstantCase[] = [];
  for (const r of all) {
    const e = r.expected;
    const width = e.grain ? grains[e.grain] : undefined;
    if (e.kind !== 'instant' || !e.value || !width) continue;
    const offset = r.reference_datetime.slice(19);
    out.push({
      source: 'duckling',
      text: r.text,
      now: new Date(r.reference_datetime),
      tz: zoneForOffset(offset),
      expected: [e.value.slice(0, width)],
    });
  }
  return out;
}

const RecognizersRow = z.looseObject({
  input: z.string(),
  reference_datetime: z.string().nullable(),
  expected: z.array(
    z.looseObject({ type: z.string(), values: z.array(z.looseObject({ value: z.string().optional() })) }),
  ),
});

/** Recognizers-Text sentences with exactly one date, date-time or time in them. */
export function recognizersInstants(dir: string): InstantCase[] | undefined {
  const all = rows(dir, 'recognizers_datetime_en.jsonl', RecognizersRow);
  if (!all) return undefined;
  const out: InstantCase[] = [];
  for (const r of all) {
    // Without a reference instant a relative expression has no one right answer.
    if (r.expected.length !== 1 || !r.reference_datetime) continue;
    const e = r.expected[0]!;
    const values = e.values.map((v) => v.value).filter((v): v is string => typeof v === 'string');
    let expected: string[];
    if (e.type === 'datetimeV2.date') expected = values.filter((v) => /^\d{4}-\d{2}-\d{2}$/.test(v));
    else if (e.type === 'datetimeV2.datetime') expected = values.map((v) => v.replace(' ', 'T'));
    else if (e.type === 'datetimeV2.time') expected = values.map((v) => `T${v}`);
    else continue;
    if (expected.length === 0) continue;
    out.push({
      source: 'recognizers',
      text: r.input,
      now: new Date(`${r.reference_datetime}Z`),
      tz: 'UTC',
      expected,
    });
  }
  return out;
}

const ChronoRow = z.looseObject({
  text: z.string(),
  reference_datetime: z.string().nullable(),
  reference: z.string(),
  parser: z.string(),
  expected: z.looseObject({
    start_datetime: z.string().optional(),
    start: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** Where chrono's own tests give no reference instant (absolute expressions), the one they are written against. */
const CHRONO_DEFAULT_REFERENCE = '2012-08-10T00:00:00';
const CHRONO_ENGLISH = new Set(['chrono', 'chrono.casual', 'chrono.strict', 'chrono.en', 'chrono.en.GB']);
/** A clock time written with digits ("10:30", "9 pm"): its hour and minute are checked, not only the day. */
const WRITTEN_CLOCK = /\d\s*(?::\s*\d\d|[ap]\.?m\b|o'clock)/i;

/**
 * chrono's English test sentences with one start instant and a fixed (or no) reference: the day must match, and
 * the hour and minute too where a clock time is written with digits. A part of the day said in words ("this
 * morning") is left to our business defaults, which differ from chrono's on purpose.
 */
export function chronoInstants(dir: string): InstantCase[] | undefined {
  const all = rows(dir, 'chrono_en.jsonl', ChronoRow);
  if (!all) return undefined;
  const out: InstantCase[] = [];
  for (const r of all) {
    const start = r.expected.start_datetime;
    if (!start || !CHRONO_ENGLISH.has(r.parser)) continue;
    if (r.reference !== 'literal' && !r.reference.startsWith('none')) continue;
    const clock = r.expected.start !== undefined && 'hour' in r.expected.start && WRITTEN_CLOCK.test(r.text);
    out.push({
      source: 'chrono',
      text: r.text,
      now: new Date(`${r.reference_datetime ?? CHRONO_DEFAULT_REFERENCE}Z`),
      tz: 'UTC',
      dateOrder: r.parser === 'chrono.en.GB' ? 'day-first' : 'month-first',
      expected: [start.slice(0, clock ? 16 : 10)],
    });
  }
  return out;
}

export interface PhoneCase {
  text: string;
  /** E.164, or null when no phone number should be found. */
  phone: string | null;
}

const PhoneRow = z.looseObject({
  input: z.string(),
  expected: z.array(z.looseObject({ value: z.string() })),
  india: z.boolean(),
});

export function phoneRowsIndia(dir: string): Array<{ text: string; written: string }> | undefined {
  const all = rows(dir, 'phone_numbers_en.jsonl', PhoneRow);
  if (!all) return undefined;
  return all
    .filter((r) => r.india && r.expected.length === 1)
    .map((r) => ({ text: r.input, written: r.expected[0]!.value }));
}

const OwnPhoneRow = z.strictObject({ text: z.string(), phone: z.string().nullable() });

/** Our own spoken and written Indian phone cases (eval/cases/phones.jsonl). */
export function ownPhoneCases(file: string): PhoneCase[] {
  return readJsonl(file).map((r) => OwnPhoneRow.parse(r));
}
