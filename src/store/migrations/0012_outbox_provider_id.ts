/**
 * Delivery reports name a message by the provider's id for it (a WhatsApp `wamid`, a Twilio SID): an index on
 * (provider, provider_message_id) finds the message a report is about without reading the whole outbox.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('outbox_provider_message_idx')
    .on('outbox_messages')
    .columns(['provider', 'provider_message_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('outbox_provider_message_idx').ifExists().execute();
}
