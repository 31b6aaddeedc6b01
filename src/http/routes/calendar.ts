/**
 * The calendar over HTTP.
 *
 *   GET    /api/meetings?from&to&title&user   meetings and occurrences overlapping a range (default: next 30 days)
 *   POST   /api/meetings                      schedule (the scheduleMeeting tool's input); 201 + conflicts
 *   GET    /api/meetings/:id                  one meeting (a series: its first occurrence)
 *   PATCH  /api/meetings/:id                  title, attendees, reminders, recurrence; start/end move it
 *   DELETE /api/meetings/:id?occurrence_start  cancel the meeting, or one occurrence of a series
 *   PUT    /api/calendar/users/:user           { time_zone }: a person's own zone
 *   POST   /api/calendar/feeds                { user? }: a secret iCalendar subscribe URL (shown once)
 *   GET    /api/calendar/feeds                the organisation's feeds (no tokens)
 *   DELETE /api/calendar/feeds/:id            revoke a feed
 *   GET    /calendar/{token}.ics              the feed itself (the token is the credential)
 *
 * Every /api route acts for the organisation of the API key (src/http/org.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { IsoDateTime } from '../../core/crm.ts';
import { RoomanError } from '../../core/errors.ts';
import {
  Attendee,
  DEFAULT_MEETING_MINUTES,
  MeetingId,
  RecurrenceRule,
  ReminderMinutes,
  ScheduleMeetingInput,
} from '../../core/meetings.ts';
import { type Clock, parseIsoWithOffset, systemClock } from '../../core/time.ts';
import { parseWith } from '../../core/validation.ts';
import type { BuiltinCalendar, CalendarView } from '../../integrations/calendar/builtin-calendar.ts';
import { meetingsFeed } from '../../integrations/calendar/ical-feed.ts';
import { CalendarFeedRepository, type CalendarFeedRow } from '../../store/calendar-feeds.ts';
import { userRef } from '../../store/calendar-users.ts';
import { MeetingRepository } from '../../store/meetings.ts';
import { OrganisationRepository } from '../../store/organisations.ts';
import type { Schema } from '../../store/schema.ts';

export interface CalendarRoutesOptions {
  db: Kysely<Schema>;
  calendar: BuiltinCalendar;
  resolveOrg: (request: FastifyRequest) => Promise<string>;
  /** Where subscribers reach this deployment (config.publicUrl); default the request's own origin. */
  publicUrl?: string | undefined;
  clock?: Clock;
}

/** A feed shows meetings from this long ago on (and everything ahead). */
const FEED_PAST_MS = 90 * 86_400_000;
const DEFAULT_LIST_MS = 30 * 86_400_000;

const Person = z.string().trim().min(1).max(200);
const ListQuery = z.strictObject({
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
  title: z.string().trim().min(1).max(200).optional(),
  user: Person.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});
const IdParams = z.object({ id: MeetingId });
const CancelQuery = z.strictObject({ occurrence_start: IsoDateTime.optional(), user: Person.optional() });
const UpdateBody = z
  .strictObject({
    title: z.string().trim().min(1).max(200).optional(),
    attendees: z.array(Attendee).max(50).optional(),
    reminder_minutes: ReminderMinutes.optional(),
    recurrence: RecurrenceRule.nullable().optional(),
    start: IsoDateTime.optional(),
    end: IsoDateTime.optional(),
    occurrence_start: IsoDateTime.optional(),
  })
  .refine((v) => v.end === undefined || v.start !== undefined, {
    path: ['start'],
    message: 'is required with end',
  });
const FeedBody = z.strictObject({ user: Person.optional() }).default({});
const UserParams = z.object({ user: Person });
const UserBody = z.strictObject({ time_zone: z.string().trim().min(1).max(100) });

const instant = (iso: string) => parseIsoWithOffset(iso)!;
const viewOf = (user: string | undefined): CalendarView => (user ? { user } : {});

export function registerCalendarRoutes(app: FastifyInstance, options: CalendarRoutesOptions): void {
  const { calendar, resolveOrg } = options;
  const clock = options.clock ?? systemClock;
  const feeds = new CalendarFeedRepository(options.db);
  const orgs = new OrganisationRepository(options.db);

  app.get('/api/meetings', async (request) => {
    const orgId = await resolveOrg(request);
    const q = parseWith(ListQuery, request.query, 'query');
    const from = q.from ? instant(q.from) : clock.now();
    const to = q.to ? instant(q.to) : new Date(from.getTime() + DEFAULT_LIST_MS);
    if (to <= from) throw new RoomanError('VALIDATION_ERROR', 'to: must be after from', { field: 'to' });
    const meetings = await calendar.list(orgId, { from, to, title: q.title, limit: q.limit }, viewOf(q.user));
    return { meetings, total: meetings.length };
  });

  app.post('/api/meetings', async (request, reply) => {
    const orgId = await resolveOrg(request);
    const body = parseWith(ScheduleMeetingInput, request.body);
    const start = instant(body.start);
    if (start <= clock.now()) {
      throw new RoomanError('VALIDATION_ERROR', 'start: must be a future date and time', { field: 'start' });
    }
    const end = body.end
      ? instant(body.end)
      : new Date(start.getTime() + (body.duration_minutes ?? DEFAULT_MEETING_MINUTES) * 60_000);
    const key = request.headers['idempotency-key'];
    const written = await calendar.create(
      orgId,
      {
        title: body.title,
        start,
        end,
        attendees: body.attendees,
        recurrence: body.recurrence ?? null,
        ...(body.reminder_minutes ? { reminderMinutes: body.reminder_minutes } : {}),
      },
      typeof key === 'string' && key !== '' ? { idempotencyKey: key } : {},
    );
    return reply.status(201).send(written);
  });

  app.get('/api/meetings/:id', async (request) => {
    const orgId = await resolveOrg(request);
    const { id } = parseWith(IdParams, request.params, 'path');
    const meeting = await calendar.calendarFor(orgId).get(id);
    if (!meeting) throw new RoomanError('NOT_FOUND', 'Meeting not found', { field: 'meeting_id' });
    return meeting;
  });

  app.patch('/api/meetings/:id', async (request) => {
    const orgId = await resolveOrg(request);
    const { id } = parseWith(IdParams, request.params, 'path');
    const body = parseWith(UpdateBody, request.body);
    let written = undefined as Awaited<ReturnType<BuiltinCalendar['update']>> | undefined;
    const { start, end, occurrence_start, reminder_minutes, ...what } = body;
    if (Object.keys(what).length > 0 || reminder_minutes) {
      written = await calendar.update(orgId, id, {
        ...what,
        ...(reminder_minutes ? { reminderMinutes: reminder_minutes } : {}),
      });
    }
    if (start) {
      const at = instant(start);
      if (at <= clock.now()) {
        throw new RoomanError('VALIDATION_ERROR', 'start: must be a future date and time', {
          field: 'start',
        });
      }
      written = await calendar.move(orgId, id, {
        start: at,
        ...(end ? { end: instant(end) } : {}),
        ...(occurrence_start ? { occurrenceStart: instant(occurrence_start) } : {}),
      });
    }
    if (!written)
      throw new RoomanError('VALIDATION_ERROR', 'Request body changes nothing', { field: '(body)' });
    return written;
  });

  app.delete('/api/meetings/:id', async (request) => {
    const orgId = await resolveOrg(request);
    const { id } = parseWith(IdParams, request.params, 'path');
    const q = parseWith(CancelQuery, request.query, 'query');
    return calendar.cancel(
      orgId,
      id,
      q.occurrence_start ? instant(q.occurrence_start) : undefined,
      viewOf(q.user),
    );
  });

  app.put('/api/calendar/users/:user', async (request) => {
    const orgId = await resolveOrg(request);
    const { user } = parseWith(UserParams, request.params, 'path');
    const { time_zone } = parseWith(UserBody, request.body);
    await calendar.setUserTimeZone(orgId, user, time_zone);
    return { user: userRef(user), time_zone };
  });

  const feedUrl = (request: FastifyRequest, token: string) => {
    const base = options.publicUrl ?? `${request.protocol}://${request.host}`;
    return `${base}/calendar/${token}.ics`;
  };
  const feedJson = (f: CalendarFeedRow) => ({
    feed_id: f.id,
    user: f.user_ref,
    created_at: f.created_at.toISOString(),
    revoked_at: f.revoked_at ? f.revoked_at.toISOString() : null,
  });

  app.post('/api/calendar/feeds', async (request, reply) => {
    const orgId = await resolveOrg(request);
    const body = parseWith(FeedBody, request.body ?? {});
    const { feed, token } = await feeds.create(orgId, body.user ? userRef(body.user) : null, clock.now());
    return reply.status(201).send({ ...feedJson(feed), url: feedUrl(request, token) });
  });

  app.get('/api/calendar/feeds', async (request) => {
    const orgId = await resolveOrg(request);
    return { feeds: (await feeds.list(orgId)).map(feedJson) };
  });

  app.delete('/api/calendar/feeds/:id', async (request) => {
    const orgId = await resolveOrg(request);
    const { id } = parseWith(z.object({ id: z.uuid() }), request.params, 'path');
    const feed = await feeds.revoke(orgId, id, clock.now());
    if (!feed) throw new RoomanError('NOT_FOUND', 'Feed not found', { field: 'feed_id' });
    return feedJson(feed);
  });

  app.get('/calendar/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    const token = file.endsWith('.ics') ? file.slice(0, -4) : '';
    const feed = token ? await feeds.findByToken(token) : undefined;
    // Unknown and revoked tokens look the same: nothing tells a guesser which tokens once existed.
    if (!feed) throw new RoomanError('NOT_FOUND', 'No such calendar');
    const org = await orgs.findById(feed.org_id);
    if (!org) throw new RoomanError('NOT_FOUND', 'No such calendar');
    const now = clock.now();
    const rows = await new MeetingRepository(options.db).forFeed(
      org.id,
      new Date(now.getTime() - FEED_PAST_MS),
      feed.user_ref,
    );
    const timeZone = await calendar.timeZoneFor(org.id, viewOf(feed.user_ref ?? undefined));
    const body = meetingsFeed(rows, {
      name: feed.user_ref ? `${org.name}: ${feed.user_ref}` : org.name,
      timeZone,
      now,
      host: options.publicUrl ? new URL(options.publicUrl).host : request.host,
    });
    return reply
      .header('content-type', 'text/calendar; charset=utf-8')
      .header('cache-control', 'private, max-age=300')
      .send(body);
  });
}
