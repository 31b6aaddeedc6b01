/** The history of a lead's status, one row per change, org-scoped. */
import type { Kysely } from 'kysely';
import type { LeadStatusChangeRow, Schema } from './schema.ts';

export class LeadStatusChangeRepository {
  readonly #db: Kysely<Schema>;

  /** `db` may be a transaction. */
  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  async insert(row: LeadStatusChangeRow): Promise<void> {
    await this.#db.insertInto('lead_status_changes').values(row).execute();
  }

  /** Oldest first. */
  async listForLead(orgId: string, leadId: string): Promise<LeadStatusChangeRow[]> {
    return this.#db
      .selectFrom('lead_status_changes')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('lead_id', '=', leadId)
      .orderBy('changed_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
  }
}
