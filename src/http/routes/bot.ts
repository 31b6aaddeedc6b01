/** `POST /bot/handle`: one turn of the text bot. Bot-level problems are answered 200 with `error` in the body;
 * a malformed request is a 400 in the API's error shape. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BotHandler } from '../../channels/text/bot-service.ts';

export interface BotRoutesOptions {
  bot: BotHandler;
  /** The organisation a request acts for (from its API key or the default organisation). */
  resolveOrg: (request: FastifyRequest) => Promise<string>;
}

export function registerBotRoutes(app: FastifyInstance, options: BotRoutesOptions): void {
  app.post('/bot/handle', async (request) => {
    const orgId = await options.resolveOrg(request);
    return options.bot.handle(request.body, orgId);
  });
}
