/**
 * The built-in message channel: every message is written to the outbox table as QUEUED, then "delivered" to the
 * outbox itself (shown in the log as a block, like the CRM's) and marked SENT. Real channels (SMTP, Telegram,
 * WhatsApp, Slack, SMS) will take queued rows from the same table.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { WriteOptions } from '../../core/crm.ts';
import { RoomanError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { MessageSender, SendMessageInput, SendMessageResult } from '../../core/messages.ts';
import { type Clock, systemClock, toZonedIso } from '../../core/time.ts';
import { hashRequest, IdempotencyKeyRepository } from '../../store/idempotency.ts';
import { OrganisationRepository } from '../../store/organisations.ts';
import { OutboxRepository } from '../../store/outbox.ts';
import type { Schema } from '../../store/schema.ts';
import { textBlock } from '../calendar/meeting-blocks.ts';

export interface OutboxSenderOptions {
  db: Kysely<Schema>;
  logger: Logger;
  clock?: Clock;
  /** Log a block per message (config `csvLogs`). */
  blocks?: boolean;
}

const CHANNEL_NAMES = {
  email: 'E-MAIL',
  whatsapp: 'WHATSAPP',
  telegram: 'TELEGRAM',
  sms: 'SMS',
  slack: 'SLACK',
};

export class OutboxSender {
  readonly #db: Kysely<Schema>;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #blocks: boolean;

  constructor(options: OutboxSenderOptions) {
    this.#db = options.db;
    this.#logger = options.logger.child({ component: 'outbox' });
    this.#clock = options.clock ?? systemClock;
    this.#blocks = options.blocks ?? true;
  }

  senderFor(orgId: string): MessageSender {
    return { send: (input, options) => this.send(orgId, input, options) };
  }

  /** `input` must already be valid (SendMessageInput's output: the address in the channel's form). */
  async send(orgId: string, input: SendMessageInput, options: WriteOptions = {}): Promise<SendMessageResult> {
    options.signal?.throwIfAborted();
    const org = await new OrganisationRepository(this.#db).findById(orgId);
    if (!org) throw new RoomanError('NOT_FOUND', 'Organisation not found');
    const id = randomUUID();
    const queuedAt = this.#clock.now();
    const row = {
      id,
      org_id: org.id,
      channel: input.channel,
      recipient: input.to,
      subject: input.subject ?? null,
      body: input.body,
      created_at: queuedAt,
    };
    const key = options.idempotencyKey;
    const queued = await this.#db.transaction().execute(async (trx) => {
      if (key !== undefined) {
        const keys = new IdempotencyKeyRepository(trx);
        const requestHash = hashRequest(input);
        const claimed = await keys.claim({
          orgId: org.id,
          scope: 'outbox.send',
          key,
          requestHash,
          responseStatus: 201,
          responseBody: { message_id: id },
          now: queuedAt,
        });
        if (!claimed) {
          const stored = await keys.find(org.id, 'outbox.send', key);
          if (stored?.requestHash !== requestHash) {
            throw new RoomanError(
              'CONFLICT',
              'This idempotency key was already used for a different message',
            );
          }
          return { replayed: (stored.body as { message_id: string }).message_id };
        }
      }
      await new OutboxRepository(trx).enqueue(row);
      return { replayed: undefined };
    });
    if (queued.replayed) {
      const stored = await new OutboxRepository(this.#db).findById(org.id, queued.replayed);
      return { message_id: queued.replayed, status: stored?.status ?? 'QUEUED' };
    }
    // Delivery to the outbox is the log itself: shown, then marked sent.
    const sentAt = this.#clock.now();
    if (this.#blocks) {
      this.#logger.info(
        { event: 'outbox.message_sent', message_id: id, channel: input.channel },
        textBlock(`✉️ MESSAGE SENT (${CHANNEL_NAMES[input.channel]})`, [
          ['Message ID', id],
          ['Channel', input.channel],
          ['To', input.to],
          ...(input.subject ? ([['Subject', input.subject]] as [string, string][]) : []),
          ['Message', input.body],
          ['Status', 'SENT'],
          ['Sent At', toZonedIso(sentAt, org.timeZone, true)],
        ]),
      );
    }
    await new OutboxRepository(this.#db).markSent(org.id, id, sentAt);
    return { message_id: id, status: 'SENT' };
  }
}
