/**
 * `GET /ws/voice`: the browser voice channel over a WebSocket (protocol in src/channels/browser/voice-channel.ts).
 *
 * The organisation is resolved before the upgrade, so a bad key is a plain 401 with the product's error JSON.
 * Browsers cannot set headers on a WebSocket, so `?key=<api key>` stands for `Authorization: Bearer <key>`.
 * Open calls end (`ended`, close 1001, transcripts settled) in the server's preClose, before the database closes.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  BrowserVoiceChannel,
  type ChannelLimits,
  type VoiceSocket,
} from '../../channels/browser/voice-channel.ts';
import { RoomanError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { CallSession } from '../../session/call-session.ts';
import type { ResolveOrg } from '../org.ts';

export interface VoiceCall {
  session: CallSession;
  /** Whether the session hears audio (a recognizer is installed). */
  speechIn: boolean;
}

export interface VoiceRoutesOptions {
  resolveOrg: ResolveOrg;
  /** Builds the session of a new call for the organisation. */
  openCall: (orgId: string) => Promise<VoiceCall>;
  logger: Logger;
  limits?: Partial<ChannelLimits>;
  /** Hard cap on one WebSocket message, enforced by `ws` before the channel sees it (default 1 MiB). */
  maxPayload?: number;
}

/** Files a third-party page loads for the widget (see web/widget.js). */
export const WIDGET_ASSET = /^\/(widget\.js|js\/(call-[\w-]+|audio-[\w-]+)\.js)$/;

/** A browser always sends Origin on a WebSocket; other clients (servers, tests, the CLI) send none. */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

const orgOf = new WeakMap<FastifyRequest, string>();

export async function registerVoiceRoutes(app: FastifyInstance, options: VoiceRoutesOptions): Promise<void> {
  const live = new Set<BrowserVoiceChannel>();
  await app.register(websocket, {
    options: { maxPayload: options.maxPayload ?? 1024 * 1024 },
    // Shutdown (preClose: the database is still open): callers hear `ended` and a 1001, transcripts are settled.
    preClose: async function (this: FastifyInstance) {
      // No new calls while closing (the plugin is the server's only upgrade listener).
      this.server.removeAllListeners('upgrade');
      await Promise.all([...live].map((c) => c.end('server-closing', { code: 1001, why: 'server closing' })));
      for (const client of this.websocketServer.clients) client.close(1001, 'server closing');
      await new Promise<void>((resolve) => this.websocketServer.close(() => resolve()));
    },
  });

  app.get<{ Querystring: { key?: string } }>(
    '/ws/voice',
    {
      websocket: true,
      preValidation: async (request) => {
        const key = request.query.key;
        // The query key is the header a browser WebSocket cannot send; a header, when present, wins.
        if (typeof key === 'string' && key !== '' && !request.headers.authorization)
          request.headers.authorization = `Bearer ${key}`;
        // WebSockets are not covered by CORS: without this, any website a person visits could drive the open
        // (keyless) organisation from their browser. Other sites call with a key (the widget's data-rooman-key).
        if (!request.headers.authorization && !sameOrigin(request))
          throw new RoomanError('UNAUTHORIZED', 'A call from another website needs an API key (?key=)', {
            field: 'key',
          });
        orgOf.set(request, await options.resolveOrg(request));
      },
    },
    async (socket, request) => {
      const orgId = orgOf.get(request)!;
      // Frames that arrive while the call is being set up (the first call loads the speech models) are kept.
      const early: Array<[Buffer | ArrayBuffer | Buffer[], boolean]> = [];
      const keep = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => early.push([data, isBinary]);
      socket.on('message', keep);
      // Listened for from the first moment: a caller may hang up while the call is still being set up.
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      let channel: BrowserVoiceChannel | undefined;
      try {
        const call = await options.openCall(orgId);
        channel = new BrowserVoiceChannel({
          socket: socket as unknown as VoiceSocket,
          session: call.session,
          speechIn: call.speechIn,
          logger: options.logger,
          ...(options.limits ? { limits: options.limits } : {}),
        });
        live.add(channel);
        const opened = channel;
        void closed.then(async () => {
          await opened.end('client-gone');
          live.delete(opened);
        });
        // The channel replays what was kept, then listens itself; no message event can fall between the two.
        await channel.start(early);
        socket.off('message', keep);
      } catch (error) {
        options.logger.error({ err: error }, 'voice call could not start');
        if (socket.readyState === 1) {
          socket.send(
            JSON.stringify({
              type: 'error',
              error: { type: 'INTERNAL_ERROR', details: 'The call could not start' },
            }),
          );
          socket.close(1011, 'call could not start');
        }
        await channel?.end('start-failed');
      }
    },
  );

  // The widget runs on other sites: its loader, its modules and the worklets are fetched cross-origin (module
  // scripts and worklets are CORS requests). Only these files; the page and the APIs stay same-origin.
  app.addHook('onSend', async (request, reply, payload) => {
    const path = request.url.split('?')[0] ?? '';
    if (WIDGET_ASSET.test(path)) {
      void reply
        .header('access-control-allow-origin', '*')
        .header('cross-origin-resource-policy', 'cross-origin');
    }
    return payload;
  });
}
