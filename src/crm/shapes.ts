/** Database rows → the API's shapes (src/core/crm.ts), with instants written in the organisation's time zone. */
import type { Lead, LeadStatusChange, Visit } from '../core/crm.ts';
import { displayPhone } from '../core/phone.ts';
import { toZonedIso } from '../core/time.ts';
import type { LeadRow, LeadStatusChangeRow } from '../store/schema.ts';
import type { VisitWithLead } from '../store/visits.ts';

/** When something happened (created, updated): milliseconds kept, so records sort as they happened. */
export const stamp = (at: Date, tz: string) => toZonedIso(at, tz, true);

/** When something is planned (a visit): to the second, as people give it. */
export const plannedTime = (at: Date, tz: string) => toZonedIso(at, tz);

export function toLead(row: LeadRow, tz: string): Lead {
  return {
    lead_id: row.id,
    name: row.name,
    phone: displayPhone(row.phone),
    phone_e164: row.phone,
    city: row.city,
    source: row.source,
    status: row.status,
    created_at: stamp(row.created_at, tz),
    updated_at: stamp(row.updated_at, tz),
  };
}

export function toVisit(row: VisitWithLead, tz: string): Visit {
  return {
    visit_id: row.id,
    lead_id: row.lead_id,
    lead_name: row.lead_name,
    visit_time: plannedTime(row.visit_time, tz),
    notes: row.notes,
    status: row.status,
    created_at: stamp(row.created_at, tz),
  };
}

export function toStatusChange(row: LeadStatusChangeRow, tz: string): LeadStatusChange {
  return {
    lead_id: row.lead_id,
    old_status: row.old_status,
    new_status: row.new_status,
    notes: row.notes,
    updated_at: stamp(row.changed_at, tz),
  };
}
