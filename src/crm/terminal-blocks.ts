/**
 * The terminal blocks of seed 003, character for character: a 60-`=` rule, the title, a rule, `Label : value`
 * rows with the labels padded as the seed pads them, and a closing rule. Pure text; the caller logs it.
 */
const RULE = '='.repeat(60);

const block = (title: string, labelWidth: number, rows: [string, string][]) =>
  [
    RULE,
    title,
    RULE,
    ...rows.map(([label, value]) => `${label.padEnd(labelWidth)}: ${oneLine(value)}`),
    RULE,
  ].join('\n');

// Control characters (a newline in notes, an escape sequence in a name) would break the block or the terminal.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const oneLine = (value: string) => value.replace(/[\x00-\x1F\x7F]+/g, ' ');

const orNA = (value: string | null | undefined) =>
  value === null || value === undefined || value.trim() === '' ? 'N/A' : value;

export interface LeadCreatedBlock {
  leadId: string;
  name: string;
  /** As people write it (displayPhone). */
  phone: string;
  city: string;
  source: string | null;
  status: string;
  createdAt: string;
}

export function leadCreatedBlock(lead: LeadCreatedBlock): string {
  return block('NEW LEAD CREATED', 11, [
    ['Lead ID', lead.leadId],
    ['Name', lead.name],
    ['Phone', lead.phone],
    ['City', lead.city],
    ['Source', orNA(lead.source)],
    ['Status', lead.status],
    ['Created At', lead.createdAt],
  ]);
}

export interface VisitScheduledBlock {
  visitId: string;
  leadId: string;
  leadName: string;
  visitTime: string;
  notes: string | null;
  status: string;
  createdAt: string;
}

export function visitScheduledBlock(visit: VisitScheduledBlock): string {
  return block('📅 VISIT SCHEDULED', 11, [
    ['Visit ID', visit.visitId],
    ['Lead ID', visit.leadId],
    ['Lead Name', visit.leadName],
    ['Visit Time', visit.visitTime],
    ['Notes', orNA(visit.notes)],
    ['Status', visit.status],
    ['Created At', visit.createdAt],
  ]);
}

export interface LeadStatusUpdatedBlock {
  leadId: string;
  leadName: string;
  oldStatus: string;
  newStatus: string;
  notes: string | null;
  updatedAt: string;
}

export function leadStatusUpdatedBlock(update: LeadStatusUpdatedBlock): string {
  return block('🔄 LEAD STATUS UPDATED', 13, [
    ['Lead ID', update.leadId],
    ['Lead Name', update.leadName],
    ['Old Status', update.oldStatus],
    ['New Status', update.newStatus],
    ['Notes', orNA(update.notes)],
    ['Updated At', update.updatedAt],
  ]);
}
