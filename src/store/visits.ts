/** Site visits, org-scoped. */
import { type Kysely, sql } from 'kysely';
import type { VisitStatus } from '../core/crm.ts';
import type { PageRequest } from './leads.ts';
import type { NewVisitRow, Schema, VisitRow } from './schema.ts';

export interface VisitFilter {
  leadId?: string | undefined;
  status?: VisitStatus | undefined;
  /** Visits at or after this instant. */
  from?: Date | undefined;
  /** Visits at or before this instant. */
  to?: Date | undefined;
}

export type VisitWithLead = VisitRow & { lead_name: string };

export class VisitRepository {
  readonly #db: Kysely<Schema>;

  /** `db` may be a transaction. */
  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  async insert(row: NewVisitRow): Promise<void> {
    await this.#db.insertInto('visits').values(row).execute();
  }

  /** Soonest first. */
  async list(
    orgId: string,
    filter: VisitFilter,
    page: PageRequest,
  ): Promise<{ rows: VisitWithLead[]; total: number }> {
    let query = this.#db
      .selectFrom('visits as v')
      .innerJoin('leads as l', 'l.id', 'v.lead_id')
      .where('v.org_id', '=', orgId);
    if (filter.leadId) query = query.where('v.lead_id', '=', filter.leadId);
    if (filter.status) query = query.where('v.status', '=', filter.status);
    if (filter.from) query = query.where('v.visit_time', '>=', filter.from);
    if (filter.to) query = query.where('v.visit_time', '<=', filter.to);
    const [rows, count] = await Promise.all([
      query
        .selectAll('v')
        .select('l.name as lead_name')
        .orderBy('v.visit_time', 'asc')
        .orderBy('v.id', 'asc')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      query.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: count.total };
  }
}
