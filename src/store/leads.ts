/** Leads of one organisation at a time: every method takes the org id and filters by it. */
import { type Kysely, sql } from 'kysely';
import type { LeadStatus } from '../core/crm.ts';
import type { LeadRow, NewLeadRow, Schema } from './schema.ts';

export interface LeadFilter {
  status?: LeadStatus | undefined;
  /** Case-insensitive equality. */
  city?: string | undefined;
  /** Case-insensitive equality. */
  source?: string | undefined;
  /** E.164. */
  phone?: string | undefined;
  /** Case-insensitive substring of the name. */
  nameContains?: string | undefined;
  /** The first characters of the id, with or without its hyphens. */
  idPrefix?: string | undefined;
}

export interface PageRequest {
  limit: number;
  offset: number;
}

/** Escapes LIKE's wildcards so user text matches literally. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export class LeadRepository {
  readonly #db: Kysely<Schema>;

  /** `db` may be a transaction. */
  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  async insert(row: NewLeadRow): Promise<void> {
    await this.#db.insertInto('leads').values(row).execute();
  }

  /** One statement for many leads: how concurrent creates share a round trip (see InsertBatcher). */
  async insertMany(rows: readonly NewLeadRow[]): Promise<void> {
    if (rows.length > 0) await this.#db.insertInto('leads').values(rows).execute();
  }

  async findById(orgId: string, id: string): Promise<LeadRow | undefined> {
    return this.#db
      .selectFrom('leads')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Reads the lead and locks it until the transaction ends, so concurrent status changes queue up. */
  async findByIdForUpdate(orgId: string, id: string): Promise<LeadRow | undefined> {
    return this.#db
      .selectFrom('leads')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  }

  async updateStatus(orgId: string, id: string, status: LeadStatus, at: Date): Promise<void> {
    await this.#db
      .updateTable('leads')
      .set({ status, updated_at: at })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }

  /** Newest first. */
  async list(
    orgId: string,
    filter: LeadFilter,
    page: PageRequest,
  ): Promise<{ rows: LeadRow[]; total: number }> {
    let query = this.#db.selectFrom('leads').where('org_id', '=', orgId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.city) query = query.where(sql`lower(city)`, '=', filter.city.toLowerCase());
    if (filter.source) query = query.where(sql`lower(source)`, '=', filter.source.toLowerCase());
    if (filter.phone) query = query.where('phone', '=', filter.phone);
    if (filter.nameContains) query = query.where('name', 'ilike', `%${escapeLike(filter.nameContains)}%`);
    if (filter.idPrefix) {
      const prefix = filter.idPrefix.replaceAll('-', '').toLowerCase();
      query = query.where(sql`replace(id::text, '-', '')`, 'like', `${escapeLike(prefix)}%`);
    }
    const [rows, count] = await Promise.all([
      query
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      query.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: count.total };
  }

  async count(orgId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('leads')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow();
    return row.n;
  }
}
