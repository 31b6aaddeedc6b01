/**
 * Turn metrics and the dashboard's statistics on real databases (PGlite, and PostgreSQL with TEST_DATABASE_URL):
 * calls run through VoiceSessions store one row per answered turn; the stats queries count, bucket by the
 * organisation's local day or hour and take latency percentiles over seeded rows whose answers are worked out by
 * hand, and never see another organisation's rows.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { GeminiLiveBrain } from '../../src/brains/gemini-live/gemini-live-brain.ts';
import { LocalBrain } from '../../src/brains/local/local-brain.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { BuiltinCrm } from '../../src/crm/builtin-crm.ts';
import { VoiceSessions } from '../../src/session/voice-sessions.ts';
import type { Database } from '../../src/store/database.ts';
import { bucketStarts, StatsRepository } from '../../src/store/stats.ts';
import { TranscriptRepository, transcriptSink } from '../../src/store/transcripts.ts';
import { TurnMetricsRepository, type TurnOf, turnMetricsRecorder } from '../../src/store/turn-metrics.ts';
import { crmTools } from '../../src/tools/crm-tools.ts';
import { createUnderstandingEngine } from '../../src/understanding/engine.ts';
import { callerAudio } from '../brains/gemini-live/recorder.ts';
import { FakeGeminiLive, loadLiveScenario } from '../fakes/gemini-live-server.ts';
import { createTestOrg, type DatabaseTarget, databaseTargets } from '../helpers/db.ts';

for (const target of databaseTargets())
  describe(`turn metrics and stats (${target.name})`, () => suite(target));

const TZ = 'Asia/Kolkata';
const at = (iso: string) => new Date(iso);

function suite(target: DatabaseTarget) {
  let database: Database;
  let crm: BuiltinCrm;

  before(async () => {
    database = await target.open();
    crm = new BuiltinCrm({
      db: database.db,
      kind: database.kind,
      logger: silentLogger,
      dataDir: '/tmp',
      csvLogs: false,
    });
  });
  after(async () => {
    await crm.close();
    await database.close();
  });

  it('stores one row per answered turn of a call, with its channel, in turn order', async () => {
    const org = (await createTestOrg(database.db)).id;
    const writes: Promise<void>[] = [];
    const failures: unknown[] = [];
    const recorder = turnMetricsRecorder(database.db, {
      now: () => new Date(),
      onError: (error) => failures.push(error),
    });
    const sessions = new VoiceSessions({
      brain: new LocalBrain({ understander: createUnderstandingEngine() }),
      crmFor: (orgId) => crm.gatewayFor(orgId),
      timeZone: TZ,
      transcriptFor: (orgId, id) => transcriptSink(new TranscriptRepository(database.db), orgId, id),
      // The real recorder; the test only keeps its promises to know when the rows are written.
      metricsFor: (orgId, sessionId, channel) => {
        const sink = recorder(orgId, sessionId, channel);
        return (metrics) => {
          const write = sink(metrics);
          writes.push(write);
          return write;
        };
      },
    });
    const session = await sessions.open(org, 'browser');
    await session.sendText('Add a new lead: Kavya Rao from Mysore, phone 9845012345');
    await session.sendText('hello');
    await session.end();
    await Promise.all(writes);

    assert.deepEqual(failures, []);
    const rows = await new TurnMetricsRepository(database.db).forSession(org, session.id);
    assert.deepEqual(
      rows.map((r) => [r.turn, r.channel, r.source, r.speech_end_to_first_audio_ms]),
      [
        [1, 'browser', 'text', null],
        [2, 'browser', 'text', null],
      ],
    );
    // The first turn wrote a lead through a tool: its time is part of the brain's.
    assert.ok(rows[0]!.brain_ms >= rows[0]!.tool_ms && rows[0]!.tool_ms >= 0);
    assert.equal(rows[0]!.filler, false);
    const other = (await createTestOrg(database.db)).id;
    assert.deepEqual(await new TurnMetricsRepository(database.db).forSession(other, session.id), []);
  });

  it('stores a speech-to-speech call (Gemini Live, fake server) with its speech end → first audio time', async () => {
    const org = (await createTestOrg(database.db)).id;
    const fake = await FakeGeminiLive.start({ scenario: await loadLiveScenario('spoken-turn') });
    try {
      const writes: Promise<void>[] = [];
      const recorder = turnMetricsRecorder(database.db, { now: () => new Date(), onError: () => {} });
      const sessions = new VoiceSessions({
        brain: new LocalBrain({ understander: createUnderstandingEngine() }),
        crmFor: (orgId) => crm.gatewayFor(orgId),
        timeZone: TZ,
        realtime: {
          brain: new GeminiLiveBrain({ apiKey: 'TEST_KEY', baseUrl: fake.baseUrl, reconnectDelaysMs: [0] }),
          tools: crmTools(),
        },
        metricsFor: (orgId, sessionId, channel) => {
          const sink = recorder(orgId, sessionId, channel);
          return (m) => {
            const write = sink(m);
            writes.push(write);
            return write;
          };
        },
      });
      const session = await sessions.open(org, 'twilio');
      const answered = new Promise<void>((resolve) => session.on('turn.metrics', () => resolve()));
      session.pushAudio(callerAudio(300));
      await answered;
      await session.end();
      await Promise.all(writes);
      const rows = await new TurnMetricsRepository(database.db).forSession(org, session.id);
      assert.deepEqual(
        rows.map((r) => [r.turn, r.channel, r.source]),
        [[1, 'twilio', 'speech']],
      );
      assert.equal(typeof rows[0]!.speech_end_to_first_audio_ms, 'number');
      assert.equal(rows[0]!.stt_final_ms, null);
    } finally {
      await fake.close();
    }
  });

  it('reports a write that fails (an unknown organisation) to onError, and the call goes on', async () => {
    const failures: { error: unknown; of: TurnOf }[] = [];
    const writes: Promise<void>[] = [];
    const recorder = turnMetricsRecorder(database.db, {
      now: () => new Date(),
      onError: (error, of) => failures.push({ error, of }),
    });
    const ghost = randomUUID();
    const sessions = new VoiceSessions({
      brain: new LocalBrain({ understander: createUnderstandingEngine() }),
      crmFor: (orgId) => crm.gatewayFor(orgId),
      timeZone: TZ,
      metricsFor: (orgId, sessionId, channel) => {
        const sink = recorder(orgId, sessionId, channel);
        return (m) => {
          const write = sink(m);
          writes.push(write);
          return write;
        };
      },
    });
    const session = await sessions.open(ghost, 'cli');
    const replies: string[] = [];
    session.on('agent.text', (e) => replies.push(e.text));
    await session.sendText('hello');
    await session.sendText('hello again');
    await session.end();
    await Promise.all(writes);
    assert.equal(replies.length, 2, 'both turns were answered');
    assert.equal(failures.length, 2);
    assert.deepEqual(failures[0]!.of, { orgId: ghost, sessionId: session.id, channel: 'cli' });
    assert.match(String(failures[0]!.error), /foreign key|violates/i);
  });

  it('counts, buckets by local day and takes latency percentiles over seeded rows, one organisation only', async () => {
    const org = (await createTestOrg(database.db, TZ)).id;
    const other = (await createTestOrg(database.db, TZ)).id;
    // Three local days in Kolkata (UTC+5:30): 21 Nov 00:00 local is 20 Nov 18:30Z.
    const day1 = '2026-11-20T18:30:00Z';
    for (const id of [org, other]) await seed(database, id);
    // Only in the other organisation: must never show up.
    await insertLead(database, other, 'WON', 'Referral', at('2026-11-21T05:00:00Z'));
    await insertTurn(database, other, 'browser', 99_999, at('2026-11-21T05:00:00Z'));

    const stats = await new StatsRepository(database.db).dashboard({
      orgId: org,
      from: at(day1),
      to: at('2026-11-23T18:30:00Z'),
      bucket: 'day',
      timeZone: TZ,
      now: at('2026-11-22T00:00:00Z'),
    });

    assert.deepEqual(stats.buckets, [
      '2026-11-20T18:30:00.000Z',
      '2026-11-21T18:30:00.000Z',
      '2026-11-22T18:30:00.000Z',
    ]);
    assert.deepEqual(stats.leads.by_status, { NEW: 2, IN_PROGRESS: 1, FOLLOW_UP: 0, WON: 1, LOST: 0 });
    assert.equal(stats.leads.total, 4);
    assert.deepEqual(stats.leads.by_source, [
      { source: 'Instagram', count: 2 },
      { source: 'Website', count: 1 },
      { source: null, count: 1 },
    ]);
    // 20 Nov 19:00Z is already 21 Nov locally (00:30): the first day's bucket.
    assert.deepEqual(stats.leads.created, [2, 0, 2]);
    assert.deepEqual(stats.visits, { total: 2, booked: [1, 1, 0] });
    assert.deepEqual(stats.meetings, { upcoming: 1 });
    assert.deepEqual(stats.messages.by_status, { QUEUED: 1, SENT: 2, FAILED: 1, SENDING: 0, CANCELLED: 0 });
    assert.equal(stats.messages.total, 4);
    assert.deepEqual(stats.sessions.by_channel, { browser: 2, twilio: 1 });
    assert.deepEqual(stats.sessions.per_bucket, { browser: [1, 1, 0], twilio: [0, 0, 1] });
    assert.equal(stats.sessions.total, 3);
    assert.deepEqual(stats.phone_calls.by_status, { completed: 1, 'no-answer': 1 });
    assert.deepEqual(stats.phone_calls.per_bucket, { inbound: [0, 0, 1], outbound: [1, 0, 0] });
    // Day 1: 100, 200, 300, 400 → p50 250, p95 300 + 0.85 × 100; day 2: 1000 alone; day 3: none.
    assert.deepEqual(stats.latency.per_bucket, {
      measured: [4, 1, 0],
      p50_ms: [250, 1000, null],
      p95_ms: [385, 1000, null],
    });
    // Over all five: p50 is the middle one; p95 400 + 0.8 × 600. The typed turn counts as a turn, not a sample.
    assert.deepEqual(
      {
        turns: stats.latency.turns,
        measured: stats.latency.measured,
        p50: stats.latency.p50_ms,
        p95: stats.latency.p95_ms,
      },
      { turns: 6, measured: 5, p50: 300, p95: 880 },
    );
  });

  it('buckets by the local hour, and a range with nothing in it is all zeros', async () => {
    const org = (await createTestOrg(database.db, TZ)).id;
    await seed(database, org);
    const repo = new StatsRepository(database.db);
    const hours = await repo.dashboard({
      orgId: org,
      from: at('2026-11-21T04:30:00Z'),
      to: at('2026-11-21T07:30:00Z'),
      bucket: 'hour',
      timeZone: TZ,
      now: at('2026-11-22T00:00:00Z'),
    });
    assert.equal(hours.buckets.length, 3);
    // The four day-1 turns are at 05:00Z, 05:10Z (the 10:00 local hour), 06:40Z and 06:50Z (the 12:00 one).
    assert.deepEqual(hours.latency.per_bucket.measured, [2, 0, 2]);
    assert.deepEqual(hours.latency.per_bucket.p50_ms, [150, null, 350]);
    assert.deepEqual(hours.leads.created, [1, 0, 0]);

    const empty = await repo.dashboard({
      orgId: org,
      from: at('2025-01-01T00:00:00Z'),
      to: at('2025-01-03T00:00:00Z'),
      bucket: 'day',
      timeZone: 'UTC',
      now: at('2025-01-01T00:00:00Z'),
    });
    assert.deepEqual(empty.leads.created, [0, 0]);
    assert.equal(empty.leads.total, 0);
    assert.deepEqual(empty.sessions, { total: 0, by_channel: {}, per_bucket: {} });
    assert.deepEqual(empty.latency, {
      turns: 0,
      measured: 0,
      p50_ms: null,
      p95_ms: null,
      per_bucket: { measured: [0, 0], p50_ms: [null, null], p95_ms: [null, null] },
    });
  });
}

describe('bucket starts', () => {
  it('are local midnights across a daylight-saving change, and local hours in a half-hour zone', () => {
    // Europe/London left summer time on 25 Oct 2026: that day is 25 hours long.
    const days = bucketStarts(at('2026-10-24T12:00:00Z'), at('2026-10-27T00:00:00Z'), 'day', 'Europe/London');
    assert.deepEqual(
      days.map((d) => d.toISOString()),
      ['2026-10-23T23:00:00.000Z', '2026-10-24T23:00:00.000Z', '2026-10-26T00:00:00.000Z'],
    );
    const hours = bucketStarts(at('2026-11-21T05:00:00Z'), at('2026-11-21T06:31:00Z'), 'hour', TZ);
    assert.deepEqual(
      hours.map((d) => d.toISOString()),
      ['2026-11-21T04:30:00.000Z', '2026-11-21T05:30:00.000Z', '2026-11-21T06:30:00.000Z'],
    );
  });
});

/** The same rows for any organisation, at fixed times over three local days (Asia/Kolkata). */
async function seed(database: Database, org: string): Promise<void> {
  // Leads: two on day 1 (one just after local midnight), two on day 3; one before the range.
  const lead1 = await insertLead(database, org, 'NEW', 'Instagram', at('2026-11-20T19:00:00Z'));
  await insertLead(database, org, 'IN_PROGRESS', 'Instagram', at('2026-11-21T05:00:00Z'));
  await insertLead(database, org, 'NEW', null, at('2026-11-23T04:00:00Z'));
  await insertLead(database, org, 'WON', 'Website', at('2026-11-23T10:00:00Z'));
  await insertLead(database, org, 'LOST', 'Website', at('2026-11-19T10:00:00Z'));
  // Visits booked on day 1 and day 2.
  await insertVisit(database, org, lead1, at('2026-11-21T06:00:00Z'));
  await insertVisit(database, org, lead1, at('2026-11-22T06:00:00Z'));
  // Meetings: one ahead, one past, one cancelled ahead (now is 22 Nov 00:00Z).
  await insertMeeting(database, org, at('2026-11-25T05:00:00Z'), 'CONFIRMED');
  await insertMeeting(database, org, at('2026-11-20T05:00:00Z'), 'CONFIRMED');
  await insertMeeting(database, org, at('2026-11-26T05:00:00Z'), 'CANCELLED');
  for (const [status, when] of [
    ['SENT', '2026-11-21T05:00:00Z'],
    ['SENT', '2026-11-22T05:00:00Z'],
    ['FAILED', '2026-11-22T06:00:00Z'],
    ['QUEUED', '2026-11-23T05:00:00Z'],
  ] as const) {
    await sql`insert into outbox_messages (id, org_id, channel, recipient, subject, body, status, created_at,
      due_at, updated_at) values (${randomUUID()}, ${org}, 'sms', '+919845012345', null, 'hi', ${status},
      ${at(when)}, ${at(when)}, ${at(when)})`.execute(database.db);
  }
  const transcripts = new TranscriptRepository(database.db);
  await transcripts.startSession(org, randomUUID(), 'browser', at('2026-11-21T05:00:00Z'));
  await transcripts.startSession(org, randomUUID(), 'browser', at('2026-11-22T05:00:00Z'));
  await transcripts.startSession(org, randomUUID(), 'twilio', at('2026-11-23T05:00:00Z'));
  await insertPhoneCall(database, org, 'outbound', 'no-answer', at('2026-11-21T05:00:00Z'));
  await insertPhoneCall(database, org, 'inbound', 'completed', at('2026-11-23T05:00:00Z'));
  // Spoken turns: four on day 1 (two local hours), one on day 2; a typed turn without a latency.
  await insertTurn(database, org, 'browser', 100, at('2026-11-21T05:00:00Z'));
  await insertTurn(database, org, 'browser', 200, at('2026-11-21T05:10:00Z'));
  await insertTurn(database, org, 'browser', 300, at('2026-11-21T06:40:00Z'));
  await insertTurn(database, org, 'browser', 400, at('2026-11-21T06:50:00Z'));
  await insertTurn(database, org, 'twilio', 1000, at('2026-11-22T05:00:00Z'));
  await insertTurn(database, org, 'browser', null, at('2026-11-22T06:00:00Z'));
}

async function insertLead(
  database: Database,
  org: string,
  status: 'NEW' | 'IN_PROGRESS' | 'FOLLOW_UP' | 'WON' | 'LOST',
  source: string | null,
  createdAt: Date,
): Promise<string> {
  const id = randomUUID();
  await database.db
    .insertInto('leads')
    .values({
      id,
      org_id: org,
      name: 'Test Lead',
      phone: `+9198450${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`,
      city: 'Mysore',
      source,
      status,
      created_at: createdAt,
      updated_at: createdAt,
    })
    .execute();
  return id;
}

async function insertVisit(database: Database, org: string, leadId: string, createdAt: Date): Promise<void> {
  await database.db
    .insertInto('visits')
    .values({
      id: randomUUID(),
      org_id: org,
      lead_id: leadId,
      visit_time: new Date(createdAt.getTime() + 86_400_000),
      notes: null,
      status: 'SCHEDULED',
      created_at: createdAt,
    })
    .execute();
}

async function insertMeeting(database: Database, org: string, startAt: Date, status: string): Promise<void> {
  await sql`insert into meetings (id, org_id, title, start_at, end_at, time_zone, attendees, status, created_at,
    updated_at) values (${randomUUID()}, ${org}, 'Review', ${startAt}, ${new Date(startAt.getTime() + 1_800_000)},
    ${TZ}, '[]'::jsonb, ${status}, ${startAt}, ${startAt})`.execute(database.db);
}

async function insertPhoneCall(
  database: Database,
  org: string,
  direction: 'inbound' | 'outbound',
  status: string,
  createdAt: Date,
): Promise<void> {
  await database.db
    .insertInto('calls')
    .values({
      id: randomUUID(),
      org_id: org,
      direction,
      call_sid: `CA${randomUUID().replaceAll('-', '')}`,
      stream_sid: null,
      from_number: '+919845012345',
      to_number: '+912240001234',
      agent: 'default',
      context: '{}',
      status,
      answered_by: null,
      duration_seconds: null,
      session_id: null,
      instance_id: null,
      heartbeat_at: null,
      error: null,
      created_at: createdAt,
      updated_at: createdAt,
    })
    .execute();
}

async function insertTurn(
  database: Database,
  org: string,
  channel: string,
  latencyMs: number | null,
  createdAt: Date,
): Promise<void> {
  await new TurnMetricsRepository(database.db).record(
    { orgId: org, sessionId: randomUUID(), channel },
    {
      turn: 1,
      source: latencyMs === null ? 'text' : 'speech',
      speechEndToFirstAudioMs: latencyMs,
      endpointSilenceMs: latencyMs === null ? null : 600,
      sttFinalMs: latencyMs === null ? null : 40,
      brainMs: 80,
      toolMs: 0,
      ttsFirstChunkMs: latencyMs === null ? null : 90,
      filler: false,
    },
    createdAt,
  );
}
