/**
 * The database as Kysely sees it: one interface per table, every table org-scoped. Migrations in ./migrations/
 * create exactly this; a new migration that adds a table adds its interface here too.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { LeadStatus, VisitStatus } from '../core/crm.ts';

/** `timestamptz`: read as a Date (both drivers parse it), written as a Date or ISO text. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface OrganisationTable {
  id: Generated<string>;
  name: string;
  slug: string;
  time_zone: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface ApiKeyTable {
  org_id: string;
  /** SHA-256 of the key in hex; the key itself is never stored. */
  key_hash: string;
  name: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface LeadTable {
  id: string;
  org_id: string;
  name: string;
  /** E.164. */
  phone: string;
  city: string;
  source: string | null;
  status: LeadStatus;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface VisitTable {
  id: string;
  org_id: string;
  lead_id: string;
  visit_time: Timestamp;
  notes: string | null;
  status: VisitStatus;
  created_at: Timestamp;
}

export interface LeadStatusChangeTable {
  id: string;
  org_id: string;
  lead_id: string;
  old_status: LeadStatus;
  new_status: LeadStatus;
  notes: string | null;
  changed_at: Timestamp;
}

export interface IdempotencyKeyTable {
  org_id: string;
  /** The operation the key belongs to (`crm.createLead`…): one key may be reused across operations. */
  scope: string;
  key: string;
  /** SHA-256 of the validated request, to tell a retry from a different request under the same key. */
  request_hash: string;
  response_status: number;
  /** jsonb: read as a value, written as JSON text. */
  response_body: ColumnType<unknown, string, string>;
  created_at: Timestamp;
}

export interface Schema {
  organisations: OrganisationTable;
  api_keys: ApiKeyTable;
  leads: LeadTable;
  visits: VisitTable;
  lead_status_changes: LeadStatusChangeTable;
  idempotency_keys: IdempotencyKeyTable;
}

export type LeadRow = Selectable<LeadTable>;
export type NewLeadRow = Insertable<LeadTable>;
export type VisitRow = Selectable<VisitTable>;
export type NewVisitRow = Insertable<VisitTable>;
export type LeadStatusChangeRow = Selectable<LeadStatusChangeTable>;
export type OrganisationRow = Selectable<OrganisationTable>;
