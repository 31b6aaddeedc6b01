import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { RoomanError } from '../../../src/core/errors.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import type { MeetingCalendar } from '../../../src/core/meetings.ts';
import type { Clock } from '../../../src/core/time.ts';
import { createHttpApp } from '../../../src/http/app.ts';
import { createOrgResolver } from '../../../src/http/org.ts';
import { registerOAuthRoutes } from '../../../src/http/routes/oauth.ts';
import { BuiltinCalendar } from '../../../src/integrations/calendar/builtin-calendar.ts';
import { GoogleCalendarSync } from '../../../src/integrations/google/calendar-sync.ts';
import { GoogleConnections } from '../../../src/integrations/google/connections.ts';
import { SecretBox } from '../../../src/integrations/google/secret-box.ts';
import { runCalendarSync } from '../../../src/jobs/calendar-sync.ts';
import type { Database } from '../../../src/store/database.ts';
import { ApiKeyRepository } from '../../../src/store/organisations.ts';
import { FakeGoogleApi } from '../../fakes/google-api-server.ts';
import { createTestOrg, databaseTargets } from '../../helpers/db.ts';

const at = (iso: string) => new Date(iso);
const PUBLIC = 'https://rooman.example.com';

function movableClock(start: string): Clock & { set(iso: string): void } {
  let now = at(start);
  return { now: () => new Date(now.getTime()), set: (iso) => (now = at(iso)) };
}

const isUnauthorized = (pattern: RegExp) => (e: unknown) =>
  e instanceof RoomanError && e.type === 'UNAUTHORIZED' && pattern.test(e.message);

for (const target of databaseTargets()) {
  describe(`Google Calendar: OAuth and two-way sync (${target.name})`, () => {
    let database: Database;
    let fake: FakeGoogleApi;
    let app: FastifyInstance;
    let connections: GoogleConnections;
    let sync: GoogleCalendarSync;
    let calendar: BuiltinCalendar;
    let cal: MeetingCalendar;
    let orgId: string;
    let key: string;
    const clock = movableClock('2025-09-19T09:00:00+05:30');

    before(async () => {
      database = await target.open();
      fake = await new FakeGoogleApi({ clientId: 'client-1', clientSecret: 'secret-1' }).start();
      const org = await createTestOrg(database.db);
      orgId = org.id;
      key = await new ApiKeyRepository(database.db).create(org.id, 'test');
      connections = new GoogleConnections({
        db: database.db,
        box: SecretBox.fromPassphrase('a test passphrase that is long enough'),
        settings: {
          clientId: 'client-1',
          clientSecret: 'secret-1',
          redirectUri: `${PUBLIC}/oauth/google/callback`,
          oauthBaseUrl: fake.baseUrl,
          apiBaseUrl: fake.baseUrl,
        },
        logger: silentLogger,
        connectUrl: `${PUBLIC}/google.html`,
      });
      sync = new GoogleCalendarSync({ db: database.db, connections, logger: silentLogger, clock });
      calendar = new BuiltinCalendar({
        db: database.db,
        logger: silentLogger,
        clock,
        blocks: false,
        onWrite: (org) => void sync.requestSync(org),
      });
      cal = calendar.calendarFor(orgId);
      app = createHttpApp({ logger: silentLogger, bodyLimit: 1 << 20 });
      registerOAuthRoutes(app, {
        google: { connections, sync },
        resolveOrg: createOrgResolver({ db: database.db, anonymousOrgId: null }),
      });
      await app.ready();
    });
    after(async () => {
      await app.close();
      await fake.stop();
      await database.close();
    });

    /** The browser's round trip: our start → Google's consent (the fake consents) → our callback. */
    async function connect(scopes = 'calendar'): Promise<string> {
      const start = await app.inject({
        method: 'GET',
        url: `/oauth/google/start?scopes=${scopes}`,
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(start.statusCode, 302);
      const consent = await fetch(String(start.headers.location), { redirect: 'manual' });
      assert.equal(consent.status, 302);
      const back = new URL(String(consent.headers.get('location')));
      assert.equal(`${back.origin}${back.pathname}`, `${PUBLIC}/oauth/google/callback`);
      const callback = await app.inject({ method: 'GET', url: `${back.pathname}${back.search}` });
      return String(callback.headers.location);
    }

    it('connects with the authorization-code flow (PKCE, signed state), tokens sealed at rest', async () => {
      const before = await app.inject({
        method: 'GET',
        url: '/api/google/status',
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(before.json().status, 'NOT_CONNECTED');
      const start = await app.inject({
        method: 'GET',
        url: '/oauth/google/start?format=json&scopes=calendar,gmail.send',
        headers: { authorization: `Bearer ${key}` },
      });
      const consentUrl = new URL(start.json().url as string);
      assert.equal(`${consentUrl.origin}${consentUrl.pathname}`, `${fake.baseUrl}/o/oauth2/v2/auth`);
      assert.equal(consentUrl.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(consentUrl.searchParams.get('access_type'), 'offline');
      assert.match(consentUrl.searchParams.get('scope')!, /auth\/calendar .*auth\/gmail\.send/);
      assert.match(consentUrl.searchParams.get('state')!, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(
        (await app.inject({ method: 'GET', url: '/oauth/google/start' })).statusCode,
        401,
        'starting needs an API key',
      );

      assert.equal(await connect('calendar,gmail.send'), '/google.html?connected=1');
      const token = fake.requests.find((r) => r.path === '/token')!;
      assert.equal((token.body as Record<string, string>).grant_type, 'authorization_code');
      assert.match((token.body as Record<string, string>).code_verifier!, /^[A-Za-z0-9._~-]{43,128}$/);

      const { rows } = await sql<{ refresh_token: string; access_token: string }>`
        select refresh_token, access_token from google_connections where org_id = ${orgId}`.execute(
        database.db,
      );
      assert.match(rows[0]!.refresh_token, /^v1\./);
      assert.ok(!rows[0]!.refresh_token.includes('1//'), 'the refresh token is not stored in clear');
      assert.match(rows[0]!.access_token, /^v1\./);

      const status = await app.inject({
        method: 'GET',
        url: '/api/google/status',
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(status.json().status, 'CONNECTED');
      assert.equal(status.json().account, 'owner@example.com');
      // Another module (the Gmail channel) gets a token for its scope.
      assert.match(await connections.accessToken(orgId, 'gmail.send'), /^ya29\./);

      // A state is good once; a forged one is refused.
      const forged = await app.inject({ method: 'GET', url: '/oauth/google/callback?state=nope&code=4/x' });
      assert.match(String(forged.headers.location), /^\/google\.html\?error=state/);
    });

    it('pushes local meetings, pulls Google changes incrementally, and keeps them in step', async () => {
      const standup = await cal.create({
        title: 'standup',
        start: at('2025-09-22T10:00:00+05:30'),
        end: at('2025-09-22T10:15:00+05:30'),
        attendees: ['Priya', 'ravi@example.com'],
        recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=5',
        reminderMinutes: [10],
      });
      await cal.cancel(standup.meeting.meeting_id, { occurrenceStart: at('2025-09-29T10:00:00+05:30') });
      const review = await cal.create({
        title: 'design review',
        start: at('2025-09-23T15:00:00+05:30'),
        end: at('2025-09-23T16:00:00+05:30'),
        attendees: [],
        recurrence: null,
      });
      // Long past in Google: a full sync does not bring it (it starts 90 days back).
      const old = fake.addEvent({
        summary: 'old offsite',
        start: { dateTime: '2025-01-10T09:00:00+05:30' },
        end: { dateTime: '2025-01-10T17:00:00+05:30' },
      });
      const first = await sync.run(orgId);
      assert.equal(first.pushed, 2);
      assert.equal(first.fullSync, true);
      const fullList = fake.requests.find((r) => r.path.endsWith('/events') && r.method === 'GET')!;
      assert.equal(fullList.query.get('timeMin'), '2025-06-21T03:30:00.000Z');
      const pushed = fake.events().filter((e) => e.id !== old.id);
      assert.deepEqual(
        pushed.map((e) => e.summary),
        ['standup', 'design review'],
      );
      assert.deepEqual(pushed[0]!.recurrence, [
        'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5',
        'EXDATE;TZID=Asia/Kolkata:20250929T100000',
      ]);
      assert.deepEqual(pushed[0]!.start, { dateTime: '2025-09-22T10:00:00+05:30', timeZone: 'Asia/Kolkata' });
      assert.deepEqual(pushed[0]!.attendees, [{ email: 'ravi@example.com' }]);
      assert.deepEqual(pushed[0]!.reminders, {
        useDefault: false,
        overrides: [{ method: 'popup', minutes: 10 }],
      });

      // In Google: a new meeting, the review renamed and moved, the standup's 6 October occurrence deleted.
      fake.addEvent({
        summary: 'dentist',
        start: { dateTime: '2025-09-24T09:00:00+05:30', timeZone: 'Asia/Kolkata' },
        end: { dateTime: '2025-09-24T09:45:00+05:30', timeZone: 'Asia/Kolkata' },
      });
      fake.changeEvent(pushed[1]!.id, {
        summary: 'design review (final)',
        start: { dateTime: '2025-09-23T17:00:00+05:30' },
        end: { dateTime: '2025-09-23T18:00:00+05:30' },
      });
      fake.addEvent({
        id: `${pushed[0]!.id}_20251006T043000Z`,
        recurringEventId: pushed[0]!.id,
        originalStartTime: { dateTime: '2025-10-06T10:00:00+05:30' },
        status: 'cancelled',
      } as never);
      const second = await sync.run(orgId);
      assert.equal(second.fullSync, false);
      const lastList = fake.requests.filter((r) => r.path.endsWith('/events') && r.method === 'GET').at(-1)!;
      assert.match(lastList.query.get('syncToken') ?? '', /^st-/);

      const week = await cal.list({
        from: at('2025-09-22T00:00:00+05:30'),
        to: at('2025-10-14T00:00:00+05:30'),
      });
      assert.deepEqual(
        week.map((m) => `${m.title} ${m.start}`),
        [
          'standup 2025-09-22T10:00:00+05:30',
          'design review (final) 2025-09-23T17:00:00+05:30',
          'dentist 2025-09-24T09:00:00+05:30',
          'standup 2025-10-13T10:00:00+05:30',
        ],
      );
      assert.equal((await cal.get(review.meeting.meeting_id))!.title, 'design review (final)');

      // A local move asks for a sync; the job (claimed in the database) pushes it.
      await cal.move(review.meeting.meeting_id, { start: at('2025-09-25T11:00:00+05:30') });
      const [a, b] = await Promise.all([
        runCalendarSync({ db: database.db, sync, logger: silentLogger, clock }),
        runCalendarSync({ db: database.db, sync, logger: silentLogger, clock }),
      ]);
      assert.deepEqual([...a.synced, ...b.synced], [orgId], 'one instance synced the organisation');
      assert.equal(
        fake.events().find((e) => e.id === pushed[1]!.id)!.start!.dateTime,
        '2025-09-25T11:00:00+05:30',
      );

      // Deleted in Google: cancelled here. Cancelled here: deleted there.
      const dentist = fake.events().find((e) => e.summary === 'dentist')!;
      fake.changeEvent(dentist.id, { status: 'cancelled' });
      await cal.cancel(standup.meeting.meeting_id);
      await sync.run(orgId);
      assert.deepEqual(await cal.onDay('2025-09-24'), []);
      assert.equal(fake.events().find((e) => e.id === pushed[0]!.id)!.status, 'cancelled');
    });

    it('starts over with a full sync when Google says the sync token is stale (410), without duplicates', async () => {
      fake.invalidateSyncTokens();
      const result = await sync.run(orgId);
      assert.equal(result.fullSync, true);
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from meetings where org_id = ${orgId} and google_event_id is not null`.execute(
        database.db,
      );
      assert.equal(rows[0]!.n, 3);
      assert.equal((await sync.run(orgId)).fullSync, false);
    });

    it('refreshes an expired access token with the refresh token', async () => {
      fake.expireAccessTokens();
      const before = fake.requests.filter((r) => r.path === '/token').length;
      await sync.run(orgId);
      const refreshes = fake.requests
        .filter((r) => r.path === '/token')
        .slice(before)
        .map((r) => (r.body as Record<string, string>).grant_type);
      assert.deepEqual(refreshes, ['refresh_token']);
    });

    it('a revoked grant (invalid_grant) marks the connection broken and says how to reconnect; reconnecting mends it', async () => {
      fake.revokeAll();
      await assert.rejects(
        sync.run(orgId),
        isUnauthorized(/reconnect Google at https:\/\/rooman\.example\.com\/google\.html/),
      );
      const status = (
        await app.inject({
          method: 'GET',
          url: '/api/google/status',
          headers: { authorization: `Bearer ${key}` },
        })
      ).json();
      assert.equal(status.status, 'BROKEN');
      assert.match(status.broken_reason, /invalid_grant/);
      assert.equal(status.connect_url, `${PUBLIC}/google.html`);
      const tokenCalls = fake.requests.filter((r) => r.path === '/token').length;
      // Broken stays broken without asking Google again, for every user of the connection.
      await assert.rejects(connections.accessToken(orgId, 'gmail.send'), isUnauthorized(/broken/));
      assert.equal(fake.requests.filter((r) => r.path === '/token').length, tokenCalls);
      // The periodic job leaves a broken connection alone.
      clock.set('2025-09-19T12:00:00+05:30');
      assert.deepEqual(await runCalendarSync({ db: database.db, sync, logger: silentLogger, clock }), {
        synced: [],
        failed: [],
      });

      assert.equal(await connect(), '/google.html?connected=1');
      const mended = await sync.run(orgId);
      assert.equal(mended.fullSync, true);
    });
  });
}

describe('SecretBox', () => {
  it('seals with AES-256-GCM: another key or an altered value does not open', () => {
    const box = SecretBox.fromPassphrase('x'.repeat(32));
    const sealed = box.seal('1//refresh-token');
    assert.notEqual(box.seal('1//refresh-token'), sealed, 'a fresh IV every time');
    assert.equal(box.open(sealed), '1//refresh-token');
    assert.throws(() => SecretBox.fromPassphrase('y'.repeat(32)).open(sealed));
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    assert.throws(() => box.open(parts.join('.')));
  });

  it('without a configured key, generates one once in the data dir, readable only by the owner', async () => {
    const { mkdtemp, stat, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'rooman-secret-'));
    try {
      const [a, b] = await Promise.all([
        SecretBox.open({ secretKey: undefined, dataDir: dir }),
        SecretBox.open({ secretKey: undefined, dataDir: dir }),
      ]);
      assert.equal(b.open(a.seal('same key')), 'same key');
      assert.equal((await stat(join(dir, 'secret.key'))).mode & 0o777, 0o600);
      const later = await SecretBox.open({ secretKey: undefined, dataDir: dir });
      assert.equal(later.open(a.seal('kept')), 'kept');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
