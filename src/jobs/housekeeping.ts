/**
 * Housekeeping: forgets idempotency keys past their 24 h window, bot sessions idle for a week and rate-limit windows
 * older than a day. Every instance runs it; the work is idempotent DELETEs in the shared database, so instances need no coordination and
 * a stopped instance leaves nothing undone. Timers are unref'd: housekeeping never keeps a process alive.
 */
import type { Logger } from '../core/logger.ts';
import { type Clock, systemClock } from '../core/time.ts';

export interface HousekeepingTargets {
  purgeExpiredIdempotencyKeys(): Promise<number>;
  deleteIdleSessionsSince(cutoff: Date): Promise<number>;
  /** Rate-limit counters (src/store/rate-limits.ts) of windows that began before `cutoff`. */
  purgeRateLimitWindowsBefore?(cutoff: Date): Promise<number>;
}

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

/** Runs one round; returns what it removed. Failures are logged, never thrown: the next round tries again. */
export async function runHousekeeping(
  options: HousekeepingOptions,
): Promise<{ keys: number; sessions: number; rateWindows: number }> {
  const clock = options.clock ?? systemClock;
  const now = clock.now().getTime();
  const cutoff = new Date(now - (options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS));
  const purgeWindows = options.targets.purgeRateLimitWindowsBefore;
  const [keys, sessions, rateWindows] = await Promise.all([
    options.targets.purgeExpiredIdempotencyKeys().catch((err: unknown) => {
      options.logger.warn({ err }, 'housekeeping: idempotency purge failed');
      return 0;
    }),
    options.targets.deleteIdleSessionsSince(cutoff).catch((err: unknown) => {
      options.logger.warn({ err }, 'housekeeping: idle session purge failed');
      return 0;
    }),
    purgeWindows
      ? purgeWindows(new Date(now - RATE_WINDOW_KEEP_MS)).catch((err: unknown) => {
          options.logger.warn({ err }, 'housekeeping: rate-limit window purge failed');
          return 0;
        })
      : 0,
  ]);
  if (keys + sessions + rateWindows > 0)
    options.logger.info({ keys, sessions, rateWindows }, 'housekeeping removed expired records');
  return { keys, sessions, rateWindows };
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
