/**
 * `GET /api/sessions` and `GET /api/sessions/:id` over HTTP (app.inject) with everything real: calls run through
 * a VoiceSession (typed turns, the local brain, the built-in CRM) that writes its transcript to the database, and
 * the org resolver (API keys) scopes what the API shows.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { LocalBrain } from '../../src/brains/local/local-brain.ts';
import type { CrmGatewayFor } from '../../src/core/crm.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { BuiltinCrm } from '../../src/crm/builtin-crm.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { createOrgResolver } from '../../src/http/org.ts';
import { registerSessionRoutes } from '../../src/http/routes/sessions.ts';
import { VoiceSessions } from '../../src/session/voice-sessions.ts';
import type { Database } from '../../src/store/database.ts';
import { ApiKeyRepository } from '../../src/store/organisations.ts';
import { TranscriptRepository, transcriptSink } from '../../src/store/transcripts.ts';
import { createUnderstandingEngine } from '../../src/understanding/engine.ts';
import { createTestOrg, type DatabaseTarget, databaseTargets } from '../helpers/db.ts';

for (const target of databaseTargets()) describe(`sessions API (${target.name})`, () => suite(target));

function suite(target: DatabaseTarget) {
  let database: Database;
  let app: FastifyInstance;
  let crm: BuiltinCrm;
  let transcripts: TranscriptRepository;
  let openOrg: string;
  let keyedOrg: string;
  let apiKey: string;
  const brain = new LocalBrain({ understander: createUnderstandingEngine() });

  before(async () => {
    database = await target.open();
    openOrg = (await createTestOrg(database.db)).id;
    keyedOrg = (await createTestOrg(database.db)).id;
    apiKey = await new ApiKeyRepository(database.db).create(keyedOrg, 'test');
    crm = new BuiltinCrm({
      db: database.db,
      kind: database.kind,
      logger: silentLogger,
      dataDir: '/tmp',
      csvLogs: false,
    });
    transcripts = new TranscriptRepository(database.db);
    app = createHttpApp({ logger: silentLogger, bodyLimit: 1_048_576 });
    registerSessionRoutes(app, {
      transcripts,
      resolveOrg: createOrgResolver({ db: database.db, anonymousOrgId: openOrg }),
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await crm.close();
    await database.close();
  });

  /** A call of typed turns through the product's session factory, transcript written as it goes. */
  async function runCall(orgId: string, turns: string[], channel = 'cli', sessions = voiceSessions()) {
    const session = await sessions.open(orgId, channel);
    for (const text of turns) await session.sendText(text);
    await session.end();
    return session.id;
  }

  function voiceSessions(crmFor: CrmGatewayFor = (orgId) => crm.gatewayFor(orgId)) {
    return new VoiceSessions({
      brain,
      crmFor,
      timeZone: 'Asia/Kolkata',
      transcriptFor: (orgId, sessionId) => transcriptSink(transcripts, orgId, sessionId),
    });
  }

  it('returns a call with its transcript: user, tool and agent entries in order', async () => {
    const id = await runCall(openOrg, [
      'Add a new lead: Kavya Rao from Mysore, phone 9845012345',
      'Schedule a site visit for her tomorrow at 11 am',
    ]);
    const response = await app.inject({ method: 'GET', url: `/api/sessions/${id}` });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.id, id);
    assert.equal(body.channel, 'cli');
    assert.ok(body.ended_at);
    const roles = body.entries.map((e: { role: string }) => e.role);
    assert.deepEqual(roles.slice(0, 3), ['user', 'tool', 'agent']);
    assert.equal(body.entries[0].text, 'Add a new lead: Kavya Rao from Mysore, phone 9845012345');
    assert.equal(body.entries[1].tool.name, 'createLead');
    assert.equal(body.entries[1].tool.args.phone, '+919845012345');
    assert.match(body.entries[1].tool.result.lead_id, /^[0-9a-f-]{36}$/);
    assert.match(body.entries[2].text, /Kavya Rao/);
    assert.equal(body.entries[2].played_text, body.entries[2].text, 'a text-only reply counts as delivered');
    assert.equal(body.entries[2].interrupted, false);
    assert.deepEqual(
      body.entries.map((e: { seq: number }) => e.seq),
      body.entries.map((_: unknown, i: number) => i),
    );
    assert.ok(body.entries.some((e: { turn: number; role: string }) => e.turn === 2 && e.role === 'agent'));
  });

  it("lists the organisation's calls newest first, paginated; other organisations see none of them", async () => {
    const keyed = [await runCall(keyedOrg, ['hello'], 'browser')];
    keyed.push(
      await runCall(keyedOrg, ['Add a new lead: Imran Khan from Bhopal, phone 9826011122'], 'twilio'),
    );
    const auth = { authorization: `Bearer ${apiKey}` };
    const first = await app.inject({ method: 'GET', url: '/api/sessions?limit=1', headers: auth });
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(
      { total: first.json().total, limit: first.json().limit, offset: first.json().offset },
      { total: 2, limit: 1, offset: 0 },
    );
    assert.equal(first.json().sessions[0].id, keyed[1]);
    assert.equal(first.json().sessions[0].channel, 'twilio');
    assert.ok(first.json().sessions[0].entries >= 3);
    const second = await app.inject({ method: 'GET', url: '/api/sessions?limit=1&offset=1', headers: auth });
    assert.equal(second.json().sessions[0].id, keyed[0]);

    const open = await app.inject({ method: 'GET', url: '/api/sessions' });
    assert.ok(open.json().sessions.every((s: { id: string }) => !keyed.includes(s.id)));
    const foreign = await app.inject({ method: 'GET', url: `/api/sessions/${keyed[0]}` });
    assert.equal(foreign.statusCode, 404);
    assert.equal(foreign.json().error.type, 'NOT_FOUND');
  });

  it('refuses bad paging and unknown ids in the API error shape', async () => {
    const bad = await app.inject({ method: 'GET', url: '/api/sessions?limit=0' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.type, 'VALIDATION_ERROR');
    assert.equal(bad.json().error.field, 'limit');
    const unknown = await app.inject({ method: 'GET', url: `/api/sessions/${randomUUID()}` });
    assert.equal(unknown.statusCode, 404);
    const garbage = await app.inject({ method: 'GET', url: '/api/sessions/not-a-uuid' });
    assert.equal(garbage.statusCode, 404);
    const keyless = await app.inject({
      method: 'GET',
      url: '/api/sessions',
      headers: { authorization: 'Bearer nope' },
    });
    assert.equal(keyless.statusCode, 401);
  });

  it('a CRM that fails mid-call: the tool entry records the error, the caller hears why, the call goes on', async () => {
    const broken = await target.open();
    const brokenCrm = new BuiltinCrm({
      db: broken.db,
      kind: broken.kind,
      logger: silentLogger,
      dataDir: '/tmp',
      csvLogs: false,
    });
    await broken.close();
    const session = await voiceSessions(() => brokenCrm.gatewayFor(openOrg)).open(openOrg, 'cli');
    const toolErrors: string[] = [];
    session.on('tool.result', (t) => {
      if (t.error) toolErrors.push(t.error);
    });
    await session.sendText('Add a new lead: Tara Das from Kolkata, phone 9830012345');
    await session.sendText('hello');
    await session.end();
    assert.equal(toolErrors.length, 1);
    const body = (await app.inject({ method: 'GET', url: `/api/sessions/${session.id}` })).json();
    assert.deepEqual(
      body.entries.map((e: { seq: number; turn: number; role: string }) => [e.seq, e.turn, e.role]),
      [
        [0, 1, 'user'],
        [1, 1, 'tool'],
        [2, 1, 'agent'],
        [3, 2, 'user'],
        [4, 2, 'agent'],
      ],
      'entries in the order they happened',
    );
    assert.equal(body.entries[1].tool.name, 'createLead');
    assert.match(body.entries[1].tool.result.error, /CRM/);
    assert.match(body.entries[2].text, /CRM is not answering/);
  });
}
