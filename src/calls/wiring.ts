/**
 * Outbound calling, wired into a server: the Twilio client from the config, the routes, and the dialler job on
 * this instance. Without a Twilio account the routes still answer (calls are refused with what to configure) and
 * no dialler runs.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/logger.ts';
import type { Clock } from '../core/time.ts';
import { registerCallRoutes } from '../http/routes/calls.ts';
import { createTwilioClient } from '../integrations/twilio/client.ts';
import { type CallDispatcherJob, startCallDispatcher } from '../jobs/call-dispatcher.ts';
import type { CallOpening } from '../session/voice-sessions.ts';
import type { CallRecord } from '../store/calls.ts';
import type { Database } from '../store/database.ts';
import type { OrganisationRepository } from '../store/organisations.ts';
import type { TranscriptRepository } from '../store/transcripts.ts';
import { CallRequestRepository } from './call-requests.ts';
import { CallDispatcher } from './dispatcher.ts';
import { OutboundCalls } from './outbound.ts';

export interface OutboundCallingDeps {
  config: Pick<Config, 'twilio' | 'publicUrl' | 'timeZone'> & Partial<Pick<Config, 'outboundCalls'>>;
  db: Database['db'];
  resolveOrg: (request: FastifyRequest) => Promise<string>;
  transcripts: TranscriptRepository;
  orgs: OrganisationRepository;
  logger: Logger;
  clock: Clock;
  /** False: no dialler job on this instance (tests drive `dispatcher.tick()` themselves). */
  autoDial?: boolean;
}

export interface OutboundCalling {
  outbound: OutboundCalls;
  dispatcher: CallDispatcher;
  /** registerTwilio's `answer` hook: an agent's greeting said by Twilio (`<Say>`), for calls with no voice. */
  answer(call: CallRecord): Promise<string | null>;
  /** How the session of a call opens: the agent's greeting, the line's numbers, the call's context. */
  opening(call: CallRecord): Promise<CallOpening>;
  /** Stops this instance's dialler (calls in progress go on at Twilio; other instances settle them). */
  stop(): Promise<void>;
}

export function startOutboundCalling(app: FastifyInstance, deps: OutboundCallingDeps): OutboundCalling {
  const { config, logger } = deps;
  const client = config.twilio
    ? createTwilioClient({
        accountSid: config.twilio.accountSid,
        authToken: config.twilio.authToken,
        apiBaseUrl: config.twilio.apiBaseUrl,
      })
    : null;
  const outbound = new OutboundCalls({
    db: deps.db,
    client,
    fromNumber: config.twilio?.phoneNumber,
    publicUrl: config.publicUrl,
    ...(config.outboundCalls ? { ringTimeoutSeconds: config.outboundCalls.ringTimeoutSeconds } : {}),
    logger,
    clock: deps.clock,
  });
  const dispatcher = new CallDispatcher({ db: deps.db, outbound, logger, clock: deps.clock });
  const job: CallDispatcherJob | undefined =
    client && deps.autoDial !== false
      ? startCallDispatcher({
          dispatcher,
          logger,
          ...(config.outboundCalls ? { intervalMs: config.outboundCalls.dialIntervalMs } : {}),
        })
      : undefined;
  registerCallRoutes(app, {
    db: deps.db,
    outbound,
    requests: new CallRequestRepository(deps.db),
    transcripts: deps.transcripts,
    orgs: deps.orgs,
    resolveOrg: deps.resolveOrg,
    defaultTimeZone: config.timeZone,
    twilioAuth:
      config.twilio && config.publicUrl
        ? { authToken: config.twilio.authToken, publicUrl: config.publicUrl }
        : undefined,
    poke: () => job?.poke(),
    logger,
    clock: deps.clock,
  });
  return {
    outbound,
    dispatcher,
    answer: (call) => outbound.answer(call),
    opening: (call) => outbound.opening(call),
    stop: async () => job?.stop(),
  };
}
