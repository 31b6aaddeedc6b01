/** The outbox: every message the assistant sends, org-scoped, with where it is on its way (queued → sent). */
import type { Kysely, Selectable } from 'kysely';
import type { MessageStatus } from '../core/messages.ts';
import type { Channel } from '../core/understanding.ts';
import type { Schema, Timestamp } from './schema.ts';

export interface OutboxMessageTable {
  id: string;
  org_id: string;
  channel: Channel;
  /** In the channel's form: E.164, an e-mail address, @handle… */
  recipient: string;
  subject: string | null;
  body: string;
  status: MessageStatus;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

export type OutboxMessageRow = Selectable<OutboxMessageTable>;

type OutboxSchema = Schema & { outbox_messages: OutboxMessageTable };

export class OutboxRepository {
  readonly #db: Kysely<OutboxSchema>;

  /** `db` may be a transaction. */
  constructor(db: Kysely<Schema>) {
    this.#db = db.withTables<{ outbox_messages: OutboxMessageTable }>();
  }

  async enqueue(row: {
    id: string;
    org_id: string;
    channel: Channel;
    recipient: string;
    subject: string | null;
    body: string;
    created_at: Date;
  }): Promise<void> {
    await this.#db
      .insertInto('outbox_messages')
      .values({ ...row, status: 'QUEUED', sent_at: null })
      .execute();
  }

  async markSent(orgId: string, id: string, at: Date): Promise<void> {
    await this.#db
      .updateTable('outbox_messages')
      .set({ status: 'SENT', sent_at: at })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }

  async findById(orgId: string, id: string): Promise<OutboxMessageRow | undefined> {
    return this.#db
      .selectFrom('outbox_messages')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Newest first. */
  async list(orgId: string, limit = 50): Promise<OutboxMessageRow[]> {
    return this.#db
      .selectFrom('outbox_messages')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }
}
