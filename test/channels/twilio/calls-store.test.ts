import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CallRepository, PhoneNumberRepository } from '../../../src/store/calls.ts';
import type { Database } from '../../../src/store/database.ts';
import type { Organisation } from '../../../src/store/organisations.ts';
import { TranscriptRepository } from '../../../src/store/transcripts.ts';
import { createTestOrg, databaseTargets } from '../../helpers/db.ts';

const sid = () => `CA${randomUUID().replaceAll('-', '')}`;

for (const target of databaseTargets()) {
  describe(`call store (${target.name})`, () => {
    let handle: Database;
    let org: Organisation;
    let other: Organisation;
    let calls: CallRepository;
    before(async () => {
      handle = await target.open();
      org = await createTestOrg(handle.db);
      other = await createTestOrg(handle.db);
      calls = new CallRepository(handle.db);
    });
    after(() => handle.close());

    test('an inbound call is created ringing, found by id (org-scoped) and by sid', async () => {
      const callSid = sid();
      const at = new Date('2026-03-01T10:00:00Z');
      const call = await calls.create({
        orgId: org.id,
        direction: 'inbound',
        callSid,
        from: '+14155550100',
        to: '+14155550199',
        agent: 'front-desk',
        context: { note: 'x' },
        at,
      });
      assert.equal(call.status, 'ringing');
      assert.deepEqual(call.context, { note: 'x' });
      assert.equal((await calls.findById(org.id, call.id))?.callSid, callSid);
      assert.equal(await calls.findById(other.id, call.id), undefined);
      assert.equal((await calls.findBySid(callSid))?.id, call.id);
      await assert.rejects(
        calls.create({ orgId: org.id, direction: 'inbound', callSid, from: '+1', to: '+2', agent: 'a' }),
        'a CallSid is unique',
      );
    });

    test('status callbacks out of order never move a call backwards; every event is kept', async () => {
      const callSid = sid();
      const call = await calls.create({
        orgId: org.id,
        direction: 'outbound',
        from: '+14155550199',
        to: '+14155550100',
        agent: 'sales',
      });
      assert.equal(call.status, 'queued');
      await calls.attachSid(org.id, call.id, callSid);
      const t = (s: number) => new Date(Date.UTC(2026, 2, 1, 10, 0, s));
      await calls.recordStatusBySid(callSid, {
        status: 'in-progress',
        source: 'status-callback',
        sequenceNumber: 2,
        occurredAt: t(5),
      });
      const late = await calls.recordStatusBySid(callSid, {
        status: 'ringing',
        source: 'status-callback',
        sequenceNumber: 1,
        occurredAt: t(2),
      });
      assert.equal(late?.status, 'in-progress', 'a late ringing does not overwrite in-progress');
      assert.deepEqual(late?.answeredAt, t(5));
      const done = await calls.recordStatusBySid(callSid, {
        status: 'completed',
        source: 'status-callback',
        sequenceNumber: 3,
        occurredAt: t(40),
        durationSeconds: 35,
        answeredBy: 'human',
      });
      assert.equal(done?.status, 'completed');
      assert.equal(done?.durationSeconds, 35);
      assert.equal(done?.answeredBy, 'human');
      assert.deepEqual(done?.endedAt, t(40));
      const again = await calls.recordStatusBySid(callSid, { status: 'failed', source: 'status-callback' });
      assert.equal(again?.status, 'completed', 'a final status stays');
      const events = await calls.events(org.id, call.id);
      assert.deepEqual(
        events.map((e) => [e.status, e.sequenceNumber]),
        [
          ['queued', null],
          ['in-progress', 2],
          ['ringing', 1],
          ['completed', 3],
          ['failed', null],
        ],
      );
      assert.equal(await calls.recordStatusBySid(sid(), { status: 'completed', source: 'x' }), undefined);
    });

    test('the live registry lists calls with a fresh heartbeat only, and drops ended ones', async () => {
      const transcripts = new TranscriptRepository(handle.db);
      const liveOrg = await createTestOrg(handle.db);
      const now = new Date('2026-03-01T12:00:00Z');
      const a = await calls.create({
        orgId: liveOrg.id,
        direction: 'inbound',
        callSid: sid(),
        from: '+1',
        to: '+2',
        agent: 'x',
        at: now,
      });
      const b = await calls.create({
        orgId: liveOrg.id,
        direction: 'inbound',
        callSid: sid(),
        from: '+1',
        to: '+2',
        agent: 'x',
        at: now,
      });
      const sessionId = randomUUID();
      await transcripts.startSession(liveOrg.id, sessionId, 'twilio', now);
      await calls.markLive(liveOrg.id, a.id, { instanceId: 'i1', sessionId, streamSid: 'MZ1' }, now);
      await calls.markLive(liveOrg.id, b.id, { instanceId: 'i2' }, now);
      const later = new Date(now.getTime() + 20_000);
      assert.equal(
        await calls.heartbeat('i1', [a.id, b.id], later),
        1,
        'an instance refreshes only its own calls',
      );
      const live = await calls.listLive(liveOrg.id, {
        now: new Date(later.getTime() + 1000),
        staleAfterMs: 15_000,
      });
      assert.deepEqual(
        live.map((c) => [c.id, c.sessionId, c.streamSid]),
        [[a.id, sessionId, 'MZ1']],
        'b went stale',
      );
      await calls.endLive(liveOrg.id, a.id, {
        at: later,
        error: { code: 'media_protocol', message: 'bad frame' },
      });
      assert.deepEqual(await calls.listLive(liveOrg.id, { now: later }), []);
      const ended = await calls.findById(liveOrg.id, a.id);
      assert.deepEqual(ended?.error, { code: 'media_protocol', message: 'bad frame' });
      assert.deepEqual(ended?.endedAt, later);
    });

    test('phone numbers route to one organisation and agent; moving a number re-routes it', async () => {
      const numbers = new PhoneNumberRepository(handle.db);
      await numbers.assign(org.id, '+14155550123', 'front-desk');
      assert.deepEqual(await numbers.find('+14155550123'), {
        number: '+14155550123',
        orgId: org.id,
        agent: 'front-desk',
      });
      await numbers.assign(other.id, '+14155550123', 'sales');
      assert.deepEqual(await numbers.find('+14155550123'), {
        number: '+14155550123',
        orgId: other.id,
        agent: 'sales',
      });
      assert.deepEqual(await numbers.list(org.id), []);
      assert.equal(await numbers.remove(other.id, '+14155550123'), true);
      assert.equal(await numbers.find('+14155550123'), undefined);
    });
  });
}
