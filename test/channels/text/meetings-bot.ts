/** The bot as the product runs it, with meetings and messages: real engine, built-in CRM, calendar and outbox. */
import { tmpdir } from 'node:os';
import { LocalBrain } from '../../../src/brains/local/local-brain.ts';
import { ALL_TASKS } from '../../../src/brains/local/tasks/index.ts';
import { BotService } from '../../../src/channels/text/bot-service.ts';
import type { Logger } from '../../../src/core/logger.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import type { Clock } from '../../../src/core/time.ts';
import { BuiltinCrm } from '../../../src/crm/builtin-crm.ts';
import { BuiltinCalendar } from '../../../src/integrations/calendar/builtin-calendar.ts';
import { OutboxSender } from '../../../src/integrations/messaging/outbox-sender.ts';
import { BotSessionRepository } from '../../../src/store/bot-session-repository.ts';
import type { Database } from '../../../src/store/database.ts';
import { OrganisationRepository } from '../../../src/store/organisations.ts';
import { crmTools } from '../../../src/tools/crm-tools.ts';
import { meetingTools } from '../../../src/tools/meeting-tools.ts';
import { messageTools } from '../../../src/tools/message-tools.ts';
import { createUnderstandingEngine } from '../../../src/understanding/engine.ts';

export function meetingsBot(database: Database, clock: Clock, logger: Logger = silentLogger) {
  const crm = new BuiltinCrm({
    db: database.db,
    kind: database.kind,
    logger: silentLogger,
    dataDir: tmpdir(),
    csvLogs: false,
    clock,
  });
  const calendar = new BuiltinCalendar({ db: database.db, logger, clock });
  const outbox = new OutboxSender({ db: database.db, logger, clock });
  const orgs = new OrganisationRepository(database.db);
  const bot = new BotService({
    brain: new LocalBrain({
      understander: createUnderstandingEngine(),
      tools: messageTools(meetingTools(crmTools())),
      tasks: ALL_TASKS,
    }),
    sessions: new BotSessionRepository(database.db),
    crmFor: (orgId) => crm.gatewayFor(orgId),
    calendarFor: (orgId) => calendar.calendarFor(orgId),
    messagesFor: (orgId) => outbox.senderFor(orgId),
    timeZone: async (orgId) => (await orgs.findById(orgId))?.timeZone ?? 'Asia/Kolkata',
    clock,
  });
  return { bot, crm, calendar, outbox };
}
