/**
 * `GET /api/stats?from&to&bucket=hour|day`: the dashboard's figures for the requesting organisation (leads, visits,
 * meetings, messages, calls and call latency), over [from, to) in buckets of the organisation's local hours or
 * days. `to` defaults to now, `from` to 24 hours (by the hour) or 7 days (by the day) before `to`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RoomanError } from '../../core/errors.ts';
import type { Clock } from '../../core/time.ts';
import { parseWith } from '../../core/validation.ts';
import { BUCKETS, bucketCount, MAX_BUCKETS, type StatsRepository } from '../../store/stats.ts';

export interface StatsRoutesOptions {
  stats: StatsRepository;
  /** The organisation a request acts for (src/http/org.ts createOrgResolver). */
  resolveOrg: (request: FastifyRequest) => Promise<string>;
  /** The organisation's IANA zone (its day buckets are local days). */
  timeZoneOf: (orgId: string) => Promise<string>;
  clock: Clock;
}

/** An instant with its offset (`2026-11-21T10:00:00Z`, `…+05:30`): a bare local time would be ambiguous. */
const Instant = z.iso.datetime({ offset: true }).transform((text) => new Date(text));

export const StatsQuery = z
  .strictObject({
    from: Instant.optional(),
    to: Instant.optional(),
    bucket: z.enum(BUCKETS).default('day'),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: 'must be before to', path: ['from'] });

const DEFAULT_SPAN_MS = { hour: 24 * 3_600_000, day: 7 * 86_400_000 } as const;

export function registerStatsRoutes(app: FastifyInstance, options: StatsRoutesOptions): void {
  app.get('/api/stats', async (request) => {
    const orgId = await options.resolveOrg(request);
    const query = parseWith(StatsQuery, request.query, 'query');
    const now = options.clock.now();
    const to = query.to ?? now;
    const from = query.from ?? new Date(to.getTime() - DEFAULT_SPAN_MS[query.bucket]);
    if (from >= to) {
      throw new RoomanError('VALIDATION_ERROR', 'from: must be before to', {
        field: 'from',
        issues: [{ field: 'from', message: 'must be before to' }],
      });
    }
    const buckets = bucketCount(from, to, query.bucket);
    if (buckets > MAX_BUCKETS) {
      const message = `the range spans ${buckets} ${query.bucket}s; at most ${MAX_BUCKETS} (use a shorter range or bucket=day)`;
      throw new RoomanError('VALIDATION_ERROR', `to: ${message}`, {
        field: 'to',
        issues: [{ field: 'to', message }],
      });
    }
    const timeZone = await options.timeZoneOf(orgId);
    return options.stats.dashboard({ orgId, from, to, bucket: query.bucket, timeZone, now });
  });
}
