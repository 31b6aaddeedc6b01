/**
 * Connecting Google.
 *
 *   GET    /oauth/google/start?scopes=calendar,gmail.send   (API key → organisation) 302 to Google's consent page;
 *                                                            `format=json` answers `{ url }` instead (the web page
 *                                                            sends the key, then navigates)
 *   GET    /oauth/google/callback                            Google sends the person back here; 302 to the web page
 *   GET    /api/google/status                                connected / broken (with why) / not connected, the link
 *   POST   /api/google/sync                                  sync the calendar now
 *   DELETE /api/google/connection                            forget the connection
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RoomanError } from '../../core/errors.ts';
import { parseWith } from '../../core/validation.ts';
import type { GoogleCalendarSync } from '../../integrations/google/calendar-sync.ts';
import { type GoogleConnections, isGoogleScopeName } from '../../integrations/google/connections.ts';

export interface OAuthRoutesOptions {
  /** Undefined when GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET are not set. */
  google: { connections: GoogleConnections; sync: GoogleCalendarSync } | undefined;
  resolveOrg: (request: FastifyRequest) => Promise<string>;
  /** The web page section people come back to. */
  returnPath?: string;
}

const StartQuery = z.strictObject({
  scopes: z
    .string()
    .default('calendar')
    .transform((v, ctx) => {
      const names = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = names.find((n) => !isGoogleScopeName(n));
      if (bad || names.length === 0) {
        ctx.addIssue({ code: 'custom', message: 'must list calendar and/or gmail.send' });
        return z.NEVER;
      }
      return names as ('calendar' | 'gmail.send')[];
    }),
  format: z.enum(['redirect', 'json']).default('redirect'),
});
const CallbackQuery = z.object({
  state: z.string().max(200).optional(),
  code: z.string().max(2000).optional(),
  error: z.string().max(200).optional(),
});

const notConfigured = () =>
  new RoomanError('NOT_FOUND', 'Google is not configured: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET', {
    field: 'google',
  });

export function registerOAuthRoutes(app: FastifyInstance, options: OAuthRoutesOptions): void {
  const back = options.returnPath ?? '/google.html';

  app.get('/oauth/google/start', async (request, reply) => {
    const orgId = await options.resolveOrg(request);
    if (!options.google) throw notConfigured();
    const q = parseWith(StartQuery, request.query, 'query');
    const url = await options.google.connections.startUrl(orgId, q.scopes);
    if (q.format === 'json') return { url };
    return reply.redirect(url, 302);
  });

  app.get('/oauth/google/callback', async (request, reply) => {
    if (!options.google) throw notConfigured();
    const q = parseWith(CallbackQuery, request.query, 'query');
    try {
      await options.google.connections.finish(q);
      return reply.redirect(`${back}?connected=1`, 302);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      request.log.warn({ err: error }, 'google: connect failed');
      return reply.redirect(`${back}?error=${encodeURIComponent(reason)}`, 302);
    }
  });

  app.get('/api/google/status', async (request) => {
    const orgId = await options.resolveOrg(request);
    if (!options.google) return { configured: false, connected: false, status: 'NOT_CONNECTED' };
    return { configured: true, ...(await options.google.connections.status(orgId)) };
  });

  app.post('/api/google/sync', async (request) => {
    const orgId = await options.resolveOrg(request);
    if (!options.google) throw notConfigured();
    return options.google.sync.run(orgId);
  });

  app.delete('/api/google/connection', async (request) => {
    const orgId = await options.resolveOrg(request);
    if (!options.google) throw notConfigured();
    return { disconnected: await options.google.connections.disconnect(orgId) };
  });
}
