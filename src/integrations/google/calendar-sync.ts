/**
 * Two-way sync between the built-in calendar and the organisation's Google Calendar, through the official client
 * (@googleapis/calendar).
 *
 * Push: every meeting changed here since it was last told to Google (`google_dirty`) is inserted, patched or
 * deleted there; the event carries our meeting id in a private extended property, so its echo on the next pull is
 * recognised. A meeting changed again while it was being pushed stays marked and goes next round.
 *
 * Pull: incremental, with the sync token Google gave last time (a full listing the first time, and again when
 * Google answers 410 because the token went stale). New events become meetings, changed ones update theirs
 * (unless ours has an unpushed change: the local edit wins and is pushed), deleted ones cancel theirs. An edited
 * or deleted single occurrence of a series (an event with `recurringEventId`) leaves the series as a cancelled
 * occurrence; an edited one becomes a meeting of its own, as in the built-in calendar.
 */
import { randomUUID } from 'node:crypto';
import { type calendar_v3, calendar as calendarApi } from '@googleapis/calendar';
import { OAuth2Client } from 'google-auth-library';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { isRoomanError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { type Clock, isValidTimeZone, startOfZonedDay, systemClock, toZonedIso } from '../../core/time.ts';
import { GoogleConnectionRepository } from '../../store/google-connections.ts';
import { MeetingRepository, type MeetingRow } from '../../store/meetings.ts';
import { organisationLookup } from '../../store/organisations.ts';
import type { Schema } from '../../store/schema.ts';
import { parseRule, seriesEnd } from '../calendar/recurrence.ts';
import type { GoogleConnections } from './connections.ts';

/** The private extended property naming the Rooman meeting an event mirrors. */
export const ROOMAN_ID_PROPERTY = 'rooman_meeting_id';

/** A full sync takes events ending from this long ago on; older ones stay in Google only. */
const FULL_SYNC_PAST_MS = 90 * 86_400_000;

export interface CalendarSyncOptions {
  db: Kysely<Schema>;
  connections: GoogleConnections;
  logger: Logger;
  clock?: Clock;
  /** How long after a sync the next one is due; default 5 min (local changes ask for one at once). */
  intervalMs?: number;
}

export interface SyncResult {
  pushed: number;
  pulled: number;
  fullSync: boolean;
}

type Event = calendar_v3.Schema$Event;

const statusOf = (error: unknown): number | undefined => {
  const e = error as { status?: number; code?: number | string; response?: { status?: number } };
  return e?.response?.status ?? e?.status ?? (typeof e?.code === 'number' ? e.code : undefined);
};

const localStamp = (at: Date, tz: string) =>
  DateTime.fromJSDate(at, { zone: tz }).toFormat("yyyyMMdd'T'HHmmss");

/** The Google event a meeting is. */
export function toGoogleEvent(row: MeetingRow): Event {
  const tz = row.time_zone;
  const emails = row.attendees.filter((a) => a.includes('@'));
  const others = row.attendees.filter((a) => !a.includes('@'));
  const recurrence: string[] = [];
  if (row.recurrence) {
    recurrence.push(`RRULE:${row.recurrence}`);
    if (row.cancelled_occurrences.length > 0) {
      const stamps = row.cancelled_occurrences.map((iso) => localStamp(new Date(iso), tz));
      recurrence.push(`EXDATE;TZID=${tz}:${stamps.join(',')}`);
    }
  }
  return {
    summary: row.title,
    start: { dateTime: toZonedIso(row.start_at, tz), timeZone: tz },
    end: { dateTime: toZonedIso(row.end_at, tz), timeZone: tz },
    recurrence,
    attendees: emails.map((email) => ({ email })),
    description: others.length > 0 ? `Attendees: ${others.join(', ')}` : null,
    reminders:
      row.reminder_minutes.length > 0
        ? {
            useDefault: false,
            overrides: row.reminder_minutes.map((minutes) => ({ method: 'popup', minutes })),
          }
        : { useDefault: true },
    extendedProperties: { private: { [ROOMAN_ID_PROPERTY]: row.id } },
  };
}

/** An instant of a Google event time (`dateTime` with offset, or an all-day `date` in `tz`). */
function instantOf(time: calendar_v3.Schema$EventDateTime | undefined, tz: string): Date | null {
  if (time?.dateTime) {
    const at = new Date(time.dateTime);
    return Number.isNaN(at.getTime()) ? null : at;
  }
  if (time?.date) return startOfZonedDay(time.date, tz);
  return null;
}

/** EXDATE values (`EXDATE;TZID=Europe/London:20251013T153000,…` or UTC `…Z`) as instants. */
export function exdatesOf(lines: readonly string[], fallbackZone: string): Date[] {
  const found: Date[] = [];
  for (const line of lines) {
    const m = /^EXDATE(;[^:]*)?:(.+)$/.exec(line);
    if (!m) continue;
    const zone = /TZID=([^;:]+)/.exec(m[1] ?? '')?.[1] ?? fallbackZone;
    for (const value of m[2]!.split(',')) {
      const utc = value.endsWith('Z');
      const local = DateTime.fromFormat(value.replace(/Z$/, ''), "yyyyMMdd'T'HHmmss", {
        zone: utc ? 'UTC' : zone,
      });
      if (local.isValid) found.push(local.toJSDate());
    }
  }
  return found;
}

export class GoogleCalendarSync {
  readonly #db: Kysely<Schema>;
  readonly #connections: GoogleConnections;
  readonly #repo: GoogleConnectionRepository;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #org: ReturnType<typeof organisationLookup>;

  constructor(options: CalendarSyncOptions) {
    this.#db = options.db;
    this.#connections = options.connections;
    this.#repo = new GoogleConnectionRepository(options.db);
    this.#logger = options.logger.child({ component: 'google-calendar-sync' });
    this.#clock = options.clock ?? systemClock;
    this.#intervalMs = options.intervalMs ?? 5 * 60_000;
    this.#org = organisationLookup(options.db);
  }

  /** Asks for a sync soon (a local change); nothing happens for an organisation without a connection. */
  async requestSync(orgId: string): Promise<void> {
    await this.#repo.requestSync(orgId, this.#clock.now());
  }

  /**
   * Syncs one organisation now: push, then pull. The outcome (sync token, error, next due time) is saved on the
   * connection. Throws the error after saving it.
   */
  async run(orgId: string): Promise<SyncResult> {
    const started = this.#clock.now();
    try {
      const result = await this.#sync(orgId);
      await this.#repo.saveSync(orgId, {
        syncToken: result.syncToken,
        error: null,
        at: this.#clock.now(),
        nextAt: new Date(started.getTime() + this.#intervalMs),
      });
      return { pushed: result.pushed, pulled: result.pulled, fullSync: result.fullSync };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await this.#repo.saveSync(orgId, {
        error: reason,
        at: this.#clock.now(),
        nextAt: new Date(started.getTime() + this.#intervalMs),
      });
      throw error;
    }
  }

  async #api(orgId: string, fresh = false): Promise<calendar_v3.Calendar> {
    const token = await this.#connections.accessToken(orgId, 'calendar', { fresh });
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: token });
    const base = this.#connections.settings.apiBaseUrl;
    return calendarApi({
      version: 'v3',
      auth,
      ...(base ? { rootUrl: `${base}/` } : {}),
      // Failures are retried by the next round, not inside it.
      retry: false,
      timeout: 20_000,
    });
  }

  /** Runs `call` with an API client; a 401 gets one fresh token (a revoked grant then marks the connection broken). */
  async #call<T>(orgId: string, call: (api: calendar_v3.Calendar) => Promise<T>): Promise<T> {
    try {
      return await call(await this.#api(orgId));
    } catch (error) {
      if (statusOf(error) !== 401 || isRoomanError(error)) throw error;
      return call(await this.#api(orgId, true));
    }
  }

  async #sync(orgId: string) {
    const connection = await this.#repo.find(orgId);
    if (connection?.status !== 'CONNECTED') {
      // accessToken explains what is wrong and how to reconnect.
      await this.#connections.accessToken(orgId, 'calendar');
    }
    const calendarId = connection!.calendar_id;
    const pushed = await this.#push(orgId, calendarId);
    const pull = await this.#pull(orgId, calendarId, connection!.sync_token);
    return { pushed, ...pull };
  }

  async #push(orgId: string, calendarId: string): Promise<number> {
    const meetings = new MeetingRepository(this.#db);
    let pushed = 0;
    for (const row of await meetings.googleDirty(orgId, 200)) {
      const seen = row.updated_at;
      if (row.status === 'CANCELLED') {
        if (row.google_event_id) {
          const eventId = row.google_event_id;
          await this.#call(orgId, (api) => api.events.delete({ calendarId, eventId })).catch((error) => {
            // Already gone in Google: the same outcome.
            if (statusOf(error) !== 404 && statusOf(error) !== 410) throw error;
          });
          pushed += 1;
        }
        await meetings.markPushed(orgId, row.id, null, seen);
        continue;
      }
      const requestBody = toGoogleEvent(row);
      let eventId = row.google_event_id;
      if (eventId) {
        const id = eventId;
        const patched = await this.#call(orgId, (api) =>
          api.events.patch({ calendarId, eventId: id, requestBody }),
        ).catch((error) => {
          // Deleted in Google meanwhile, but changed here since: the newer local change puts it back.
          if (statusOf(error) === 404 || statusOf(error) === 410) return null;
          throw error;
        });
        if (!patched) eventId = null;
      }
      if (!eventId) {
        const inserted = await this.#call(orgId, (api) => api.events.insert({ calendarId, requestBody }));
        eventId = inserted.data.id ?? null;
      }
      await meetings.markPushed(orgId, row.id, eventId, seen);
      pushed += 1;
    }
    return pushed;
  }

  async #pull(orgId: string, calendarId: string, storedToken: string | null) {
    let syncToken = storedToken;
    let fullSync = syncToken === null;
    let pageToken: string | undefined;
    let pulled = 0;
    const fullSyncFrom = new Date(this.#clock.now().getTime() - FULL_SYNC_PAST_MS).toISOString();
    for (;;) {
      let page: calendar_v3.Schema$Events;
      try {
        const token = syncToken;
        const pt = pageToken;
        page = (
          await this.#call(orgId, (api) =>
            api.events.list({
              calendarId,
              maxResults: 250,
              // A full sync starts this far back (as Google's own sample does); later changes come by token.
              ...(token ? { syncToken: token } : { showDeleted: false, timeMin: fullSyncFrom }),
              ...(pt ? { pageToken: pt } : {}),
            }),
          )
        ).data;
      } catch (error) {
        if (statusOf(error) === 410 && syncToken) {
          // The token went stale: Google wants a full listing.
          this.#logger.info({ org_id: orgId }, 'google: sync token expired; full sync');
          syncToken = null;
          fullSync = true;
          pageToken = undefined;
          continue;
        }
        throw error;
      }
      for (const event of page.items ?? []) {
        if (await this.#apply(orgId, event)) pulled += 1;
      }
      if (page.nextPageToken) {
        pageToken = page.nextPageToken;
        continue;
      }
      return { pulled, fullSync, syncToken: page.nextSyncToken ?? syncToken };
    }
  }

  /** Applies one event from Google to the calendar; true when something changed here. */
  async #apply(orgId: string, event: Event): Promise<boolean> {
    if (!event.id) return false;
    const meetings = new MeetingRepository(this.#db);
    const org = await this.#org(orgId);
    const now = this.#clock.now();

    if (event.recurringEventId) {
      // One occurrence of a series was edited or deleted in Google: it leaves the series.
      const parent = await meetings.findByGoogleEventId(orgId, event.recurringEventId);
      const original = instantOf(event.originalStartTime, parent?.time_zone ?? org.timeZone);
      if (
        parent &&
        original &&
        !parent.cancelled_occurrences.some((iso) => Date.parse(iso) === original.getTime())
      ) {
        await meetings.update(
          orgId,
          parent.id,
          { cancelled_occurrences: [...parent.cancelled_occurrences, original.toISOString()] },
          now,
        );
      }
      if (event.status === 'cancelled') {
        const single = await meetings.findByGoogleEventId(orgId, event.id);
        if (single && single.status === 'CONFIRMED') {
          await meetings.update(orgId, single.id, { status: 'CANCELLED', google_dirty: false }, now);
        }
        return Boolean(parent);
      }
    }

    const mirrored = event.extendedProperties?.private?.[ROOMAN_ID_PROPERTY];
    const existing =
      (await meetings.findByGoogleEventId(orgId, event.id)) ??
      (mirrored && /^[0-9a-f-]{36}$/i.test(mirrored) ? await meetings.findById(orgId, mirrored) : undefined);

    if (event.status === 'cancelled') {
      if (!existing || existing.status === 'CANCELLED' || existing.google_dirty) return false;
      await meetings.update(orgId, existing.id, { status: 'CANCELLED', google_dirty: false }, now);
      return true;
    }
    // Our own unpushed change is newer than what Google has: it wins and is pushed next.
    if (existing?.google_dirty) return false;

    const zoneHint =
      event.start?.timeZone && isValidTimeZone(event.start.timeZone) ? event.start.timeZone : null;
    const tz = zoneHint ?? existing?.time_zone ?? org.timeZone;
    const start = instantOf(event.start ?? undefined, tz);
    const end = instantOf(event.end ?? undefined, tz);
    if (!start || !end || end <= start) {
      this.#logger.warn({ org_id: orgId, event_id: event.id }, 'google: event without usable times skipped');
      return false;
    }
    const lines = event.recurrence ?? [];
    let recurrence = lines.find((l) => l.startsWith('RRULE:'))?.slice('RRULE:'.length) ?? null;
    if (recurrence) {
      try {
        parseRule(recurrence);
      } catch {
        this.#logger.warn(
          { org_id: orgId, event_id: event.id, recurrence },
          'google: recurrence not understood; kept as one meeting',
        );
        recurrence = null;
      }
    }
    const cancelled = recurrence ? exdatesOf(lines, tz).map((d) => d.toISOString()) : [];
    const fields = {
      title: (event.summary ?? '').trim() || '(no title)',
      start_at: start,
      end_at: end,
      time_zone: tz,
      attendees: (event.attendees ?? [])
        .map((a) => a.email?.toLowerCase())
        .filter((e): e is string => Boolean(e)),
      recurrence,
      series_end_at: recurrence ? seriesEnd({ start, end, rule: recurrence, timeZone: tz }) : end,
      reminder_minutes: (event.reminders?.overrides ?? [])
        .map((o) => o.minutes ?? -1)
        .filter((m) => m >= 0 && m <= 7 * 24 * 60),
      cancelled_occurrences: cancelled,
    };
    if (existing) {
      await meetings.update(
        orgId,
        existing.id,
        { ...fields, status: 'CONFIRMED', google_event_id: event.id, google_dirty: false },
        now,
      );
      return true;
    }
    const { cancelled_occurrences: _later, ...insertable } = fields;
    await meetings.insert({
      id: randomUUID(),
      org_id: orgId,
      ...insertable,
      google_event_id: event.id,
      google_dirty: false,
      created_at: now,
    });
    if (cancelled.length > 0) {
      const row = await meetings.findByGoogleEventId(orgId, event.id);
      if (row)
        await meetings.update(orgId, row.id, { cancelled_occurrences: cancelled, google_dirty: false }, now);
    }
    return true;
  }
}
