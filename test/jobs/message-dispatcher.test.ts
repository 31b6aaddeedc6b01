import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/core/logger.ts';
import { SendMessageInput } from '../../src/core/messages.ts';
import { OutboxSender } from '../../src/integrations/messaging/outbox-sender.ts';
import { TelegramClient } from '../../src/integrations/messaging/telegram.ts';
import { MessageDispatcher, retryDelay, startMessageDispatcher } from '../../src/jobs/message-dispatcher.ts';
import { type Database, openDatabase } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { OutboxRepository } from '../../src/store/outbox.ts';
import { FakeTelegramApi } from '../fakes/telegram-bot-api.ts';
import { createTestOrg, databaseTargets, pgliteTemplate } from '../helpers/db.ts';
import { ManualClock, TEST_POLICY } from '../integrations/messaging/harness.ts';

const TOKEN = '42:dispatcher-test';
const START = '2025-09-19T09:00:00+05:30';

describe('retryDelay', () => {
  it('doubles per attempt with half of it jittered, capped, and never under the provider’s ask', () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 10_000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => retryDelay(n, policy, () => 0)),
      [500, 1000, 2000, 4000, 5000],
    );
    assert.equal(
      retryDelay(2, policy, () => 0.999_999),
      1999,
    );
    assert.equal(
      retryDelay(1, policy, () => 0, 7000),
      7000,
    );
    assert.equal(
      retryDelay(1, policy, () => 0, 99_000),
      10_000,
    );
  });
});

for (const target of databaseTargets()) {
  describe(`message dispatcher (${target.name})`, () => {
    let api: FakeTelegramApi;
    let database: Database;
    let orgId: string;
    const clock = new ManualClock(START);

    const dispatcher = () =>
      new MessageDispatcher({
        db: database.db,
        logger: silentLogger,
        clock,
        channels: { telegram: new TelegramClient({ botToken: TOKEN, apiBaseUrl: api.url }) },
        policy: { ...TEST_POLICY, batchSize: 7 },
      });
    const sender = () =>
      new OutboxSender({
        db: database.db,
        logger: silentLogger,
        clock,
        channels: { telegram: new TelegramClient({ botToken: TOKEN, apiBaseUrl: api.url }) },
        policy: TEST_POLICY,
      });
    const schedule = (text: string, sendAt: string) =>
      sender().send(
        orgId,
        SendMessageInput.parse({ channel: 'telegram', to: '123456789', body: text, send_at: sendAt }),
      );

    before(async () => {
      api = await new FakeTelegramApi(TOKEN).start();
      database = await target.open();
      orgId = (await createTestOrg(database.db)).id;
    });
    after(async () => {
      await database.close();
      await api.close();
    });

    it('a scheduled message waits for its time, then goes out once', async () => {
      const queued = await schedule('at five past', '2025-09-19T09:05:00+05:30');
      assert.equal(queued.status, 'QUEUED');
      assert.equal(queued.send_at, '2025-09-19T09:05:00+05:30');
      const d = dispatcher();
      assert.deepEqual(await d.runOnce(), []);
      clock.advance(4 * 60_000 + 59_000);
      assert.deepEqual(await d.runOnce(), []);
      clock.advance(1000);
      const [sent] = await d.runOnce();
      assert.equal(sent?.status, 'SENT');
      assert.deepEqual(await d.runOnce(), []);
      assert.equal(api.sent.filter((m) => m.text === 'at five past').length, 1);
    });

    it('two dispatchers running rounds together on one database send each of 30 messages exactly once', async () => {
      const at = new Date(clock.now().getTime() + 60_000).toISOString();
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push((await schedule(`batch ${i}`, at)).message_id);
      clock.advance(60_000);
      const a = dispatcher();
      const b = dispatcher();
      const claimedBy: Record<string, string[]> = { a: [], b: [] };
      for (let round = 0; round < 4; round++) {
        const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
        claimedBy.a!.push(...ra.map((r) => r.id));
        claimedBy.b!.push(...rb.map((r) => r.id));
      }
      const all = [...claimedBy.a!, ...claimedBy.b!].sort();
      assert.deepEqual(all, [...ids].sort(), 'every message claimed once, by one dispatcher');
      for (let i = 0; i < 30; i++) assert.equal(api.sent.filter((m) => m.text === `batch ${i}`).length, 1);
      const outbox = new OutboxRepository(database.db);
      for (const id of ids) assert.equal((await outbox.findById(orgId, id))?.status, 'SENT');
    });

    it('a dispatcher that dies holding a claim: the message waits out the lease, then another sends it once', async () => {
      const queued = await schedule('orphaned', new Date(clock.now().getTime() + 1000).toISOString());
      clock.advance(1000);
      // Instance A claims the message and dies before sending (its process is gone; nothing more happens).
      const deadToken = randomUUID();
      const outbox = new OutboxRepository(database.db);
      const [claimed] = await outbox.claimDue(clock.now(), {
        token: deadToken,
        leaseMs: 60_000,
        limit: 1,
        id: queued.message_id,
      });
      assert.equal(claimed?.status, 'SENDING');
      const b = dispatcher();
      assert.deepEqual(await b.runOnce(), [], 'a live claim is left alone');
      clock.advance(60_001);
      const [taken] = await b.runOnce();
      assert.equal(taken?.id, queued.message_id);
      assert.equal(taken?.status, 'SENT');
      const row = await outbox.findById(orgId, queued.message_id);
      assert.equal(row?.attempts, 2);
      // A coming back to life cannot change what B did.
      assert.equal(await outbox.markFailed(queued.message_id, deadToken, clock.now(), 'late'), false);
      assert.equal((await outbox.findById(orgId, queued.message_id))?.status, 'SENT');
      assert.equal(api.sent.filter((m) => m.text === 'orphaned').length, 1);
    });

    it('a cancelled message is never claimed', async () => {
      const queued = await schedule('cancelled', new Date(clock.now().getTime() + 1000).toISOString());
      const outbox = new OutboxRepository(database.db);
      assert.equal((await outbox.cancel(orgId, queued.message_id, clock.now()))?.status, 'CANCELLED');
      clock.advance(10_000);
      await dispatcher().runOnce();
      assert.equal(api.sent.filter((m) => m.text === 'cancelled').length, 0);
      assert.equal(
        await outbox.cancel(orgId, queued.message_id, clock.now()),
        undefined,
        'only a queued one',
      );
    });

    it('the running job picks a scheduled message up on its own and stops cleanly', async () => {
      const queued = await schedule('from the loop', new Date(clock.now().getTime() + 30_000).toISOString());
      const stop = startMessageDispatcher({ dispatcher: dispatcher(), logger: silentLogger, intervalMs: 20 });
      try {
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(api.sent.filter((m) => m.text === 'from the loop').length, 0);
        clock.advance(30_000);
        const until = Date.now() + 5000;
        while (!api.sent.some((m) => m.text === 'from the loop') && Date.now() < until)
          await new Promise((r) => setTimeout(r, 20));
      } finally {
        await stop();
      }
      const row = await new OutboxRepository(database.db).findById(orgId, queued.message_id);
      assert.equal(row?.status, 'SENT');
      assert.equal(api.sent.filter((m) => m.text === 'from the loop').length, 1);
    });
  });
}

describe('message dispatcher across a restart (PGlite on disk)', () => {
  let api: FakeTelegramApi;
  let dir: string;

  before(async () => {
    api = await new FakeTelegramApi(TOKEN).start();
    dir = await mkdtemp(join(tmpdir(), 'rooman-dispatch-'));
  });
  after(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  const open = async () => {
    const database = await openDatabase({ dataDir: dir, pgliteTemplate: await pgliteTemplate() });
    await migrateToLatest(database.db);
    return database;
  };

  it('a message scheduled before a restart is sent once after it, and not again after the next', async () => {
    const clock = new ManualClock(START);
    const channels = { telegram: new TelegramClient({ botToken: TOKEN, apiBaseUrl: api.url }) };
    let database = await open();
    const orgId = (await createTestOrg(database.db)).id;
    const first = new OutboxSender({
      db: database.db,
      logger: silentLogger,
      clock,
      channels,
      policy: TEST_POLICY,
    });
    const queued = await first.send(
      orgId,
      SendMessageInput.parse({
        channel: 'telegram',
        to: '@rooman_team',
        body: 'survives',
        send_at: '2025-09-19T09:00:30+05:30',
      }),
    );
    await database.close();

    clock.advance(30_000);
    for (let restart = 0; restart < 2; restart++) {
      database = await open();
      const d = new MessageDispatcher({
        db: database.db,
        logger: silentLogger,
        clock,
        channels,
        policy: TEST_POLICY,
      });
      await d.runOnce();
      const row = await new OutboxRepository(database.db).findById(orgId, queued.message_id);
      assert.equal(row?.status, 'SENT');
      assert.equal(row?.attempts, 1);
      await database.close();
    }
    assert.equal(api.sent.filter((m) => m.text === 'survives').length, 1);
  });
});
