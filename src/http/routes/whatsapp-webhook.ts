/**
 * `GET|POST /whatsapp/webhook`: Meta's webhook for the WhatsApp Business Cloud API, for delivery reports.
 *
 * - GET is the subscription handshake: `hub.mode=subscribe`, `hub.verify_token` (must equal WHATSAPP_VERIFY_TOKEN)
 *   and `hub.challenge`, answered with the challenge as plain text; any other token gets 403.
 * - POST carries notifications, signed: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app
 *   secret>`. Unsigned or wrongly signed requests are refused (403) and logged. A signed one is always answered 200
 *   (Meta retries anything else and in the end disables the webhook), whatever it holds.
 * - `entry[].changes[].value.statuses[]` reports each message we sent by its `wamid`: `failed` turns the message
 *   FAILED with Meta's error (code, title, details), so "sent" on the messages page means WhatsApp did not report it
 *   lost; `sent`, `delivered` and `read` are logged. Inbound messages (`value.messages`) are not handled: Rooman does
 *   not hold WhatsApp conversations.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Logger } from '../../core/logger.ts';
import { type Clock, systemClock } from '../../core/time.ts';
import { OutboxRepository } from '../../store/outbox.ts';
import type { Schema } from '../../store/schema.ts';

export const WHATSAPP_WEBHOOK_PATH = '/whatsapp/webhook';

export interface WhatsAppWebhookOptions {
  db: Kysely<Schema>;
  logger: Logger;
  /** The Meta app's secret: what the POST signatures are made with. */
  appSecret: string;
  /** The token set in Meta's webhook settings, echoed in the GET handshake. */
  verifyToken: string;
  clock?: Clock;
  /** The provider name the WhatsApp client records on what it sent (src/integrations/messaging/whatsapp.ts). */
  provider?: string;
}

const Handshake = z.object({
  'hub.mode': z.literal('subscribe'),
  'hub.verify_token': z.string().min(1).max(256),
  'hub.challenge': z.string().min(1).max(256),
});

const MetaError = z.object({
  code: z.number().optional(),
  title: z.string().max(500).optional(),
  message: z.string().max(500).optional(),
  error_data: z.object({ details: z.string().max(1000).optional() }).optional(),
});

const Status = z.object({
  id: z.string().min(1).max(256),
  status: z.string().min(1).max(32),
  timestamp: z.string().max(20).optional(),
  recipient_id: z.string().max(32).optional(),
  errors: z.array(MetaError).max(10).optional(),
});

const Notification = z.object({
  object: z.string(),
  entry: z
    .array(
      z.object({
        id: z.string().optional(),
        changes: z
          .array(
            z.object({
              field: z.string(),
              value: z.object({ statuses: z.array(Status).max(1000).optional() }).loose(),
            }),
          )
          .max(100),
      }),
    )
    .max(100),
});

type MetaErrorShape = z.infer<typeof MetaError>;

/** Meta's words for why a message was lost: "131026 Message undeliverable: …". */
export function describeMetaError(error: MetaErrorShape | undefined): string {
  if (!error) return 'WhatsApp reported the message failed';
  const details = error.error_data?.details ?? error.message;
  const what = [error.code, error.title].filter((p) => p !== undefined).join(' ');
  return `WhatsApp reported the message failed${what ? ` (${what}${details ? `: ${details}` : ''})` : ''}`.slice(
    0,
    500,
  );
}

/** `sha256=<hex>` over the raw body with the app secret, compared in constant time. */
export function validMetaSignature(appSecret: string, rawBody: Buffer, header: unknown): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', appSecret).update(rawBody).digest('hex'));
  const given = Buffer.from(header.slice('sha256='.length).toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function sameSecret(a: string, b: string): boolean {
  const x = createHmac('sha256', 'compare').update(a).digest();
  const y = createHmac('sha256', 'compare').update(b).digest();
  return timingSafeEqual(x, y);
}

export function registerWhatsAppWebhook(app: FastifyInstance, options: WhatsAppWebhookOptions): void {
  const outbox = new OutboxRepository(options.db);
  const clock = options.clock ?? systemClock;
  const provider = options.provider ?? 'whatsapp';
  const log = options.logger.child({ component: 'messages' });
  void app.register(async (scope) => {
    // The signature covers the exact bytes Meta sent: keep them, parse after checking.
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );

    scope.get(WHATSAPP_WEBHOOK_PATH, async (request, reply) => {
      const handshake = Handshake.safeParse(request.query);
      if (!handshake.success || !sameSecret(handshake.data['hub.verify_token'], options.verifyToken)) {
        log.warn({ ip: request.ip }, 'WhatsApp webhook handshake refused: wrong or missing hub.verify_token');
        return reply.status(403).send({
          error: {
            type: 'UNAUTHORIZED',
            details: 'hub.mode=subscribe and the configured hub.verify_token are required',
          },
        });
      }
      return reply.type('text/plain').send(handshake.data['hub.challenge']);
    });

    scope.post(WHATSAPP_WEBHOOK_PATH, async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (!validMetaSignature(options.appSecret, raw, request.headers['x-hub-signature-256'])) {
        log.warn({ ip: request.ip }, 'WhatsApp webhook refused: X-Hub-Signature-256 missing or wrong');
        return reply.status(403).send({
          error: { type: 'UNAUTHORIZED', details: 'X-Hub-Signature-256 is missing or does not match' },
        });
      }
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        json = undefined;
      }
      const notification = Notification.safeParse(json);
      if (!notification.success) {
        log.warn(
          { issue: notification.error?.issues[0] },
          'WhatsApp webhook: a signed notification we cannot read',
        );
        return reply.status(200).send({ ok: true });
      }
      for (const entry of notification.data.entry)
        for (const change of entry.changes)
          for (const status of change.value.statuses ?? []) {
            if (status.status !== 'failed') {
              log.debug({ wamid: status.id, status: status.status }, 'WhatsApp delivery report');
              continue;
            }
            const reason = describeMetaError(status.errors?.[0]);
            const marked = await outbox.markUndeliveredByProviderId(provider, status.id, clock.now(), reason);
            log.warn(
              {
                event: 'message.undelivered',
                wamid: status.id,
                message_id: marked?.id,
                org_id: marked?.orgId,
              },
              marked ? reason : `${reason} (no sent message has this wamid)`,
            );
          }
      return reply.status(200).send({ ok: true });
    });
  });
}
