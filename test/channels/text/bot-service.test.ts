import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { LocalBrain } from '../../../src/brains/local/local-brain.ts';
import { BotService, type BotSessionStore } from '../../../src/channels/text/bot-service.ts';
import { BotResponse } from '../../../src/core/bot.ts';
import { RoomanError } from '../../../src/core/errors.ts';
import { fixedClock } from '../../../src/core/time.ts';
import { HttpCrmGateway } from '../../../src/integrations/crm/http-crm-gateway.ts';
import { BotSessionRepository } from '../../../src/store/bot-session-repository.ts';
import { scriptedUnderstander } from '../../brains/conversation.ts';
import { FakeCrmServer } from '../../fakes/crm-server.ts';
import { createTestOrg, type DatabaseTarget, databaseTargets } from '../../helpers/db.ts';

const CREATE = 'Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram';
const understander = scriptedUnderstander({
  [CREATE]: {
    intent: 'LEAD_CREATE',
    entities: { person: 'Rohan Sharma', city: 'Gurgaon', phone: '+919876543210', source: 'Instagram' },
  },
  'Add a new lead Priya Nair': { intent: 'LEAD_CREATE', entities: { person: 'Priya Nair' } },
  hello: { intent: 'GREETING' },
});

/** Holds every load until `count` loads are waiting, so concurrent turns really read the same version. */
function barrier(store: BotSessionStore, count: number): BotSessionStore {
  let waiting: (() => void)[] = [];
  return {
    async load(orgId, sessionId) {
      const row = await store.load(orgId, sessionId);
      if (count > 0) {
        count--;
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (count === 0) {
            for (const w of waiting) w();
            waiting = [];
          }
        });
      }
      return row;
    },
    save: (...args) => store.save(...args),
  };
}

for (const target of databaseTargets())
  describe(`BotService (sessions in ${target.name})`, () => suite(target));

function suite(target: DatabaseTarget) {
  let database: Awaited<ReturnType<DatabaseTarget['open']>>;
  let crm: FakeCrmServer;
  /** Three organisations' ids. */
  let org1: string;
  let org2: string;
  let org9: string;
  let repo: BotSessionRepository;
  const service = (sessions: BotSessionStore = repo, clock = fixedClock('2025-10-04T10:00:00+05:30')) =>
    new BotService({
      brain: new LocalBrain({ understander }),
      sessions,
      crmFor: () => new HttpCrmGateway({ baseUrl: crm.url, sleep: async () => {} }),
      timeZone: 'Asia/Kolkata',
      clock,
    });

  before(async () => {
    database = await target.open();
    repo = new BotSessionRepository(database.db);
    [org1, org2, org9] = (await Promise.all(
      [1, 2, 3].map(async () => (await createTestOrg(database.db)).id),
    )) as [string, string, string];
    crm = await FakeCrmServer.start();
  });
  after(async () => {
    await crm.close();
    await database.close();
  });
  beforeEach(() => {
    crm.leads.clear();
    crm.requests.length = 0;
  });

  it('creates a URL-safe session id when none is given and stores the turn', async () => {
    const response = await service().handle({ transcript: CREATE }, org1);
    BotResponse.parse(response);
    assert.match(response.session_id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(response.intent, 'LEAD_CREATE');
    const stored = await repo.load(org1, response.session_id);
    assert.equal(stored?.turn, 1);
    assert.equal(stored?.version, 1);
    assert.ok(stored);
    const state = stored.state as { brain: { last_lead: { name: string } } };
    assert.equal(state.brain.last_lead.name, 'Rohan Sharma');
    assert.equal(await repo.load(org2, response.session_id), null, 'sessions belong to one organisation');
    assert.equal(
      crm.requestsTo('POST', '/crm/leads')[0]?.headers['idempotency-key'],
      `bot:${org1}:${response.session_id}:1`,
    );
  });

  it('continues a conversation across instances sharing the database', async () => {
    const a = service();
    const b = service();
    const first = await a.handle({ transcript: 'Add a new lead Priya Nair', session_id: 'shared-1' }, org1);
    assert.equal(first.awaiting, 'phone');
    const second = await b.handle({ transcript: '9876543210', session_id: 'shared-1' }, org1);
    assert.equal(second.awaiting, 'city');
    const third = await a.handle({ transcript: 'Pune', session_id: 'shared-1' }, org1);
    assert.equal(third.crm_call?.function, 'createLead');
    assert.equal((await repo.load(org1, 'shared-1'))?.turn, 3);
    assert.equal(crm.leads.size, 1);
  });

  it('a retried request racing the first creates the lead once', async () => {
    const bot = service(barrier(repo, 2));
    const request = { transcript: CREATE, session_id: 'retry-1' };
    const [one, two] = await Promise.all([bot.handle(request, org1), bot.handle(request, org1)]);
    assert.equal(crm.leads.size, 1, 'the same turn key made the second write a replay');
    assert.equal(one.result?.lead_id, two.result?.lead_id);
    const keys = crm.requestsTo('POST', '/crm/leads').map((r) => r.headers['idempotency-key']);
    assert.deepEqual(keys, [`bot:${org1}:retry-1:1`, `bot:${org1}:retry-1:1`]);
    assert.equal((await repo.load(org1, 'retry-1'))?.turn, 1, 'only one of the two turns was saved');
  });

  it('a request repeated after its turn completed gets the same answer, not a second lead', async () => {
    const bot = service();
    const request = { transcript: CREATE, session_id: 'retry-2' };
    const first = await bot.handle(request, org1);
    const again = await bot.handle(request, org1);
    assert.deepEqual(again, first);
    assert.equal(crm.leads.size, 1);
    assert.equal(crm.requestsTo('POST', '/crm/leads').length, 1);
    assert.equal((await repo.load(org1, 'retry-2'))?.turn, 1);

    // Once another turn has happened, the same words are a new request.
    await bot.handle({ transcript: 'hello', session_id: 'retry-2' }, org1);
    const later = await bot.handle(request, org1);
    assert.notEqual(later.result?.lead_id, first.result?.lead_id);
    assert.equal(crm.leads.size, 2);
  });

  it('the same words a minute later are a new request', async () => {
    let now = new Date('2025-10-04T10:00:00+05:30').getTime();
    const bot = service(repo, { now: () => new Date(now) });
    const request = { transcript: CREATE, session_id: 'retry-3' };
    await bot.handle(request, org1);
    now += 61_000;
    await bot.handle(request, org1);
    assert.equal(crm.leads.size, 2);
  });

  it('a turn that lost the race without writing to the CRM is re-run on the newer state', async () => {
    const bot = service(barrier(repo, 2));
    await Promise.all([
      bot.handle({ transcript: 'hello', session_id: 'race-2' }, org1),
      bot.handle({ transcript: 'hello', session_id: 'race-2' }, org1),
    ]);
    const stored = await repo.load(org1, 'race-2');
    assert.equal(stored?.turn, 2);
    assert.equal(stored?.version, 2);
  });

  it('refuses a malformed request with a VALIDATION_ERROR naming the field', async () => {
    const bot = service();
    const cases: [unknown, string][] = [
      [{}, 'transcript'],
      [{ transcript: '   ' }, 'transcript'],
      [{ transcript: 'x'.repeat(4001) }, 'transcript'],
      [{ transcript: 'hello', session_id: 'not a valid id!' }, 'session_id'],
      [{ transcript: 'hello', colour: 'red' }, 'colour'],
      [null, '(body)'],
      ['hello', '(body)'],
    ];
    for (const [body, field] of cases) {
      await assert.rejects(bot.handle(body, org1), (e: unknown) => {
        assert.ok(e instanceof RoomanError, String(e));
        assert.equal(e.type, 'VALIDATION_ERROR');
        assert.equal(e.field, field, JSON.stringify(body));
        return true;
      });
    }
  });

  it('the repository refuses a stale version and a duplicate insert', async () => {
    assert.equal(await repo.save(org9, 's', { state: { a: 1 }, turn: 1 }, null), true);
    assert.equal(await repo.save(org9, 's', { state: { a: 2 }, turn: 1 }, null), false);
    assert.equal(await repo.save(org9, 's', { state: { a: 3 }, turn: 2 }, 1), true);
    assert.equal(await repo.save(org9, 's', { state: { a: 4 }, turn: 2 }, 1), false);
    const row = await repo.load(org9, 's');
    assert.deepEqual(row?.state, { a: 3 });
    assert.equal(row?.version, 2);
    assert.equal((await repo.deleteIdleSince(new Date(Date.now() + 60_000))) >= 1, true);
    assert.equal(await repo.load(org9, 's'), null);
  });
}
