/**
 * The messages API, org-scoped by API key like the rest:
 *
 *   GET  /api/messages                 newest first; filters status, channel, scheduled; limit/offset
 *   GET  /api/messages/:id             one message with its delivery status, attempts and last error
 *   POST /api/messages                 send now or at `send_at`; `body` or a `template` with variables
 *   POST /api/messages/:id/cancel      withdraw a message still queued (a scheduled one, or one waiting to retry)
 *   POST /api/messages/:id/retry       queue a failed message again (after reconnecting an account, say)
 *   GET  /api/message-templates        the templates and their variables
 *   GET  /api/message-channels         who delivers each channel (`outbox` when no account is configured)
 *
 * A bad address, phone, chat id, past time or template variable is a 400 naming the field; nothing is queued.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { RoomanError } from '../../core/errors.ts';
import { MessageStatus, SendMessageInput } from '../../core/messages.ts';
import { type Clock, systemClock, toZonedIso } from '../../core/time.ts';
import { CHANNELS, Channel } from '../../core/understanding.ts';
import { parseWith } from '../../core/validation.ts';
import type { OutboxSender } from '../../integrations/messaging/outbox-sender.ts';
import { describeTemplates, renderTemplate, TemplateRef } from '../../messages/templates.ts';
import { OrganisationRepository } from '../../store/organisations.ts';
import { type OutboxMessageRow, OutboxRepository } from '../../store/outbox.ts';
import type { Schema } from '../../store/schema.ts';

export interface MessageRoutesOptions {
  db: Kysely<Schema>;
  sender: OutboxSender;
  /** The organisation a request acts for (src/http/org.ts createOrgResolver). */
  resolveOrg: (request: FastifyRequest) => Promise<string>;
  clock?: Clock;
  /** Who delivers each channel here (`outbox` for one with no account configured), for the page. */
  providers?: Record<Channel, string>;
}

const MessageListQuery = z.strictObject({
  status: MessageStatus.optional(),
  channel: Channel.optional(),
  scheduled: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

const MessageParams = z.object({ id: z.string() });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The POST body: SendMessageInput's fields, with `body`/`subject` optional when a template gives them. */
const PostMessageBody = z
  .strictObject({
    channel: z.unknown(),
    to: z.unknown(),
    body: z.unknown().optional(),
    subject: z.unknown().optional(),
    send_at: z.unknown().optional(),
    template: TemplateRef.optional(),
  })
  .refine((v) => (v.body === undefined) !== (v.template === undefined), {
    message: 'give either body or template',
    path: ['body'],
  });

const IdempotencyHeader = z.string().trim().min(1).max(200);

export function messageJson(row: OutboxMessageRow, tz: string) {
  const at = (d: Date | null) => (d ? toZonedIso(d, tz) : null);
  return {
    id: row.id,
    channel: row.channel,
    to: row.recipient,
    subject: row.subject,
    body: row.body,
    status: row.status,
    scheduled: row.send_at !== null,
    send_at: at(row.send_at),
    created_at: at(row.created_at),
    sent_at: at(row.sent_at),
    /** When the next attempt is due, while it is waiting. */
    next_attempt_at: row.status === 'QUEUED' ? at(row.due_at) : null,
    attempts: row.attempts,
    last_error: row.last_error,
    provider: row.provider,
    provider_message_id: row.provider_message_id,
  };
}

export function registerMessageRoutes(app: FastifyInstance, options: MessageRoutesOptions): void {
  const outbox = new OutboxRepository(options.db);
  const orgs = new OrganisationRepository(options.db);
  const clock = options.clock ?? systemClock;
  const zoneOf = async (orgId: string) => (await orgs.findById(orgId))?.timeZone ?? 'UTC';
  const find = async (orgId: string, id: string) => {
    const row = UUID.test(id) ? await outbox.findById(orgId, id) : undefined;
    if (!row) throw new RoomanError('NOT_FOUND', `No message ${id}`, { field: 'id' });
    return row;
  };

  app.get('/api/messages', async (request) => {
    const orgId = await options.resolveOrg(request);
    const query = parseWith(MessageListQuery, request.query, 'query');
    const [page, tz] = await Promise.all([
      outbox.page(orgId, {
        status: query.status,
        channel: query.channel,
        scheduled: query.scheduled === undefined ? undefined : query.scheduled === 'true',
        limit: query.limit,
        offset: query.offset,
      }),
      zoneOf(orgId),
    ]);
    return {
      messages: page.items.map((r) => messageJson(r, tz)),
      total: page.total,
      limit: query.limit,
      offset: query.offset,
    };
  });

  app.get('/api/messages/:id', async (request) => {
    const orgId = await options.resolveOrg(request);
    const { id } = parseWith(MessageParams, request.params, 'path');
    return messageJson(await find(orgId, id), await zoneOf(orgId));
  });

  app.post('/api/messages', async (request, reply) => {
    const orgId = await options.resolveOrg(request);
    const raw = parseWith(PostMessageBody, request.body);
    const tz = await zoneOf(orgId);
    const { template, ...fields } = raw;
    const rendered = template ? renderTemplate(template, tz) : undefined;
    const input = parseWith(SendMessageInput, {
      ...fields,
      // A template's subject is an e-mail's; the chat channels would only repeat the body's first line.
      ...(rendered
        ? {
            body: rendered.body,
            ...(fields.subject !== undefined || fields.channel === 'email'
              ? { subject: fields.subject ?? rendered.subject }
              : {}),
          }
        : {}),
    });
    const header = request.headers['idempotency-key'];
    const key = header === undefined ? undefined : parseWith(IdempotencyHeader, header, 'header');
    const sent = await options.sender.send(orgId, input, key ? { idempotencyKey: key } : {});
    const row = await find(orgId, sent.message_id);
    return reply.status(201).send(messageJson(row, tz));
  });

  app.post('/api/messages/:id/cancel', async (request) => {
    const orgId = await options.resolveOrg(request);
    const { id } = parseWith(MessageParams, request.params, 'path');
    const row = await find(orgId, id);
    const cancelled = await outbox.cancel(orgId, row.id, clock.now());
    if (!cancelled) {
      const now = await find(orgId, id);
      throw new RoomanError(
        'CONFLICT',
        `Message ${id} is ${now.status}; only a queued message can be cancelled`,
        {
          field: 'status',
        },
      );
    }
    return messageJson(cancelled, await zoneOf(orgId));
  });

  app.post('/api/messages/:id/retry', async (request) => {
    const orgId = await options.resolveOrg(request);
    const { id } = parseWith(MessageParams, request.params, 'path');
    const row = await find(orgId, id);
    const queued = await outbox.retry(orgId, row.id, clock.now());
    if (!queued) {
      throw new RoomanError(
        'CONFLICT',
        `Message ${id} is ${row.status}; only a failed message can be retried`,
        {
          field: 'status',
        },
      );
    }
    return messageJson(queued, await zoneOf(orgId));
  });

  app.get('/api/message-templates', async () => ({ templates: describeTemplates() }));

  app.get('/api/message-channels', async () => ({
    channels: CHANNELS.map((channel) => {
      const provider = options.providers?.[channel] ?? 'outbox';
      return { channel, provider, configured: provider !== 'outbox' };
    }),
  }));
}
