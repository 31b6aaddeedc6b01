/**
 * Messaging as the server assembles it: the channel clients from the configuration, the one OutboxSender every
 * brain, tool and API call sends through, the messages API, and the dispatcher job that sends scheduled messages
 * and retries. The composition root calls this and nothing else of messaging.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import type { Clock } from '../../core/time.ts';
import { CHANNELS, type Channel } from '../../core/understanding.ts';
import { registerMessageRoutes } from '../../http/routes/messages.ts';
import { registerSmsStatusRoute } from '../../http/routes/twilio-sms-status.ts';
import { registerWhatsAppWebhook } from '../../http/routes/whatsapp-webhook.ts';
import { startMessageDispatcher } from '../../jobs/message-dispatcher.ts';
import type { Schema } from '../../store/schema.ts';
import { buildChannelClients, type ChannelDeps, describeChannels } from './channels.ts';
import { OutboxSender } from './outbox-sender.ts';

export interface MessagingDeps extends ChannelDeps {
  db: Kysely<Schema>;
  logger: Logger;
  clock: Clock;
}

export interface Messaging {
  outbox: OutboxSender;
  registerRoutes(app: FastifyInstance, resolveOrg: (request: FastifyRequest) => Promise<string>): void;
  /** Starts the dispatcher job; the returned function stops it (waiting for sends under way). */
  startDispatcher(): () => Promise<void>;
}

export function createMessaging(config: Config, deps: MessagingDeps): Messaging {
  const channels = buildChannelClients(config, deps);
  if (config.messaging.email?.via === 'gmail' && !deps.gmail)
    deps.logger.warn(
      'messages: ROOMAN_EMAIL_VIA=gmail but no Google connection is wired; e-mail goes to the outbox',
    );
  deps.logger.info({ channels: describeChannels(channels) }, 'messages: channels');
  const outbox = new OutboxSender({
    db: deps.db,
    logger: deps.logger,
    clock: deps.clock,
    blocks: config.csvLogs,
    channels,
  });
  return {
    outbox,
    registerRoutes: (app, resolveOrg) => {
      const providers = Object.fromEntries(
        CHANNELS.map((c) => [c, channels[c]?.provider ?? 'outbox']),
      ) as Record<Channel, string>;
      registerMessageRoutes(app, { db: deps.db, sender: outbox, resolveOrg, clock: deps.clock, providers });
      if (config.twilio && config.publicUrl)
        registerSmsStatusRoute(app, {
          db: deps.db,
          logger: deps.logger,
          authToken: config.twilio.authToken,
          publicUrl: config.publicUrl,
          clock: deps.clock,
        });
      const whatsappWebhook = config.messaging.whatsapp?.webhook;
      if (whatsappWebhook)
        registerWhatsAppWebhook(app, {
          db: deps.db,
          logger: deps.logger,
          ...whatsappWebhook,
          clock: deps.clock,
          provider: channels.whatsapp?.provider,
        });
    },
    startDispatcher: () => startMessageDispatcher({ dispatcher: outbox.dispatcher, logger: deps.logger }),
  };
}
