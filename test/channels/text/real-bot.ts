/** The bot as the product runs it, for end-to-end tests: the real understanding engine and the built-in CRM. */
import { tmpdir } from 'node:os';
import { LocalBrain } from '../../../src/brains/local/local-brain.ts';
import { BotService } from '../../../src/channels/text/bot-service.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import type { Clock } from '../../../src/core/time.ts';
import { BuiltinCrm } from '../../../src/crm/builtin-crm.ts';
import { BotSessionRepository } from '../../../src/store/bot-session-repository.ts';
import type { Database } from '../../../src/store/database.ts';
import { OrganisationRepository } from '../../../src/store/organisations.ts';
import { createUnderstandingEngine } from '../../../src/understanding/engine.ts';

export function realBot(database: Database, clock: Clock): { bot: BotService; crm: BuiltinCrm } {
  const crm = new BuiltinCrm({
    db: database.db,
    kind: database.kind,
    logger: silentLogger,
    dataDir: tmpdir(),
    csvLogs: false,
    clock,
  });
  const orgs = new OrganisationRepository(database.db);
  const bot = new BotService({
    brain: new LocalBrain({ understander: createUnderstandingEngine() }),
    sessions: new BotSessionRepository(database.db),
    crmFor: (orgId) => crm.gatewayFor(orgId),
    timeZone: async (orgId) => (await orgs.findById(orgId))?.timeZone ?? 'Asia/Kolkata',
    clock,
  });
  return { bot, crm };
}
