import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import ICAL from 'ical.js';
import { silentLogger } from '../../../src/core/logger.ts';
import { fixedClock } from '../../../src/core/time.ts';
import { createHttpApp } from '../../../src/http/app.ts';
import { createOrgResolver } from '../../../src/http/org.ts';
import { registerCalendarRoutes } from '../../../src/http/routes/calendar.ts';
import { BuiltinCalendar } from '../../../src/integrations/calendar/builtin-calendar.ts';
import type { Database } from '../../../src/store/database.ts';
import { ApiKeyRepository } from '../../../src/store/organisations.ts';
import { createTestOrg, databaseTargets } from '../../helpers/db.ts';

/** Every occurrence start (UTC ISO) of every event in a feed, expanded by ical.js up to `until`. */
function expandFeed(text: string, until: string): { summary: string; starts: string[] }[] {
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const tz of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
  return calendar.getAllSubcomponents('vevent').map((vevent) => {
    const event = new ICAL.Event(vevent);
    const starts: string[] = [];
    const iterator = event.iterator();
    for (let next = iterator.next(); next; next = iterator.next()) {
      const at = next.toJSDate();
      if (at.toISOString() >= until) break;
      starts.push(at.toISOString());
    }
    return { summary: event.summary, starts };
  });
}

for (const target of databaseTargets()) {
  describe(`calendar HTTP API and iCalendar feed (${target.name})`, () => {
    let database: Database;
    let app: FastifyInstance;
    let key: string;
    let otherKey: string;
    const clock = fixedClock('2025-09-19T09:00:00+05:30');

    before(async () => {
      database = await target.open();
      const org = await createTestOrg(database.db, 'Europe/London');
      const other = await createTestOrg(database.db);
      key = await new ApiKeyRepository(database.db).create(org.id, 'test');
      otherKey = await new ApiKeyRepository(database.db).create(other.id, 'test');
      app = createHttpApp({ logger: silentLogger, bodyLimit: 1 << 20 });
      const calendar = new BuiltinCalendar({ db: database.db, logger: silentLogger, clock, blocks: false });
      registerCalendarRoutes(app, {
        db: database.db,
        calendar,
        resolveOrg: createOrgResolver({ db: database.db, anonymousOrgId: null }),
        publicUrl: 'https://rooman.example.com',
        clock,
      });
      await app.ready();
    });
    after(async () => {
      await app.close();
      await database.close();
    });

    const call = (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT',
      url: string,
      body?: unknown,
      k = key,
    ) =>
      app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${k}` },
        ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
      });

    it('schedules, reads, updates, moves and cancels meetings; clashes name the meeting and its time', async () => {
      const review = await call('POST', '/api/meetings', {
        title: 'design review',
        start: '2025-10-06T15:00:00+01:00',
        duration_minutes: 60,
        attendees: ['Priya', 'priya@example.com'],
        reminder_minutes: [15],
      });
      assert.equal(review.statusCode, 201);
      const reviewId = review.json().meeting.meeting_id as string;
      const sync = await call('POST', '/api/meetings', {
        title: 'team sync',
        start: '2025-10-06T15:30:00+01:00',
        recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=4',
      });
      assert.equal(sync.statusCode, 201);
      assert.deepEqual(
        sync.json().conflicts.map((c: { title: string; start: string }) => [c.title, c.start]),
        [['design review', '2025-10-06T15:00:00+01:00']],
      );
      const syncId = sync.json().meeting.meeting_id as string;

      const listed = await call('GET', '/api/meetings?from=2025-10-01T00:00:00Z&to=2025-11-30T00:00:00Z');
      assert.deepEqual(
        listed.json().meetings.map((m: { title: string; start: string }) => `${m.title} ${m.start}`),
        [
          'design review 2025-10-06T15:00:00+01:00',
          'team sync 2025-10-06T15:30:00+01:00',
          'team sync 2025-10-13T15:30:00+01:00',
          'team sync 2025-10-20T15:30:00+01:00',
          // Clocks go back on 26 October: still half past three, local time.
          'team sync 2025-10-27T15:30:00+00:00',
        ],
      );
      assert.equal((await call('GET', `/api/meetings/${reviewId}`)).json().title, 'design review');
      assert.equal((await call('GET', `/api/meetings/${reviewId}`, undefined, otherKey)).statusCode, 404);

      const renamed = await call('PATCH', `/api/meetings/${reviewId}`, {
        title: 'design review v2',
        attendees: ['priya@example.com', '+44 20 7946 0958'],
      });
      assert.equal(renamed.statusCode, 200);
      assert.deepEqual(renamed.json().meeting.attendees, ['priya@example.com', '+442079460958']);
      const moved = await call('PATCH', `/api/meetings/${reviewId}`, { start: '2025-10-07T09:00:00+01:00' });
      assert.equal(moved.json().meeting.end, '2025-10-07T10:00:00+01:00');

      const one = await call(
        'DELETE',
        `/api/meetings/${syncId}?occurrence_start=2025-10-13T15:30:00%2B01:00`,
      );
      assert.equal(one.statusCode, 200);
      assert.equal(one.json().status, 'CANCELLED');
      const after = await call('GET', '/api/meetings?from=2025-10-13T00:00:00Z&to=2025-10-14T00:00:00Z');
      assert.deepEqual(after.json().meetings, []);
    });

    it('refuses bad input with the field at fault, before anything is written', async () => {
      const bad = async (body: unknown, field: string) => {
        const r = await call('POST', '/api/meetings', body);
        assert.equal(r.statusCode, 400, JSON.stringify(r.json()));
        assert.equal(r.json().error.type, 'VALIDATION_ERROR');
        assert.equal(r.json().error.field, field);
      };
      await bad({ title: 'x', start: 'tomorrow at 3' }, 'start');
      await bad({ title: 'x', start: '2025-09-01T10:00:00+01:00' }, 'start');
      await bad({ title: 'x', start: '2025-10-10T10:00:00+01:00', attendees: ['not@an'] }, 'attendees.0');
      await bad({ title: 'x', start: '2025-10-10T10:00:00+01:00', attendees: ['12345 67'] }, 'attendees.0');
      await bad({ title: 'x', start: '2025-10-10T10:00:00+01:00', recurrence: 'every monday' }, 'recurrence');
      await bad(
        { title: 'x', start: '2025-10-10T10:00:00+01:00', recurrence: 'FREQ=DAILY;BYDAY=XY' },
        'recurrence',
      );
      await bad(
        { title: 'x', start: '2025-10-10T10:00:00+01:00', reminder_minutes: [-5] },
        'reminder_minutes.0',
      );
      const zone = await call('PUT', '/api/calendar/users/ravi@example.com', { time_zone: 'Nowhere/City' });
      assert.equal(zone.json().error.field, 'time_zone');
      assert.equal((await call('POST', '/api/calendar/feeds', {}, 'rmn_wrong')).statusCode, 401);
    });

    it('serves a secret iCalendar feed that a real parser expands, per organisation and per person; revoked feeds are gone', async () => {
      const created = await call('POST', '/api/calendar/feeds', {});
      assert.equal(created.statusCode, 201);
      const url = new URL(created.json().url as string);
      assert.equal(url.origin, 'https://rooman.example.com');
      assert.match(url.pathname, /^\/calendar\/rcal_[A-Za-z0-9_-]{43}\.ics$/);

      const feed = await app.inject({ method: 'GET', url: url.pathname });
      assert.equal(feed.statusCode, 200);
      assert.match(String(feed.headers['content-type']), /^text\/calendar/);
      assert.match(feed.body, /RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4/);
      assert.match(feed.body, /BEGIN:VTIMEZONE\r\nTZID:Europe\/London/);
      const events = expandFeed(feed.body, '2026-01-01T00:00:00Z');
      assert.deepEqual(events, [
        {
          summary: 'team sync',
          // 13 October was cancelled (EXDATE); after the DST change the UTC hour moves, the local one does not.
          starts: ['2025-10-06T14:30:00.000Z', '2025-10-20T14:30:00.000Z', '2025-10-27T15:30:00.000Z'],
        },
        { summary: 'design review v2', starts: ['2025-10-07T08:00:00.000Z'] },
      ]);

      // A person's feed: only what they attend, in their own zone.
      await call('PUT', '/api/calendar/users/Priya@Example.com', { time_zone: 'Asia/Kolkata' });
      const mine = await call('POST', '/api/calendar/feeds', { user: 'priya@example.com' });
      const myFeed = await app.inject({ method: 'GET', url: new URL(mine.json().url as string).pathname });
      assert.match(myFeed.body, /X-WR-TIMEZONE:Asia\/Kolkata/);
      assert.deepEqual(
        expandFeed(myFeed.body, '2026-01-01T00:00:00Z').map((e) => e.summary),
        ['design review v2'],
      );
      const alarm = new ICAL.Component(ICAL.parse(myFeed.body))
        .getFirstSubcomponent('vevent')!
        .getFirstSubcomponent('valarm')!;
      assert.equal(String(alarm.getFirstPropertyValue('trigger')), '-PT15M');

      const listed = await call('GET', '/api/calendar/feeds');
      assert.equal(listed.json().feeds.length, 2);
      assert.ok(!JSON.stringify(listed.json()).includes('rcal_'), 'tokens are never listed');
      const revoked = await call('DELETE', `/api/calendar/feeds/${created.json().feed_id}`);
      assert.ok(revoked.json().revoked_at);
      assert.equal((await app.inject({ method: 'GET', url: url.pathname })).statusCode, 404);
      assert.equal((await app.inject({ method: 'GET', url: '/calendar/rcal_guess.ics' })).statusCode, 404);
      assert.equal(
        (await call('DELETE', `/api/calendar/feeds/${mine.json().feed_id}`, undefined, otherKey)).statusCode,
        404,
        'another organisation cannot revoke it',
      );
    });
  });
}
