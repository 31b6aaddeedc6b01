/**
 * Entity extraction for the built-in understanding engine: every entity of one utterance (written or as a speech
 * recogniser emits it), in the shape of `Entities` from src/core/understanding.ts. Synchronous, no I/O; gazetteers
 * and patterns are built at module load.
 *
 * Extractors run in an order that lets each claim its words: e-mails and phones first (their digits and names are
 * not dates or people), then notes and the message body (free text whose words mean nothing else), dates and times,
 * sources and cities, and last the people named in what is left.
 */
import type { Entities, Intent, UnderstandingContext } from '../../core/understanding.ts';
import { normaliseSpoken } from '../normalise/spoken.ts';
import { findCity } from './city.ts';
import { findDateTimes } from './datetime/index.ts';
import { findEmails } from './email.ts';
import { findLeadPronoun, findLeadRef, findNamedLead, LAST_LEAD } from './leadRef.ts';
import { extractChannel, findMessage } from './message.ts';
import { findNotes } from './notes.ts';
import { findPersons } from './person.ts';
import { findPhones } from './phone.ts';
import { extractScope } from './scope.ts';
import { findSource } from './source.ts';
import { MaskedText } from './span.ts';
import { extractStatus } from './status.ts';
import { extractTitle } from './title.ts';

export { normaliseSpoken } from '../normalise/spoken.ts';
export { extractCity, findCity } from './city.ts';
export {
  type DateTimeEntities,
  extractDateTime,
  extractDuration,
  extractRecurrence,
  findMentions,
  resolveInstant,
} from './datetime/index.ts';
export { extractEmails, findEmails } from './email.ts';
export { extractLeadRef, LAST_LEAD } from './leadRef.ts';
export { extractChannel, extractMessage } from './message.ts';
export { extractNotes } from './notes.ts';
export { extractPerson, findPersons } from './person.ts';
export { extractPhones, findPhones } from './phone.ts';
export { extractScope } from './scope.ts';
export { extractSource } from './source.ts';
export { extractStatus } from './status.ts';
export { extractTitle } from './title.ts';

const MEETING_INTENTS: ReadonlySet<Intent> = new Set([
  'MEETING_SCHEDULE',
  'MEETING_RESCHEDULE',
  'MEETING_CANCEL',
  'MEETING_QUERY',
]);
/** Intents about one existing lead: a name in them is that lead's reference. */
const LEAD_REF_INTENTS: ReadonlySet<Intent> = new Set(['LEAD_UPDATE', 'VISIT_SCHEDULE']);

export function extractEntities(text: string, ctx: UnderstandingContext, intent?: Intent): Entities {
  const t = new MaskedText(normaliseSpoken(text));
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
    const channel = extractChannel(t.text, intent);
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
    const title = extractTitle(t.text);
    if (title) out.title = title;
  }

  const times = findDateTimes(t.text, ctx, intent);
  Object.assign(out, times.entities);
  for (const [start, end] of times.spans) t.take(start, end);

  const status = extractStatus(t.text, intent);
  if (status) out.status = status;

  if (intent === undefined || MEETING_INTENTS.has(intent)) {
    const scope = extractScope(t.text);
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
