/**
 * Turning what a speaker calls a lead into one lead: a full id, the first characters of one, a name ("Rohan's
 * lead"), or "@last" (her / that lead: the lead the conversation was last about). Shared by the findLeads tool and
 * the local dialogue so both resolve references the same way.
 */
import type { CrmGateway, Lead, LeadStatus } from '../core/crm.ts';

export interface LeadSummary {
  lead_id: string;
  name: string;
  city?: string;
  status?: LeadStatus;
}

export type LeadMatch =
  | { kind: 'found'; lead: LeadSummary }
  | { kind: 'none'; ref: string }
  | { kind: 'many'; leads: LeadSummary[]; total: number };

export const LAST_LEAD_REF = '@last';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ID_PREFIX = /^[0-9a-f]{4}[0-9a-f-]{0,31}$/i;

/** The short reference of a lead people can say: its first 8 hex characters. */
export const shortRefOf = (leadId: string): string => leadId.replace(/-/g, '').slice(0, 8).toLowerCase();

export const summarise = (lead: Lead): LeadSummary => ({
  lead_id: lead.lead_id,
  name: lead.name,
  city: lead.city,
  status: lead.status,
});

/** "Rohan's lead" → "Rohan", "the lead for Priya Nair" → "Priya Nair". */
export function nameFromRef(ref: string): string {
  return ref
    .trim()
    .replace(/^(the\s+)?(lead\s+)?(for|of|called|named)\s+/i, '')
    .replace(/['’]s?\s+lead$/i, '')
    .replace(/\s+lead$/i, '')
    .replace(/['’]s$/i, '')
    .trim();
}

export async function findLeadsByRef(
  crm: CrmGateway,
  ref: string,
  options: { last?: LeadSummary | null; limit?: number; signal?: AbortSignal } = {},
): Promise<LeadMatch> {
  const limit = options.limit ?? 5;
  const text = ref.trim();
  if (text === LAST_LEAD_REF) {
    return options.last ? { kind: 'found', lead: options.last } : { kind: 'none', ref: text };
  }
  if (UUID.test(text)) {
    const lead = await crm.getLead(text.toLowerCase(), { signal: options.signal });
    return lead ? { kind: 'found', lead: summarise(lead) } : { kind: 'none', ref: text };
  }
  if (ID_PREFIX.test(text)) {
    const page = await crm.listLeads({ id_prefix: text.toLowerCase(), limit }, { signal: options.signal });
    const match = fromPage(page.items, page.total, text);
    // "Dead", "Face", "Abba"… are hex but may be names: with no digit, fall back to a name search.
    if (match.kind !== 'none' || /\d/.test(text)) return match;
  }
  const name = nameFromRef(text);
  if (name === '') return { kind: 'none', ref: text };
  const page = await crm.listLeads({ q: name, limit }, { signal: options.signal });
  const exact = page.items.filter((l) => l.name.toLowerCase() === name.toLowerCase());
  if (exact.length === 1 && page.items.length > 1) return { kind: 'found', lead: summarise(exact[0]!) };
  return fromPage(page.items, page.total, text);
}

function fromPage(items: Lead[], total: number, ref: string): LeadMatch {
  if (items.length === 0) return { kind: 'none', ref };
  if (items.length === 1) return { kind: 'found', lead: summarise(items[0]!) };
  return { kind: 'many', leads: items.map(summarise), total: Math.max(total, items.length) };
}
