/**
 * What the seed's mock CRM shows besides its answers: a terminal block per write (through the logger) and a CSV
 * row per write. Runs after the database commit; a failure here is logged, never returned to the caller.
 * The default organisation's CSVs are in the data dir itself (as in the seed); any other organisation's in
 * `orgs/<slug>/` below it, so tenants never share a file.
 */
import { join } from 'node:path';
import type { LeadStatus } from '../core/crm.ts';
import type { Logger } from '../core/logger.ts';
import { displayPhone } from '../core/phone.ts';
import { CrmCsvLog } from '../store/csv-log.ts';
import { DEFAULT_ORG_SLUG, type Organisation } from '../store/organisations.ts';
import { plannedTime, stamp } from './shapes.ts';
import { leadCreatedBlock, leadStatusUpdatedBlock, visitScheduledBlock } from './terminal-blocks.ts';

export interface CrmJournalOptions {
  dataDir: string;
  logger: Logger;
  /** Off: neither CSV rows nor terminal blocks (benches, tests of other things). */
  enabled: boolean;
}

export interface CreatedLead {
  id: string;
  name: string;
  /** E.164. */
  phone: string;
  city: string;
  source: string | null;
  status: LeadStatus;
  createdAt: Date;
}

export interface ScheduledVisit {
  id: string;
  leadId: string;
  leadName: string;
  visitTime: Date;
  notes: string | null;
  status: string;
  createdAt: Date;
}

export interface StatusUpdate {
  leadId: string;
  leadName: string;
  oldStatus: LeadStatus;
  newStatus: LeadStatus;
  notes: string | null;
  updatedAt: Date;
}

export function csvDirFor(dataDir: string, orgSlug: string): string {
  return orgSlug === DEFAULT_ORG_SLUG ? dataDir : join(dataDir, 'orgs', orgSlug);
}

export class CrmJournal {
  readonly #options: CrmJournalOptions;
  readonly #logs = new Map<string, Promise<CrmCsvLog | null>>();

  constructor(options: CrmJournalOptions) {
    this.#options = options;
  }

  get enabled(): boolean {
    return this.#options.enabled;
  }

  /** Opens (creating with headers) the organisation's CSV files now rather than at its first write. */
  open(org: Organisation): Promise<CrmCsvLog | null> {
    let log = this.#logs.get(org.id);
    if (!log) {
      const dir = csvDirFor(this.#options.dataDir, org.slug);
      log = CrmCsvLog.open(dir, this.#options.logger).catch((err: unknown) => {
        this.#options.logger.error({ err, dir }, 'cannot open the CRM CSV logs; CSV logging is off');
        return null;
      });
      this.#logs.set(org.id, log);
    }
    return log;
  }

  leadCreated(org: Organisation, lead: CreatedLead): void {
    if (!this.#options.enabled) return;
    const row = {
      lead_id: lead.id,
      name: lead.name,
      phone: displayPhone(lead.phone),
      city: lead.city,
      source: lead.source ?? '',
      status: lead.status,
      created_at: stamp(lead.createdAt, org.timeZone),
    };
    this.#options.logger.info(
      { event: 'crm.lead_created', org_id: org.id, lead_id: lead.id },
      leadCreatedBlock({
        leadId: row.lead_id,
        name: row.name,
        phone: row.phone,
        city: row.city,
        source: lead.source,
        status: row.status,
        createdAt: row.created_at,
      }),
    );
    void this.open(org).then((log) => log?.leads.append(row));
  }

  visitScheduled(org: Organisation, visit: ScheduledVisit): void {
    if (!this.#options.enabled) return;
    const row = {
      visit_id: visit.id,
      lead_id: visit.leadId,
      visit_time: plannedTime(visit.visitTime, org.timeZone),
      notes: visit.notes ?? '',
      status: visit.status,
      created_at: stamp(visit.createdAt, org.timeZone),
    };
    this.#options.logger.info(
      { event: 'crm.visit_scheduled', org_id: org.id, visit_id: visit.id, lead_id: visit.leadId },
      visitScheduledBlock({
        visitId: row.visit_id,
        leadId: row.lead_id,
        leadName: visit.leadName,
        visitTime: row.visit_time,
        notes: visit.notes,
        status: row.status,
        createdAt: row.created_at,
      }),
    );
    void this.open(org).then((log) => log?.visits.append(row));
  }

  statusUpdated(org: Organisation, update: StatusUpdate): void {
    if (!this.#options.enabled) return;
    const row = {
      lead_id: update.leadId,
      old_status: update.oldStatus,
      new_status: update.newStatus,
      notes: update.notes ?? '',
      updated_at: stamp(update.updatedAt, org.timeZone),
    };
    this.#options.logger.info(
      {
        event: 'crm.lead_status_updated',
        org_id: org.id,
        lead_id: update.leadId,
        old_status: update.oldStatus,
        new_status: update.newStatus,
      },
      leadStatusUpdatedBlock({
        leadId: row.lead_id,
        leadName: update.leadName,
        oldStatus: row.old_status,
        newStatus: row.new_status,
        notes: update.notes,
        updatedAt: row.updated_at,
      }),
    );
    void this.open(org).then((log) => log?.updates.append(row));
  }

  /** Writes out every pending CSV row and closes the files. */
  async close(): Promise<void> {
    const logs = await Promise.all(this.#logs.values());
    await Promise.all(logs.map((log) => log?.close()));
  }
}
