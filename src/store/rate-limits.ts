/**
 * Fixed-window rate limits in PostgreSQL (migration 0005), shared by every instance: taking a unit is one upsert
 * that bumps the window's counter and returns it, atomic under concurrency, so N instances together never let more
 * than `limit` through in a window.
 */
import { type Kysely, sql } from 'kysely';
import type { Clock } from '../core/time.ts';
import type { Schema } from './schema.ts';

export interface RateLimitWindowTable {
  org_id: string;
  scope: string;
  window_start: Date;
  count: number;
}

export interface RateLimit {
  /** Units allowed per window. */
  limit: number;
  windowMs: number;
}

export interface TakeResult {
  allowed: boolean;
  /** Units taken in this window, this one included (past the limit, refused ones count too). */
  count: number;
  /** When the window ends and units are free again. */
  resetAt: Date;
}

type Tables = Schema & { rate_limit_windows: RateLimitWindowTable };

export class RateLimitRepository {
  readonly #db: Kysely<Tables>;

  constructor(db: Kysely<Schema>) {
    this.#db = db.withTables<{ rate_limit_windows: RateLimitWindowTable }>();
  }

  /** Takes one unit of `scope` for the organisation in the window `now` falls in. */
  async take(orgId: string, scope: string, rule: RateLimit, now: Date): Promise<TakeResult> {
    const start = Math.floor(now.getTime() / rule.windowMs) * rule.windowMs;
    const row = await this.#db
      .insertInto('rate_limit_windows')
      .values({ org_id: orgId, scope, window_start: new Date(start), count: 1 })
      .onConflict((oc) =>
        oc
          .columns(['org_id', 'scope', 'window_start'])
          .doUpdateSet({ count: sql<number>`rate_limit_windows.count + 1` }),
      )
      .returning('count')
      .executeTakeFirstOrThrow();
    return { allowed: row.count <= rule.limit, count: row.count, resetAt: new Date(start + rule.windowMs) };
  }

  /** Deletes windows that began before `cutoff`; returns how many. */
  async purgeBefore(cutoff: Date): Promise<number> {
    const result = await this.#db
      .deleteFrom('rate_limit_windows')
      .where('window_start', '<', cutoff)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

export const MODEL_CALLS_SCOPE = 'model-calls';

/** A model-call budget per organisation, in the shape the realtime session takes. */
export function modelCallLimiter(
  repository: RateLimitRepository,
  rule: RateLimit,
  clock: Clock,
): (orgId: string) => Promise<boolean> {
  return async (orgId) => (await repository.take(orgId, MODEL_CALLS_SCOPE, rule, clock.now())).allowed;
}
