/**
 * How each kind of slot gets its value: from a whole sentence (the engine's entities), or from a reply to the
 * question about that slot, where bare words count ("Pune", "nine eight seven…", "tomorrow at 3"). Values are
 * checked here so a problem is reported against the slot it concerns.
 */
import { LeadStatus } from '../../core/crm.ts';
import { normalisePhone } from '../../core/phone.ts';
import { parseIsoWithOffset, toZonedIso } from '../../core/time.ts';
import type { Entities, Understanding } from '../../core/understanding.ts';
import { LAST_LEAD_REF, type LeadSummary } from '../../tools/lead-lookup.ts';

export type SlotKind = 'name' | 'phone' | 'city' | 'source' | 'lead' | 'datetime' | 'status' | 'notes';

export type Slots = Record<string, string>;

export interface Problem {
  type: 'VALIDATION_ERROR' | 'PARSING_ERROR';
  details: string;
  /** Said before the question is asked again. */
  say: string;
}

/** What one message says about one slot. All empty: the message did not mention it. */
export interface Fill {
  value?: string;
  /** A lead reference still to be looked up (kind `lead`). */
  ref?: string;
  /** A day without a time of day (kind `datetime`): kept so "at 3" can complete it. */
  day?: string;
  problem?: Problem;
}

export interface FillContext {
  slot: string;
  now: Date;
  timeZone: string;
  lastLead?: LeadSummary;
  /** The task's values so far (a `datetime` reply may complete a day given earlier). */
  slots: Slots;
}

/** Where a kind's value is reported in the bot's `entities`. */
export const ENTITY_OF: Record<SlotKind, keyof Entities> = {
  name: 'person',
  phone: 'phone',
  city: 'city',
  source: 'source',
  lead: 'lead_ref',
  datetime: 'datetime',
  status: 'status',
  notes: 'notes',
};

/** Slot keys that go with a slot but are not its value. */
export const refKey = (slot: string) => `${slot}:ref`;
export const leadNameKey = (slot: string) => `${slot}:name`;
export const dayKey = (slot: string) => `${slot}:day`;

const PRONOUN = /\b(her|him|them|his|their|that lead|this lead|same lead|the same one|that one)\b/i;
const UUID_OR_PREFIX = /\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{4,32})\b/i;

/** Reads a slot from a full sentence; empty when the sentence does not mention it. */
export function fromSentence(kind: SlotKind, u: Understanding, ctx: FillContext): Fill {
  const e = u.entities;
  switch (kind) {
    case 'name':
      return e.person ? { value: e.person } : {};
    case 'phone':
      if (e.phone) return checkPhone(e.phone);
      return phoneMention(u.text);
    case 'city':
      return e.city ? { value: e.city } : {};
    case 'source':
      return e.source ? { value: e.source } : {};
    case 'lead':
      if (e.lead_ref) return { ref: e.lead_ref };
      if (ctx.lastLead && PRONOUN.test(u.text)) return { ref: LAST_LEAD_REF };
      return e.person ? { ref: e.person } : {};
    case 'datetime':
      if (e.datetime) return checkFuture(e.datetime, ctx);
      return e.date ? { day: e.date } : {};
    case 'status':
      return e.status ? { value: e.status } : {};
    case 'notes':
      return e.notes ? { value: e.notes } : {};
  }
}

/** Reads a slot from the answer to the question about it: entities first, then the bare words. */
export function fromReply(kind: SlotKind, u: Understanding, ctx: FillContext): Fill {
  const text = u.text.trim();
  const said = fromSentence(kind, u, ctx);
  switch (kind) {
    case 'name': {
      if (said.value) return said;
      const name = bareName(text);
      return name ? { value: name } : notUnderstood(kind, text);
    }
    case 'phone': {
      if (said.value || said.problem) return said;
      const digits = spokenDigits(text);
      if (digits.replace(/\D/g, '').length < 3) return notUnderstood(kind, text);
      return checkPhone(digits);
    }
    case 'city':
    case 'source': {
      if (said.value) return said;
      const words = barePlace(text);
      return words ? { value: words } : notUnderstood(kind, text);
    }
    case 'lead': {
      if (said.ref) return said;
      const id = UUID_OR_PREFIX.exec(text)?.[1];
      if (id && /\d/.test(id)) return { ref: id };
      const name = bareName(text.replace(/\b(the\s+)?lead\b|\bfor\b/gi, ' ').replace(/['’]s\b/g, ''));
      return name ? { ref: name } : notUnderstood(kind, text);
    }
    case 'datetime':
      return datetimeReply(u, ctx);
    case 'status': {
      if (said.value) return said;
      const status = statusFromWords(text);
      return status ? { value: status } : notUnderstood(kind, text);
    }
    case 'notes':
      return { value: said.value ?? text };
  }
}

function notUnderstood(kind: SlotKind, text: string): Fill {
  const what: Record<SlotKind, string> = {
    name: 'a name',
    phone: 'a phone number',
    city: 'a city',
    source: 'a lead source',
    lead: 'a lead',
    datetime: 'a date and time',
    status: 'a lead status',
    notes: 'notes',
  };
  return {
    problem: {
      type: 'PARSING_ERROR',
      details: `Could not understand ${what[kind]} in "${text.slice(0, 80)}"`,
      say: "Sorry, I didn't catch that.",
    },
  };
}

function checkPhone(raw: string): Fill {
  const phone = normalisePhone(raw);
  if (phone) return { value: phone.e164 };
  return {
    problem: {
      type: 'VALIDATION_ERROR',
      details: `phone: ${raw.trim()} is not a valid phone number (e.g. 9876543210 or +91 98765 43210)`,
      say: "That doesn't sound like a valid phone number.",
    },
  };
}

/**
 * A phone number the sentence names but the engine did not accept ("phone 12345"): reported as invalid rather
 * than asked for as if it had not been given.
 */
function phoneMention(text: string): Fill {
  const m = /\b(?:phone|mobile|number|contact|cell|whatsapp)\b\D{0,15}?(\+?\d[\d\s().-]{1,24}\d)/i.exec(text);
  return m?.[1] ? checkPhone(m[1]) : {};
}

function checkFuture(iso: string, ctx: FillContext): Fill {
  const at = parseIsoWithOffset(iso);
  if (at && at.getTime() > ctx.now.getTime()) return { value: iso };
  return {
    problem: {
      type: 'VALIDATION_ERROR',
      details: `${ctx.slot}: must be a future date and time`,
      say: 'That time has already passed.',
    },
  };
}

const DAY_WORDS =
  /\b(today|tonight|tomorrow|day after|mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|week|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|september|october|november|december|\d{1,2}(st|nd|rd|th)|\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2})\b/i;

/** "at 3 PM" after "tomorrow" was given: the time of day goes on the day already known. */
function datetimeReply(u: Understanding, ctx: FillContext): Fill {
  const day = ctx.slots[dayKey(ctx.slot)];
  const at = u.entities.datetime ? parseIsoWithOffset(u.entities.datetime) : null;
  if (at && day && !DAY_WORDS.test(u.text)) {
    return checkFuture(`${day}${toZonedIso(at, ctx.timeZone).slice(10)}`, ctx);
  }
  const said = fromSentence('datetime', u, ctx);
  if (said.value || said.problem || said.day) return said;
  return notUnderstood('datetime', u.text);
}

const DIGIT_WORD: Record<string, string> = {
  zero: '0',
  oh: '0',
  o: '0',
  nil: '0',
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

/** "nine eight seven six five, double four…" → "9876544…"; digits already written are kept. */
export function spokenDigits(text: string): string {
  let out = '';
  let repeat = 1;
  for (const token of text.toLowerCase().split(/[\s,.;:-]+/)) {
    if (token === 'double') repeat = 2;
    else if (token === 'triple') repeat = 3;
    else if (token === 'plus' && out === '') out = '+';
    else if (DIGIT_WORD[token]) {
      out += DIGIT_WORD[token]!.repeat(repeat);
      repeat = 1;
    } else if (/^\+?[\d()]+$/.test(token)) {
      out += token.replace(/[()]/g, '');
      repeat = 1;
    }
  }
  return out;
}

/** Words a name or a place does not start with: "the first one", "yes", "what?" are not names. */
const NOT_A_NAME = new Set(
  (
    'a an the yes yeah yep no nope nah ok okay sure fine that this these those it its what which who whom why how ' +
    'when where i we you he she they my your our their one first second third last next same lead leads please ' +
    'thanks thank hmm um uh er sorry cancel stop wait hello hi hey bye'
  ).split(' '),
);

const plausibleName = (text: string) =>
  /^\p{L}[\p{L}.' -]*$/u.test(text) &&
  text.split(/\s+/).length <= 5 &&
  !NOT_A_NAME.has(text.split(/\s+/)[0]!.toLowerCase().replace(/[.']/g, ''));

const titleCase = (s: string) =>
  s === s.toLowerCase()
    ? s.replace(/(^|[\s'-])(\p{L})/gu, (_, sep: string, c: string) => sep + c.toUpperCase())
    : s;

/** A bare name reply: "Priya Nair", "her name is priya nair", "it's Priya". */
export function bareName(text: string): string | undefined {
  const cleaned = text
    .trim()
    .replace(
      /^(?:(?:her|his|their|the|lead'?s?)\s+(?:full\s+)?name\s+is|name\s+is|it'?s|it\s+is|this\s+is|call\s+(?:her|him|them))\s+/i,
      '',
    )
    .replace(/[.!?,]+$/, '')
    .replace(/\s+/g, ' ')
    .trim();
  return plausibleName(cleaned) ? titleCase(cleaned) : undefined;
}

/** A bare place or source reply: "Pune", "in pune", "she's from New Delhi". */
export function barePlace(text: string): string | undefined {
  const cleaned = text
    .trim()
    .replace(
      /^(?:(?:she|he|they)(?:'s|\s+is|\s+are)\s+|it'?s\s+|it\s+is\s+|the\s+city\s+is\s+|city\s+)?/i,
      '',
    )
    .replace(/^(?:from|in|at|via|through)\s+/i, '')
    .replace(/[.!?,]+$/, '')
    .trim();
  return plausibleName(cleaned) && cleaned.split(/\s+/).length <= 4 ? titleCase(cleaned) : undefined;
}

export function statusFromWords(text: string): LeadStatus | undefined {
  const t = text.toLowerCase();
  if (/\bin[\s_-]?progress\b|\bworking\b/.test(t)) return 'IN_PROGRESS';
  if (/\bfollow[\s_-]?up\b/.test(t)) return 'FOLLOW_UP';
  if (/\b(won|win|closed won|booked|converted)\b/.test(t)) return 'WON';
  if (/\b(lost|lose|dead|not interested)\b/.test(t)) return 'LOST';
  if (/\bnew\b/.test(t)) return 'NEW';
  const exact = LeadStatus.safeParse(text.trim().toUpperCase());
  return exact.success ? exact.data : undefined;
}
