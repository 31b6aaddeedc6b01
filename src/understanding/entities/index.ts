/**
 * Entity extraction for the built-in understanding engine: every entity of one utterance (written or as a speech
 * recogniser emits it), in the shape of `Entities` from src/core/understanding.ts. Synchronous, no I/O; gazetteers
 * and patterns are built at module load.
 *
 * Extractors run in an order that lets each claim its words: e-mails and phones first (their digits and names are
 * not dates or people), then notes and the message body (free text whose words mean nothing else), dates and times,
 * sources and cities, and last the people named in what is left.
 */
import type { LeadStatus } from '../../core/crm.ts';
import type { Channel, Entities, Intent, UnderstandingContext } from '../../core/understanding.ts';
import { normaliseSpoken } from '../normalise/spoken.ts';
import { findCity } from './city.ts';
import {
  extractDuration as durationOf,
  findDateTimes,
  extractRecurrence as recurrenceOf,
} from './datetime/index.ts';
import { findEmails } from './email.ts';
import { findLeadPronoun, findLeadRef, findNamedLead, LAST_LEAD } from './leadRef.ts';
import { extractChannel as channelOf, findMessage } from './message.ts';
import { findNotes } from './notes.ts';
import { findPersons } from './person.ts';
import { findPhones } from './phone.ts';
import { extractScope as scopeOf } from './scope.ts';
import { findSource } from './source.ts';
import { MaskedText } from './span.ts';
import { extractStatus as statusOf } from './status.ts';
import { extractTitle as titleOf } from './title.ts';

export { normaliseSpoken } from '../normalise/spoken.ts';
export { type FoundCity, findCity } from './city.ts';
export { type DateTimeEntities, extractDateTime, findMentions, resolveInstant } from './datetime/index.ts';
export { type FoundEmail, findEmails } from './email.ts';
export { LAST_LEAD } from './leadRef.ts';
export { type FoundPerson, findPersons } from './person.ts';
export { type FoundPhone, findPhones } from './phone.ts';

// One extractor per entity, for the rest of the engine and the dialogue. Each takes text as the user wrote or a
// recogniser heard it and normalises it first; the find* functions above take already normalised text.

/** Every phone number, E.164, in order. */
export function extractPhones(text: string): string[] {
  return findPhones(normaliseSpoken(text)).map((p) => p.e164);
}

/** Every e-mail address, lowercased, in order (spoken ones included). */
export function extractEmails(text: string): string[] {
  return findEmails(normaliseSpoken(text)).map((e) => e.email);
}

/** The first person named, title-cased; the intent lets an unknown lowercase name count ("add kowshik from …"). */
export function extractPerson(text: string, intent?: Intent): string | undefined {
  return findPersons(normaliseSpoken(text), intent)[0]?.name;
}

/** Everyone named, title-cased, in order. */
export function extractPersons(text: string, intent?: Intent): string[] {
  return findPersons(normaliseSpoken(text), intent).map((p) => p.name);
}

export function extractCity(text: string): string | undefined {
  return findCity(normaliseSpoken(text))?.city;
}

export function extractSource(text: string, intent?: Intent): string | undefined {
  return findSource(normaliseSpoken(text), intent)?.source;
}

export function extractStatus(text: string, intent?: Intent): LeadStatus | undefined {
  return statusOf(normaliseSpoken(text), intent);
}

/** A uuid, a hex prefix of one, or "@last" for a pronoun; names are found by extractEntities. */
export function extractLeadRef(text: string): string | undefined {
  const t = normaliseSpoken(text);
  return findLeadRef(t)?.ref ?? findNamedLead(t)?.name ?? findLeadPronoun(t)?.ref;
}

export function extractNotes(text: string): string | undefined {
  return findNotes(normaliseSpoken(text))?.notes;
}

export function extractChannel(text: string, intent?: Intent): Channel | undefined {
  return channelOf(normaliseSpoken(text), intent);
}

export function extractMessage(text: string): string | undefined {
  return findMessage(normaliseSpoken(text))?.message;
}

export function extractTitle(text: string): string | undefined {
  return titleOf(normaliseSpoken(text));
}

export function extractScope(text: string): 'all' | undefined {
  return scopeOf(normaliseSpoken(text));
}

export function extractDuration(text: string): number | undefined {
  return durationOf(normaliseSpoken(text));
}

export function extractRecurrence(text: string): string | undefined {
  return recurrenceOf(normaliseSpoken(text));
}

const MEETING_INTENTS: ReadonlySet<Intent> = new Set([
  'MEETING_SCHEDULE',
  'MEETING_RESCHEDULE',
  'MEETING_CANCEL',
  'MEETING_QUERY',
]);
/** Intents about one existing lead: a name in them is that lead's reference. */
const LEAD_REF_INTENTS: ReadonlySet<Intent> = new Set(['LEAD_UPDATE', 'VISIT_SCHEDULE']);

export function extractEntities(text: string, ctx: UnderstandingContext, intent?: Intent): Entities {
  return extractEntitiesOfNormalised(normaliseSpoken(text), ctx, intent);
}

/**
 * `extractEntities` for text already through `normaliseSpoken`: the engine normalises once for both the classifier
 * and the extractors, since normalising is a good part of the cost of a short utterance.
 */
export function extractEntitiesOfNormalised(
  normalised: string,
  ctx: UnderstandingContext,
  intent?: Intent,
): Entities {
  const t = new MaskedText(normalised);
  const out: Entities = {};

  const emails = findEmails(t.text);
  for (const e of emails) t.take(e.start, e.end);
  if (emails[0]) out.email = emails[0].email;

  const phones = findPhones(t.text);
  for (const p of phones) t.take(p.start, p.end);
  if (phones[0]) out.phone = phones[0].e164;

  const ref = findLeadRef(t.text);
  if (ref) {
    out.lead_ref = ref.ref;
    t.take(ref.start, ref.end);
  }

  if (intent !== 'MESSAGE_SEND') {
    const notes = findNotes(t.text);
    if (notes) {
      out.notes = notes.notes;
      t.take(notes.start, notes.end);
    }
  }

  const messaging = intent === 'MESSAGE_SEND' || intent === undefined || intent === 'UNKNOWN';
  if (messaging) {
    const channel = channelOf(t.text, intent);
    if (channel) out.channel = channel;
    if (intent === 'MESSAGE_SEND' || channel) {
      const message = findMessage(t.text);
      if (message) {
        out.message = message.message;
        t.take(message.start, message.end);
      }
    }
  }

  // A title is read before dates are blanked out: "the q4 targets review" keeps its "q4".
  if ((intent === undefined || MEETING_INTENTS.has(intent)) && intent !== 'MEETING_QUERY') {
    const title = titleOf(t.text);
    if (title) out.title = title;
  }

  const times = findDateTimes(t.text, ctx, intent);
  Object.assign(out, times.entities);
  for (const [start, end] of times.spans) t.take(start, end);

  const status = statusOf(t.text, intent);
  if (status) out.status = status;

  if (intent === undefined || MEETING_INTENTS.has(intent)) {
    const scope = scopeOf(t.text);
    if (scope) out.scope = scope;
  }

  const source = findSource(t.text, intent);
  if (source) {
    out.source = source.source;
    t.take(source.start, source.end);
  }

  const city = findCity(t.text);
  if (city) {
    out.city = city.city;
    t.take(city.start, city.end);
  }

  const named = intent === 'LEAD_CREATE' ? undefined : findNamedLead(t.text);
  if (named && !out.lead_ref) {
    out.lead_ref = named.name.replace(/\b[a-z]/g, (c) => c.toUpperCase());
    t.take(named.start, named.end);
  }

  const persons = findPersons(t.text, intent);
  const names = persons.map((p) => p.name);
  if (intent && LEAD_REF_INTENTS.has(intent)) {
    if (!out.lead_ref) {
      if (names[0]) out.lead_ref = names[0];
      else {
        const pronoun = findLeadPronoun(t.text);
        if (pronoun) out.lead_ref = LAST_LEAD;
      }
    }
  } else if (intent && MEETING_INTENTS.has(intent)) {
    const attendees = [...names, ...emails.map((e) => e.email)];
    if (attendees.length > 0) out.attendees = attendees;
    if (names[0]) out.person = names[0];
  } else {
    if (names[0]) out.person = names[0];
    if (intent === 'MESSAGE_SEND' && names.length > 0) out.attendees = names;
  }
  return out;
}
