/**
 * The periodic Google Calendar sync. Every instance runs it; each round claims the connections whose sync is due
 * (FOR UPDATE SKIP LOCKED, moving their due time ahead by a lease), so one organisation is synced by one instance
 * at a time, and a crashed instance's claim simply runs out. A local change asks for a sync at once
 * (GoogleCalendarSync.requestSync), which the next round picks up.
 */
import type { Kysely } from 'kysely';
import type { Logger } from '../core/logger.ts';
import { type Clock, systemClock } from '../core/time.ts';
import type { GoogleCalendarSync } from '../integrations/google/calendar-sync.ts';
import { GoogleConnectionRepository } from '../store/google-connections.ts';
import type { Schema } from '../store/schema.ts';

export interface CalendarSyncJobOptions {
  db: Kysely<Schema>;
  sync: GoogleCalendarSync;
  logger: Logger;
  clock?: Clock;
  /** How often to look for due syncs; default 15 s. */
  intervalMs?: number;
  /** How long a claimed sync is this instance's; default 5 min. */
  leaseMs?: number;
  /** Organisations synced per round; default 10. */
  batch?: number;
}

/** One round; returns the organisations synced and the ones that failed. Never throws. */
export async function runCalendarSync(
  options: CalendarSyncJobOptions,
): Promise<{ synced: string[]; failed: string[] }> {
  const clock = options.clock ?? systemClock;
  const repo = new GoogleConnectionRepository(options.db);
  const done = { synced: [] as string[], failed: [] as string[] };
  let claimed: { org_id: string }[];
  try {
    claimed = await repo.claimDueSync(clock.now(), options.leaseMs ?? 5 * 60_000, options.batch ?? 10);
  } catch (error) {
    options.logger.warn({ err: error }, 'calendar sync: claiming failed');
    return done;
  }
  for (const { org_id } of claimed) {
    try {
      const result = await options.sync.run(org_id);
      if (result.pushed + result.pulled > 0) options.logger.info({ org_id, ...result }, 'calendar sync');
      done.synced.push(org_id);
    } catch (error) {
      options.logger.warn({ err: error, org_id }, 'calendar sync failed');
      done.failed.push(org_id);
    }
  }
  return done;
}

/** Runs a round now and every `intervalMs`; returns a stop function that waits for a round in progress. */
export function startCalendarSync(options: CalendarSyncJobOptions): () => Promise<void> {
  let running: Promise<unknown> = runCalendarSync(options);
  const timer = setInterval(() => {
    running = running.then(() => runCalendarSync(options));
  }, options.intervalMs ?? 15_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
