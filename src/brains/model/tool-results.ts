/**
 * Between the registry and the model: what a tool's answer (or failure) looks like to the model, with spoken forms
 * of ids, phones and times added so the model can say them the way the contract wants; and what a tool call means
 * for the bot's JSON (intent, entities).
 */

import { isRoomanError } from '../../core/errors.ts';
import { parseIsoWithOffset } from '../../core/time.ts';
import type { Entities, Intent } from '../../core/understanding.ts';
import { shortRefOf } from '../../tools/lead-lookup.ts';
import { speakDateTime, speakLeadRef, speakPhone } from '../local/speech.ts';

/** The intent a tool call carries out (tools not listed, such as lookups or external MCP tools, carry none). */
export const INTENT_OF_TOOL: Readonly<Record<string, Intent>> = {
  createLead: 'LEAD_CREATE',
  scheduleVisit: 'VISIT_SCHEDULE',
  updateLeadStatus: 'LEAD_UPDATE',
  scheduleMeeting: 'MEETING_SCHEDULE',
  rescheduleMeeting: 'MEETING_RESCHEDULE',
  cancelMeeting: 'MEETING_CANCEL',
  listMeetings: 'MEETING_QUERY',
  sendMessage: 'MESSAGE_SEND',
};

/** Tools that only read: they get no idempotency key of their own and do not make the turn a write. */
const READ_ONLY_NAME = /^(find|list|get|search|lookup|read)[A-Z_]/;
export const isReadOnlyTool = (name: string): boolean => READ_ONLY_NAME.test(name);

/** Tool argument names → the bot contract's entity names (the rest keep their names when they are entities). */
const ENTITY_OF_ARG: Readonly<Record<string, keyof Entities>> = {
  name: 'person',
  lead_id: 'lead_ref',
  visit_time: 'datetime',
  start: 'datetime',
  end: 'end_datetime',
  query: 'lead_ref',
};

const ENTITY_KEYS = new Set<string>([
  'person',
  'phone',
  'email',
  'city',
  'source',
  'status',
  'lead_ref',
  'datetime',
  'date',
  'end_datetime',
  'duration_minutes',
  'title',
  'attendees',
  'channel',
  'message',
  'notes',
  'recurrence',
]);

/** The entities a call's arguments amount to ("name" is the person, "visit_time" the datetime…). */
export function entitiesOfArgs(args: unknown): Entities {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || value === null || value === '') continue;
    if (key === 'to') {
      // sendMessage's recipient: a phone or an address, kept where the contract keeps it.
      if (typeof value === 'string') out[/@/.test(value) ? 'email' : 'phone'] = value;
      continue;
    }
    const entity = ENTITY_OF_ARG[key] ?? key;
    if (!ENTITY_KEYS.has(entity)) continue;
    if (entity === 'duration_minutes' ? typeof value === 'number' : entity === 'attendees')
      out[entity] = value;
    else if (typeof value === 'string') out[entity] = value;
  }
  return out as Entities;
}

const PHONE_KEYS = new Set(['phone', 'phone_e164', 'to']);
const TIME_KEYS = new Set(['visit_time', 'start', 'end', 'datetime']);

/**
 * A tool's answer as the model gets it: the output, plus spoken forms of what the contract says to read out
 * (`lead_reference_spoken`, `phone_spoken`, `visit_time_spoken`…), taken from the output and the arguments.
 */
export function resultForModel(
  args: Record<string, unknown>,
  output: Record<string, unknown>,
  timeZone: string,
  now: Date,
): Record<string, unknown> {
  const spoken: Record<string, string> = {};
  const seen = { ...args, ...output };
  if (typeof seen.lead_id === 'string' && /^[0-9a-f-]{8,}$/i.test(seen.lead_id)) {
    spoken.lead_reference = shortRefOf(seen.lead_id);
    spoken.lead_reference_spoken = speakLeadRef(seen.lead_id);
  }
  for (const [key, value] of Object.entries(seen)) {
    if (typeof value !== 'string') continue;
    if (PHONE_KEYS.has(key) && /^\+?\d{6,15}$/.test(value)) spoken[`${key}_spoken`] = speakPhone(e164(value));
    if (TIME_KEYS.has(key) && parseIsoWithOffset(value))
      spoken[`${key}_spoken`] = speakDateTime(value, timeZone, now);
  }
  return { ok: true, ...output, ...spoken };
}

/** A 10-digit Indian number as the CRM shows it, or E.164 already. */
const e164 = (phone: string) =>
  phone.startsWith('+') ? phone : phone.length === 10 ? `+91${phone}` : `+${phone}`;

/** Ids a model may shorten or guess, and the tool that gives the full one. */
const ID_LOOKUP: Readonly<Record<string, string>> = { lead_id: 'findLeads', meeting_id: 'listMeetings' };

/** How a failed call is told to the model: the error JSON of the API, plus what to do next. */
export function errorForModel(error: unknown): Record<string, unknown> {
  if (!isRoomanError(error))
    return {
      ok: false,
      error: { type: 'CRM_ERROR', details: 'The request failed' },
      next: 'Tell the caller it failed.',
    };
  const body: Record<string, unknown> = { type: error.type, details: error.message };
  if (error.field) body.field = error.field;
  if (error.issues && error.issues.length > 1) body.issues = error.issues;
  const next =
    error.type === 'VALIDATION_ERROR' && error.field !== undefined && ID_LOOKUP[error.field]
      ? `${error.field} must be the full id: get it with ${ID_LOOKUP[error.field]} first.`
      : error.type === 'VALIDATION_ERROR'
        ? `Ask the caller for a correct ${error.field ?? 'value'}; do not call again with the same value.`
        : error.type === 'NOT_FOUND'
          ? 'Nothing matched: ask the caller which one they mean.'
          : error.retriable
            ? 'The CRM did not answer: tell the caller and offer to try again.'
            : 'Tell the caller it could not be done and why.';
  return { ok: false, error: body, next };
}
