/**
 * The composition root of the server: reads nothing from the environment (the config is given), builds every part
 * once and wires them together. `rooman start`, the browser tests and the benches all start Rooman through here.
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { LocalBrain } from './brains/local/local-brain.ts';
import { ALL_TASKS } from './brains/local/tasks/index.ts';
import { BotService } from './channels/text/bot-service.ts';
import type { Config } from './core/config.ts';
import type { CrmGatewayFor } from './core/crm.ts';
import type { Logger } from './core/logger.ts';
import { type Clock, systemClock } from './core/time.ts';
import { BuiltinCrm } from './crm/builtin-crm.ts';
import { createHttpApp } from './http/app.ts';
import { createOrgResolver } from './http/org.ts';
import { registerBotRoutes } from './http/routes/bot.ts';
import { registerCrmRoutes } from './http/routes/crm.ts';
import { registerHealthRoutes } from './http/routes/health.ts';
import { registerWebRoutes } from './http/routes/web.ts';
import { BuiltinCalendar } from './integrations/calendar/builtin-calendar.ts';
import { HttpCrmGateway } from './integrations/crm/http-crm-gateway.ts';
import { OutboxSender } from './integrations/messaging/outbox-sender.ts';
import { startHousekeeping } from './jobs/housekeeping.ts';
import { BotSessionRepository } from './store/bot-session-repository.ts';
import { type Database, openDatabase } from './store/database.ts';
import { migrateToLatest } from './store/migrate.ts';
import {
  ensureDefaultOrganisation,
  type Organisation,
  OrganisationRepository,
} from './store/organisations.ts';
import { crmTools } from './tools/crm-tools.ts';
import { meetingTools } from './tools/meeting-tools.ts';
import { messageTools } from './tools/message-tools.ts';
import { createUnderstandingEngine } from './understanding/engine.ts';
import { VERSION } from './version.ts';

export { VERSION } from './version.ts';

export interface BuildOptions {
  logger: Logger;
  clock?: Clock;
  /** Parts of the server to leave out: `rooman crm` serves the CRM API alone. */
  only?: 'crm';
}

export interface Rooman {
  app: FastifyInstance;
  database: Database;
  crm: BuiltinCrm;
  bot: BotService;
  defaultOrg: Organisation;
  /** Where the CRM calls of the bot go: `built-in` or the CRM_BASE_URL. */
  crmLabel: string;
  /** Stops the HTTP server, finishes pending writes, flushes the CSV logs and closes the database. */
  close(): Promise<void>;
}

export async function buildRooman(config: Config, options: BuildOptions): Promise<Rooman> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    const defaultOrg = await ensureDefaultOrganisation(database.db, config.timeZone);

    const crm = new BuiltinCrm({
      db: database.db,
      kind: database.kind,
      logger,
      dataDir: config.dataDir,
      csvLogs: config.csvLogs,
      clock,
    });
    const crmFor = crmGateways(config, crm);
    const orgs = new OrganisationRepository(database.db);
    // Meetings and messages are built in for now: the calendar in the database, messages to the outbox.
    const calendar = new BuiltinCalendar({ db: database.db, logger, clock, blocks: config.csvLogs });
    const outbox = new OutboxSender({ db: database.db, logger, clock, blocks: config.csvLogs });
    const sessions = new BotSessionRepository(database.db);
    const bot = new BotService({
      brain: new LocalBrain({
        understander: createUnderstandingEngine(),
        tools: messageTools(meetingTools(crmTools())),
        tasks: ALL_TASKS,
        logger,
      }),
      sessions,
      crmFor,
      calendarFor: (orgId) => calendar.calendarFor(orgId),
      messagesFor: (orgId) => outbox.senderFor(orgId),
      timeZone: async (orgId) => (await orgs.findById(orgId))?.timeZone ?? config.timeZone,
      clock,
      logger,
    });

    const app = createHttpApp({ logger, bodyLimit: config.bodyLimit });
    const resolveOrg = createOrgResolver({ db: database.db, anonymousOrgId: defaultOrg.id });
    registerHealthRoutes(app, {
      version: VERSION,
      checkDatabase: async () => {
        await sql`select 1`.execute(database.db);
      },
    });
    registerCrmRoutes(app, { crm, resolveOrg });
    if (options.only !== 'crm') {
      registerBotRoutes(app, { bot, resolveOrg });
      registerWebRoutes(app);
    }

    const stopHousekeeping = startHousekeeping({
      targets: {
        purgeExpiredIdempotencyKeys: () => crm.purgeExpiredIdempotencyKeys(),
        deleteIdleSessionsSince: (cutoff) => sessions.deleteIdleSince(cutoff),
      },
      logger,
      clock,
    });

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        await app.close();
        await stopHousekeeping();
        await crm.close();
        await database.close();
      })();
      return closing;
    };
    return {
      app,
      database,
      crm,
      bot,
      defaultOrg,
      crmLabel: config.crmBaseUrl ?? 'built-in',
      close,
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** The bot's CRM: the built-in one in process, or any CRM speaking the seed's API at CRM_BASE_URL. */
function crmGateways(config: Config, crm: BuiltinCrm): CrmGatewayFor {
  if (!config.crmBaseUrl) return (orgId) => crm.gatewayFor(orgId);
  // One client (and so one circuit breaker) for the one external CRM.
  const gateway = new HttpCrmGateway({ baseUrl: config.crmBaseUrl, apiKey: config.crmApiKey });
  return () => gateway;
}
