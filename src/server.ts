/**
 * The composition root of the server: reads nothing from the environment (the config is given), builds every part
 * once and wires them together. `rooman start`, the browser tests and the benches all start Rooman through here.
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { chooseCallBrain } from './brains/gemini-live/call-brain.ts';
import { ALL_TASKS } from './brains/local/tasks/index.ts';
import { createTextBrain } from './brains/select.ts';
import { startOutboundCalling } from './calls/wiring.ts';
import type { ChannelLimits } from './channels/browser/voice-channel.ts';
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
import { registerSessionRoutes } from './http/routes/sessions.ts';
import { registerStatsRoutes } from './http/routes/stats.ts';
import { registerTwilio } from './http/routes/twilio.ts';
import { registerVoiceRoutes } from './http/routes/voice.ts';
import { registerWebRoutes } from './http/routes/web.ts';
import { BuiltinCalendar } from './integrations/calendar/builtin-calendar.ts';
import { createCalendarServices } from './integrations/calendar/services.ts';
import { HttpCrmGateway } from './integrations/crm/http-crm-gateway.ts';
import { createMessaging } from './integrations/messaging/messaging.ts';
import { startHousekeeping } from './jobs/housekeeping.ts';
import { type RoomanMcp, startMcp } from './mcp/wiring.ts';
import { VoiceSessions } from './session/voice-sessions.ts';
import {
  createConfiguredRecognizer,
  createConfiguredSynthesizer,
  createConfiguredVad,
  type VadChoice,
} from './speech/engines.ts';
import type { SpeechRecognizer } from './speech/recognizer.ts';
import type { SpeechSynthesizer } from './speech/synthesizer.ts';
import { BotSessionRepository } from './store/bot-session-repository.ts';
import { type Database, openDatabase } from './store/database.ts';
import { MeetingReminderRepository } from './store/meeting-reminders.ts';
import { migrateToLatest } from './store/migrate.ts';
import { modelUsageRecorder } from './store/model-usage.ts';
import {
  ensureDefaultOrganisation,
  type Organisation,
  OrganisationRepository,
} from './store/organisations.ts';
import { modelCallLimiter, RateLimitRepository } from './store/rate-limits.ts';
import { StatsRepository } from './store/stats.ts';
import { TranscriptRepository, transcriptSink } from './store/transcripts.ts';
import { turnMetricsRecorder } from './store/turn-metrics.ts';
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
  /** Limits of the browser voice channel (tests make them small). */
  voiceLimits?: Partial<ChannelLimits>;
}

export interface Rooman {
  app: FastifyInstance;
  database: Database;
  crm: BuiltinCrm;
  bot: BotService;
  defaultOrg: Organisation;
  /** Where the CRM calls of the bot go: `built-in` or the CRM_BASE_URL. */
  crmLabel: string;
  /** Rooman's tools as MCP (`rooman mcp`, `/mcp`) and the external MCP servers' connections. */
  mcp: RoomanMcp;
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
    // Routes, reminders and the Google connection of the calendar (src/integrations/calendar/services.ts).
    const calendarServices = await createCalendarServices({ config, db: database.db, logger, clock });
    const calendar = new BuiltinCalendar({
      db: database.db,
      logger,
      clock,
      blocks: config.csvLogs,
      onWrite: calendarServices.onWrite,
    });
    const messaging = createMessaging(config, {
      db: database.db,
      logger,
      clock,
      ...(calendarServices.gmail ? { gmail: calendarServices.gmail } : {}),
    });
    const outbox = messaging.outbox;
    const sessions = new BotSessionRepository(database.db);
    // The brains' tools; external MCP servers' tools join them once connected (startMcp below).
    const tools = messageTools(meetingTools(crmTools()));
    // One brain for typed turns and calls alike; ROOMAN_BRAIN picks the built-in engine or a language model.
    const brain = createTextBrain(config, {
      understander: createUnderstandingEngine(),
      tools,
      tasks: ALL_TASKS,
      logger,
      // Counted per organisation in the database, so every instance spends from one budget.
      allowModelCall: modelCallLimiter(
        new RateLimitRepository(database.db),
        { limit: config.modelCallsPerMinute, windowMs: 60_000 },
        clock,
      ),
    });
    const timeZoneOf = async (orgId: string) => (await orgs.findById(orgId))?.timeZone ?? config.timeZone;
    const usageFor = modelUsageRecorder(database.db, {
      now: () => clock.now(),
      onError: (err, turnOf) => logger.warn({ err, ...turnOf }, "a turn's model usage was not stored"),
    });
    const bot = new BotService({
      brain,
      sessions,
      usageFor,
      crmFor,
      calendarFor: (orgId) => calendar.calendarFor(orgId),
      messagesFor: (orgId) => outbox.senderFor(orgId),
      timeZone: timeZoneOf,
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
    let stopOutboundCalls = async () => {};
    if (options.only !== 'crm') {
      registerBotRoutes(app, { bot, resolveOrg });
      registerWebRoutes(app);
      calendarServices.register(app, { calendar, resolveOrg });
      const transcripts = new TranscriptRepository(database.db);
      registerSessionRoutes(app, { transcripts, resolveOrg });
      // The dashboard's figures (web/dashboard.html).
      registerStatsRoutes(app, { stats: new StatsRepository(database.db), resolveOrg, timeZoneOf, clock });
      messaging.registerRoutes(app, resolveOrg);
      // Outbound phone calls, campaigns and scheduled calls (src/calls); its dialler runs on every instance.
      const outboundCalling = startOutboundCalling(app, {
        config,
        db: database.db,
        resolveOrg,
        transcripts,
        orgs,
        logger,
        clock,
      });
      stopOutboundCalls = outboundCalling.stop;
      // ROOMAN_BRAIN=gemini-live: calls are speech-to-speech (src/brains/gemini-live); otherwise the cascade.
      const realtime = chooseCallBrain(config, { db: database.db, tools, clock, logger });
      // A speech-to-speech model hears the caller itself: no recognizer is loaded for it.
      const speech = lazySpeech(config, logger, { recognizer: realtime === undefined });
      // Calls share what the text bot has (one brain, the org's CRM, calendar, messages, zone) plus the engines.
      let opening: Promise<{ sessions: VoiceSessions; speechIn: boolean; speechOut: boolean }> | undefined;
      const voiceSessions = () =>
        (opening ??= speech().then(({ recognizer, synthesizer, vad }) => ({
          sessions: new VoiceSessions({
            brain,
            crmFor,
            calendarFor: (orgId) => calendar.calendarFor(orgId),
            messagesFor: (orgId) => outbox.senderFor(orgId),
            timeZone: timeZoneOf,
            ...(recognizer ? { recognizer } : {}),
            ...(synthesizer ? { synthesizer } : {}),
            ...(vad ? { createVad: vad.create } : {}),
            endpointer: {
              silenceMs: config.voice.endpointSilenceMs,
              incompleteSilenceMs: config.voice.endpointIncompleteSilenceMs,
            },
            transcriptFor: (orgId, sessionId) => transcriptSink(transcripts, orgId, sessionId),
            metricsFor: turnMetricsRecorder(database.db, {
              now: () => clock.now(),
              onError: (err, call) =>
                logger.warn({ err, ...call }, "voice: a turn's metrics were not stored"),
            }),
            usageFor,
            clock,
            ...(realtime ? { realtime } : {}),
          }),
          speechIn: recognizer !== undefined || realtime !== undefined,
          // A call with a voice says its agent's greeting itself; without one, Twilio's <Say> does.
          speechOut: synthesizer !== undefined || realtime !== undefined,
        })));
      await registerVoiceRoutes(app, {
        resolveOrg,
        logger,
        ...(options.voiceLimits ? { limits: options.voiceLimits } : {}),
        openCall: async (orgId) => {
          const { sessions, speechIn } = await voiceSessions();
          // The organisation's default agent greets browser callers as it greets phone callers.
          const { greeting } = await outboundCalling.outbound.agents.resolve(orgId, undefined);
          return { session: await sessions.open(orgId, 'browser', greeting ? { greeting } : {}), speechIn };
        },
      });
      // Phone calls: Twilio's webhooks and media streams, on the same sessions as browser calls.
      await registerTwilio(app, {
        db: database.db,
        logger,
        twilio: config.twilio,
        publicUrl: config.publicUrl,
        defaultOrgId: defaultOrg.id,
        // The session says the agent's greeting in its own voice; Twilio's <Say> only when calls have none.
        answer: async (call) => ((await voiceSessions()).speechOut ? null : outboundCalling.answer(call)),
        openSession: async (orgId, sessionId, call) =>
          (await voiceSessions()).sessions.open(orgId, 'twilio', {
            sessionId,
            ...(await outboundCalling.opening(call)),
          }),
      });
    }

    // MCP: Rooman's tools at /mcp (and for `rooman mcp`), external MCP servers' tools for the brains.
    const mcp = startMcp({
      ...(options.only !== 'crm' ? { app } : {}),
      resolveOrg,
      publicUrl: config.publicUrl,
      servers: options.only !== 'crm' ? config.mcp.servers : [],
      registry: tools,
      logger,
      contextFor: async (orgId, call) => ({
        crm: crmFor(orgId),
        calendar: calendar.calendarFor(orgId),
        messages: outbox.senderFor(orgId),
        now: clock.now(),
        timeZone: await timeZoneOf(orgId),
        ...call,
      }),
    });

    const stopMessaging = options.only === 'crm' ? async () => {} : messaging.startDispatcher();
    const stopCalendar =
      options.only === 'crm'
        ? async () => {}
        : calendarServices.start({ messagesFor: (orgId) => outbox.senderFor(orgId) });
    const stopHousekeeping = startHousekeeping({
      targets: {
        purgeExpiredIdempotencyKeys: () => crm.purgeExpiredIdempotencyKeys(),
        deleteIdleSessionsSince: (cutoff) => sessions.deleteIdleSince(cutoff),
        purgeRateLimitWindowsBefore: (cutoff) => new RateLimitRepository(database.db).purgeBefore(cutoff),
        purgeMeetingRemindersBefore: (cutoff) =>
          new MeetingReminderRepository(database.db).purgeOccurrencesBefore(cutoff),
      },
      logger,
      clock,
    });

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        await app.close();
        await stopOutboundCalls();
        await mcp.close();
        await stopHousekeeping();
        await stopMessaging();
        await stopCalendar();
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
      mcp,
      close,
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/**
 * The speech engines, built once on the first call (loading a model costs a second; servers that never take a
 * call never pay it). A missing STT model is not an error: calls then take typed text only, and the log says so.
 */
function lazySpeech(config: Config, logger: Logger, want = { recognizer: true }) {
  let loading:
    | Promise<{ recognizer?: SpeechRecognizer; synthesizer?: SpeechSynthesizer; vad?: VadChoice }>
    | undefined;
  const settings = { modelsDir: config.modelsDir, stt: config.stt, tts: config.tts };
  const load = async () => {
    let recognizer: SpeechRecognizer | undefined;
    let synthesizer: SpeechSynthesizer | undefined;
    try {
      recognizer = want.recognizer ? await createConfiguredRecognizer(settings) : undefined;
      if (!recognizer && want.recognizer)
        logger.warn(
          { modelsDir: config.modelsDir },
          'voice: no speech-recognition model installed; calls take typed text only (rooman models pull sherpa-kws-zipformer-gigaspeech-3.3M)',
        );
    } catch (error) {
      logger.error({ err: error }, 'voice: the speech recognizer did not load; calls take typed text only');
    }
    try {
      synthesizer = await createConfiguredSynthesizer(settings);
    } catch (error) {
      logger.error({ err: error }, 'voice: the speech synthesizer did not load; replies are text only');
    }
    let vad: VadChoice | undefined;
    try {
      const { vad: kind, vadThreshold: threshold, energyMarginDb } = config.voice;
      vad = await createConfiguredVad({ modelsDir: config.modelsDir, vad: kind, threshold, energyMarginDb });
      logger.info({ vad: vad.kind }, 'voice: voice activity detection');
    } catch (error) {
      logger.error({ err: error }, 'voice: the Silero VAD did not load; calls use the energy VAD');
    }
    return {
      ...(recognizer ? { recognizer } : {}),
      ...(synthesizer ? { synthesizer } : {}),
      ...(vad ? { vad } : {}),
    };
  };
  return () => {
    loading ??= load();
    return loading;
  };
}

/** The bot's CRM: the built-in one in process, or any CRM speaking the seed's API at CRM_BASE_URL. */
function crmGateways(config: Config, crm: BuiltinCrm): CrmGatewayFor {
  if (!config.crmBaseUrl) return (orgId) => crm.gatewayFor(orgId);
  // One client (and so one circuit breaker) for the one external CRM.
  const gateway = new HttpCrmGateway({ baseUrl: config.crmBaseUrl, apiKey: config.crmApiKey });
  return () => gateway;
}
