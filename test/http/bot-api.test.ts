import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { LocalBrain } from '../../src/brains/local/local-brain.ts';
import { BotService } from '../../src/channels/text/bot-service.ts';
import { BotResponse } from '../../src/core/bot.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { fixedClock } from '../../src/core/time.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { registerBotRoutes } from '../../src/http/routes/bot.ts';
import { HttpCrmGateway } from '../../src/integrations/crm/http-crm-gateway.ts';
import { BotSessionRepository } from '../../src/store/bot-session-repository.ts';
import { scriptedUnderstander } from '../brains/conversation.ts';
import { sessionDb } from '../channels/text/session-db.ts';
import { FakeCrmServer } from '../fakes/crm-server.ts';

const CREATE = 'Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram';

describe('POST /bot/handle', () => {
  let app: FastifyInstance;
  let db: Kysely<object>;
  let crm: FakeCrmServer;
  const orgs: string[] = [];

  before(async () => {
    db = await sessionDb();
    crm = await FakeCrmServer.start();
    const bot = new BotService({
      brain: new LocalBrain({
        understander: scriptedUnderstander({
          [CREATE]: {
            intent: 'LEAD_CREATE',
            entities: {
              person: 'Rohan Sharma',
              city: 'Gurgaon',
              phone: '+919876543210',
              source: 'Instagram',
            },
          },
          'Mark her as won': { intent: 'LEAD_UPDATE', entities: { lead_ref: '@last', status: 'WON' } },
          yes: { intent: 'CONFIRM' },
        }),
      }),
      sessions: new BotSessionRepository(db),
      crmFor: () => new HttpCrmGateway({ baseUrl: crm.url, sleep: async () => {} }),
      timeZone: 'Asia/Kolkata',
      clock: fixedClock('2025-10-04T10:00:00+05:30'),
    });
    app = createHttpApp({ logger: silentLogger, bodyLimit: 1_048_576 });
    registerBotRoutes(app, {
      bot,
      resolveOrg: async (request) => {
        const org = String(request.headers['x-org'] ?? 'default-org');
        orgs.push(org);
        return org;
      },
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await crm.close();
    await db.destroy();
  });

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/bot/handle', payload: payload as object, headers });

  it('answers a turn with the contract shape and continues the session', async () => {
    const first = await post({ transcript: CREATE });
    assert.equal(first.statusCode, 200);
    const turn = BotResponse.parse(first.json());
    assert.equal(turn.intent, 'LEAD_CREATE');
    assert.equal(turn.crm_call?.path, '/crm/leads');
    assert.equal(turn.result?.status, 'NEW');
    assert.deepEqual(orgs.at(-1), 'default-org');

    const second = BotResponse.parse(
      (await post({ transcript: 'Mark her as won', session_id: turn.session_id })).json(),
    );
    assert.equal(second.session_id, turn.session_id);
    assert.equal(second.awaiting, 'confirmation');
    assert.equal(second.reply, 'Mark Rohan Sharma as won? Say yes to confirm.');
    const third = BotResponse.parse((await post({ transcript: 'yes', session_id: turn.session_id })).json());
    assert.equal(third.result?.status, 'WON');
    assert.equal(crm.leads.get(String(turn.result?.lead_id))?.status, 'WON');
  });

  it('bot-level errors are 200 with an error in the body', async () => {
    const response = await post({ transcript: 'something unintelligible' });
    assert.equal(response.statusCode, 200);
    const turn = BotResponse.parse(response.json());
    assert.equal(turn.intent, 'UNKNOWN');
    assert.equal(turn.error?.type, 'PARSING_ERROR');
  });

  it('a session belongs to the organisation that made it', async () => {
    const mine = BotResponse.parse((await post({ transcript: CREATE }, { 'x-org': 'org-a' })).json());
    const theirs = BotResponse.parse(
      (
        await post({ transcript: 'Mark her as won', session_id: mine.session_id }, { 'x-org': 'org-b' })
      ).json(),
    );
    assert.equal(theirs.awaiting, 'lead_id', '"her" means nothing in the other organisation\'s session');
  });

  it('a malformed request is a 400 VALIDATION_ERROR naming the field', async () => {
    const missing = await post({});
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(missing.json().error.type, 'VALIDATION_ERROR');
    assert.equal(missing.json().error.field, 'transcript');

    const badId = await post({ transcript: 'hi', session_id: '../../etc' });
    assert.equal(badId.statusCode, 400);
    assert.equal(badId.json().error.field, 'session_id');

    const notJson = await app.inject({
      method: 'POST',
      url: '/bot/handle',
      payload: '{"transcript":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(notJson.statusCode, 400);
    assert.equal(notJson.json().error.type, 'VALIDATION_ERROR');

    const text = await app.inject({
      method: 'POST',
      url: '/bot/handle',
      payload: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    // Fastify parses text/plain as a string: it is refused as not being the JSON object the route expects.
    assert.equal(text.statusCode, 400);
    assert.equal(text.json().error.field, '(body)');
  });
});
