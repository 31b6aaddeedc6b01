/**
 * `POST /twilio/sms/status`: Twilio's delivery reports for the SMS we sent (StatusCallback). Signed like every Twilio
 * webhook (X-Twilio-Signature over the public URL and the form); an `undelivered` or `failed` report turns the
 * message FAILED with Twilio's error code, so "sent" on the messages page means Twilio did not report it lost.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import twilio from 'twilio';
import { z } from 'zod';
import type { Logger } from '../../core/logger.ts';
import { type Clock, systemClock } from '../../core/time.ts';
import { SMS_STATUS_PATH } from '../../integrations/messaging/twilio-sms.ts';
import { OutboxRepository } from '../../store/outbox.ts';
import type { Schema } from '../../store/schema.ts';

export interface SmsStatusRouteOptions {
  db: Kysely<Schema>;
  logger: Logger;
  /** The account whose signature the reports carry, and the public origin they were sent to. */
  authToken: string;
  publicUrl: string;
  clock?: Clock;
}

const Report = z.object({
  MessageSid: z.string().min(1).max(64),
  MessageStatus: z.string().min(1).max(32),
  ErrorCode: z.string().max(16).optional(),
});
const ReportQuery = z.object({ message: z.uuid() });

/** Twilio's words for the codes an SMS most often ends with. */
const ERRORS: Record<string, string> = {
  '30003': 'unreachable destination handset',
  '30004': 'message blocked',
  '30005': 'unknown destination handset',
  '30006': 'landline or unreachable carrier',
  '30007': 'filtered as spam by the carrier',
  '30008': 'unknown error',
};

export function registerSmsStatusRoute(app: FastifyInstance, options: SmsStatusRouteOptions): void {
  const outbox = new OutboxRepository(options.db);
  const clock = options.clock ?? systemClock;
  const log = options.logger.child({ component: 'messages' });
  void app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    scope.post(SMS_STATUS_PATH, async (request, reply) => {
      const form = (request.body ?? {}) as Record<string, string>;
      const url = `${options.publicUrl}${request.url}`;
      const signature = request.headers['x-twilio-signature'];
      if (typeof signature !== 'string' || !twilio.validateRequest(options.authToken, signature, url, form)) {
        log.warn({ url, ip: request.ip }, 'SMS status report refused: X-Twilio-Signature missing or wrong');
        return reply.status(403).send({
          error: { type: 'UNAUTHORIZED', details: 'X-Twilio-Signature is missing or does not match' },
        });
      }
      const report = Report.safeParse(form);
      const query = ReportQuery.safeParse(request.query);
      // Twilio does not resend a report we refuse, so an unreadable one is logged and acknowledged.
      if (!report.success || !query.success) {
        log.warn({ form, query: request.query }, 'SMS status report without a message or status');
        return reply.status(204).send();
      }
      const { MessageStatus: status, ErrorCode: code, MessageSid: sid } = report.data;
      if (status === 'undelivered' || status === 'failed') {
        const reason = `Twilio reported the SMS ${status}${code ? ` (error ${code}${ERRORS[code] ? `: ${ERRORS[code]}` : ''})` : ''}`;
        const changed = await outbox.markUndelivered(query.data.message, clock.now(), reason);
        log.warn(
          { event: 'message.undelivered', message_id: query.data.message, sid, code, changed },
          reason,
        );
      }
      return reply.status(204).send();
    });
  });
}
