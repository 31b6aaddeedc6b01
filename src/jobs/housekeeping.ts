/**
 * Housekeeping: forgets idempotency keys past their 24 h window, bot sessions idle for a week, rate-limit windows
 * older than a day and meeting reminders of occurrences more than 30 days past. Every instance runs it; the work is idempotent DELETEs in the shared database, so instances need no coordination and
 * a stopped instance leaves nothing undone. Timers are unref'd: housekeeping never keeps a process alive.
 */
import type { Logger } from '../core/logger.ts';
import { type Clock, systemClock } from '../core/time.ts';

export interface HousekeepingTargets {
  purgeExpiredIdempotencyKeys(): Promise<number>;
  deleteIdleSessionsSince(cutoff: Date): Promise<number>;
  /** Rate-limit counters (src/store/rate-limits.ts) of windows that began before `cutoff`. */
  purgeRateLimitWindowsBefore?(cutoff: Date): Promise<number>;
  /** Meeting reminders (src/store/meeting-reminders.ts) of occurrences that started before `cutoff`. */
  purgeMeetingRemindersBefore?(cutoff: Date): Promise<number>;
}

/** A month of past reminders stays readable ("was the client reminded?"); older ones go. */
export const REMINDER_KEEP_MS = 30 * 24 * 60 * 60 * 1000;

/** Rate-limit windows are a minute long; a day keeps recent ones readable for whoever looks into a refusal. */
const RATE_WINDOW_KEEP_MS = 24 * 60 * 60 * 1000;

export interface HousekeepingOptions {
  targets: HousekeepingTargets;
  logger: Logger;
  clock?: Clock;
  /** How often to run; default hourly. */
  intervalMs?: number;
  /** Sessions untouched this long are deleted; default 7 days — well past the 24 h idempotency window, so a
   * recreated session id can never replay an old answer. */
  sessionIdleMs?: number;
}

export const DEFAULT_SESSION_IDLE_MS = 7 * 24 * 60 * 60 * 1000;

export interface HousekeepingRound {
  keys: number;
  sessions: number;
  rateWindows: number;
  reminders: number;
}

/** Runs one round; returns what it removed. Failures are logged, never thrown: the next round tries again. */
export async function runHousekeeping(options: HousekeepingOptions): Promise<HousekeepingRound> {
  const clock = options.clock ?? systemClock;
  const now = clock.now().getTime();
  const { targets, logger } = options;
  const attempt = (what: string, purge: (() => Promise<number>) | undefined): Promise<number> =>
    purge
      ? purge().catch((err: unknown) => {
          logger.warn({ err }, `housekeeping: ${what} purge failed`);
          return 0;
        })
      : Promise.resolve(0);
  const [keys, sessions, rateWindows, reminders] = await Promise.all([
    attempt('idempotency', () => targets.purgeExpiredIdempotencyKeys()),
    attempt('idle session', () =>
      targets.deleteIdleSessionsSince(new Date(now - (options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS))),
    ),
    attempt(
      'rate-limit window',
      targets.purgeRateLimitWindowsBefore &&
        (() => targets.purgeRateLimitWindowsBefore!(new Date(now - RATE_WINDOW_KEEP_MS))),
    ),
    attempt(
      'meeting reminder',
      targets.purgeMeetingRemindersBefore &&
        (() => targets.purgeMeetingRemindersBefore!(new Date(now - REMINDER_KEEP_MS))),
    ),
  ]);
  const round = { keys, sessions, rateWindows, reminders };
  if (keys + sessions + rateWindows + reminders > 0)
    logger.info(round, 'housekeeping removed expired records');
  return round;
}

/** Runs a round now and then every `intervalMs`; returns a stop function that waits for a round in progress. */
export function startHousekeeping(options: HousekeepingOptions): () => Promise<void> {
  let running: Promise<unknown> = runHousekeeping(options);
  const timer = setInterval(
    () => {
      running = running.then(() => runHousekeeping(options));
    },
    options.intervalMs ?? 60 * 60 * 1000,
  );
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
