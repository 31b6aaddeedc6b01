/**
 * The calendar's wiring for the server: the HTTP routes (meetings, feeds, Google connect), the reminder job, and,
 * when a Google OAuth client is configured, the Google connection (also lent to the Gmail channel) and its sync
 * job. The server calls `createCalendarServices` once, gives `onWrite` to the BuiltinCalendar, then `register` and
 * `start`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import type { MessageSenderFor } from '../../core/messages.ts';
import type { Clock } from '../../core/time.ts';
import { registerCalendarRoutes } from '../../http/routes/calendar.ts';
import { registerOAuthRoutes } from '../../http/routes/oauth.ts';
import { startCalendarSync } from '../../jobs/calendar-sync.ts';
import { startReminders } from '../../jobs/reminders.ts';
import type { Schema } from '../../store/schema.ts';
import { GoogleCalendarSync } from '../google/calendar-sync.ts';
import { GoogleConnections } from '../google/connections.ts';
import { SecretBox } from '../google/secret-box.ts';
import type { BuiltinCalendar } from './builtin-calendar.ts';

export interface CalendarServicesDeps {
  config: Config;
  db: Kysely<Schema>;
  logger: Logger;
  clock: Clock;
}

export interface CalendarServices {
  /** For BuiltinCalendar's `onWrite`: a local change asks Google for a sync soon. */
  onWrite: (orgId: string) => void;
  google: { connections: GoogleConnections; sync: GoogleCalendarSync } | undefined;
  /** What the Gmail channel needs (createMessaging's `gmail`), when Google is configured. */
  gmail:
    | {
        accessToken: (orgId: string) => Promise<string>;
        markBroken: (orgId: string, reason: string) => Promise<void>;
        reconnectHint: string;
      }
    | undefined;
  register(
    app: FastifyInstance,
    deps: { calendar: BuiltinCalendar; resolveOrg: (request: FastifyRequest) => Promise<string> },
  ): void;
  /** Starts the reminder job and the Google sync job; returns their stop. */
  start(deps: { messagesFor: MessageSenderFor }): () => Promise<void>;
}

export async function createCalendarServices(deps: CalendarServicesDeps): Promise<CalendarServices> {
  const { config, db, logger, clock } = deps;
  const base = config.publicUrl ?? `http://localhost:${config.port}`;
  let google: CalendarServices['google'];
  if (config.google) {
    if (!config.publicUrl) {
      logger.warn(
        { redirect_uri: `${base}/oauth/google/callback` },
        'google: ROOMAN_PUBLIC_URL is not set; the OAuth redirect URI assumes localhost',
      );
    }
    if (!config.secretKey && config.databaseUrl) {
      logger.warn(
        'google: ROOMAN_SECRET_KEY is not set; tokens are sealed with a key kept in this instance data dir, so other instances sharing the database cannot use them — set ROOMAN_SECRET_KEY on every instance',
      );
    }
    const box = await SecretBox.open({ secretKey: config.secretKey, dataDir: config.dataDir });
    const connections = new GoogleConnections({
      db,
      box,
      settings: {
        clientId: config.google.clientId,
        clientSecret: config.google.clientSecret,
        redirectUri: `${base}/oauth/google/callback`,
        oauthBaseUrl: config.google.oauthBaseUrl,
        apiBaseUrl: config.google.apiBaseUrl,
      },
      logger,
      clock,
      connectUrl: `${base}/google.html`,
    });
    google = { connections, sync: new GoogleCalendarSync({ db, connections, logger, clock }) };
  }
  return {
    onWrite: (orgId) => {
      google?.sync.requestSync(orgId).catch((error: unknown) => {
        logger.warn({ err: error, org_id: orgId }, 'google: could not ask for a sync');
      });
    },
    google,
    gmail: google && {
      accessToken: (orgId) => google.connections.accessToken(orgId, 'gmail.send'),
      markBroken: (orgId, reason) => google.connections.markBroken(orgId, reason),
      reconnectHint: google.connections.reconnectHint,
    },
    register(app, { calendar, resolveOrg }) {
      registerCalendarRoutes(app, { db, calendar, resolveOrg, publicUrl: config.publicUrl, clock });
      registerOAuthRoutes(app, { google, resolveOrg });
    },
    start({ messagesFor }) {
      const stops = [startReminders({ db, messagesFor, logger, clock })];
      if (google) stops.push(startCalendarSync({ db, sync: google.sync, logger, clock }));
      return async () => {
        await Promise.all(stops.map((stop) => stop()));
      };
    },
  };
}
