/**
 * `POST /bot/handle` over HTTP (app.inject) with everything real: the org resolver (API keys), the understanding
 * engine, the dialogue, the built-in CRM and sessions in the database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { BotResponse } from '../../src/core/bot.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { fixedClock } from '../../src/core/time.ts';
import type { BuiltinCrm } from '../../src/crm/builtin-crm.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { createOrgResolver } from '../../src/http/org.ts';
import { registerBotRoutes } from '../../src/http/routes/bot.ts';
import type { Database } from '../../src/store/database.ts';
import { ApiKeyRepository } from '../../src/store/organisations.ts';
import { realBot } from '../channels/text/real-bot.ts';
import { createTestOrg, type DatabaseTarget, databaseTargets } from '../helpers/db.ts';

const CREATE = 'Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram';

for (const target of databaseTargets()) describe(`POST /bot/handle (${target.name})`, () => suite(target));

function suite(target: DatabaseTarget) {
  let database: Database;
  let app: FastifyInstance;
  let crm: BuiltinCrm;
  let openOrg: string;
  let keyedOrg: string;
  let apiKey: string;

  before(async () => {
    database = await target.open();
    openOrg = (await createTestOrg(database.db)).id;
    keyedOrg = (await createTestOrg(database.db)).id;
    apiKey = await new ApiKeyRepository(database.db).create(keyedOrg, 'test');
    const real = realBot(database, fixedClock('2025-10-04T10:00:00+05:30'));
    crm = real.crm;
    app = createHttpApp({ logger: silentLogger, bodyLimit: 1_048_576 });
    registerBotRoutes(app, {
      bot: real.bot,
      resolveOrg: createOrgResolver({ db: database.db, anonymousOrgId: openOrg }),
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await crm.close();
    await database.close();
  });

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/bot/handle', payload: payload as object, headers });

  it('answers a turn in the contract shape and continues the session through a confirmation', async () => {
    const first = await post({ transcript: CREATE });
    assert.equal(first.statusCode, 200);
    assert.match(String(first.headers['content-type']), /^application\/json/);
    const turn = BotResponse.parse(first.json());
    assert.equal(turn.intent, 'LEAD_CREATE');
    assert.deepEqual(turn.crm_call, {
      function: 'createLead',
      method: 'POST',
      path: '/crm/leads',
      body: { name: 'Rohan Sharma', phone: '+919876543210', city: turn.entities.city, source: 'Instagram' },
    });
    assert.equal(turn.result?.status, 'NEW');
    const leadId = String(turn.result?.lead_id);
    assert.equal((await crm.getLead(openOrg, leadId))?.name, 'Rohan Sharma');

    const second = BotResponse.parse(
      (await post({ transcript: 'mark her as won', session_id: turn.session_id })).json(),
    );
    assert.equal(second.session_id, turn.session_id);
    assert.equal(second.awaiting, 'confirmation');
    assert.equal(second.reply, 'Mark Rohan Sharma as won? Say yes to confirm.');
    const third = BotResponse.parse((await post({ transcript: 'yes', session_id: turn.session_id })).json());
    assert.deepEqual(third.result, { lead_id: leadId, status: 'WON' });
    assert.equal((await crm.getLead(openOrg, leadId))?.status, 'WON');
  });

  it('bot-level errors are 200 with the error in the body', async () => {
    const response = await post({ transcript: 'what is the weather like' });
    assert.equal(response.statusCode, 200);
    const turn = BotResponse.parse(response.json());
    assert.equal(turn.intent, 'UNKNOWN');
    assert.equal(turn.error?.type, 'PARSING_ERROR');
    const missing = BotResponse.parse((await post({ transcript: 'Add a new lead Priya Nair' })).json());
    assert.deepEqual(missing.error, {
      type: 'VALIDATION_ERROR',
      details: 'Missing required field: phone number',
    });
  });

  it('an API key selects the organisation, and its sessions and leads are its own', async () => {
    const auth = { authorization: `Bearer ${apiKey}` };
    const mine = BotResponse.parse((await post({ transcript: CREATE }, auth)).json());
    assert.ok(await crm.getLead(keyedOrg, String(mine.result?.lead_id)));
    assert.equal(await crm.getLead(openOrg, String(mine.result?.lead_id)), null);
    // The same session id without the key is another organisation's (empty) session: "her" means nobody.
    const other = BotResponse.parse(
      (await post({ transcript: 'mark her as won', session_id: mine.session_id })).json(),
    );
    assert.equal(other.awaiting, 'lead_id');
    const refused = await post({ transcript: 'hello' }, { authorization: 'Bearer nope' });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.json().error.type, 'UNAUTHORIZED');
  });

  it('a malformed request is a 400 VALIDATION_ERROR naming the field', async () => {
    const missing = await post({});
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().error.type, 'VALIDATION_ERROR');
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
    // Fastify parses text/plain as a string: refused as not being the JSON object the route expects.
    assert.equal(text.statusCode, 400);
    assert.equal(text.json().error.field, '(body)');
  });
}
