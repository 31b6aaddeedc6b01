/**
 * The dashboard's figures for one organisation over [from, to): each figure is one SQL query aggregated in the
 * database (counts, buckets by `date_trunc` in the organisation's zone, latency percentiles by `percentile_cont`),
 * so the cost does not grow with the rows sent to the server. Only the empty buckets are filled in here, so a
 * chart shows a quiet day as 0 rather than leaving it out. Reads only; the tables belong to their own modules.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { DateTime } from 'luxon';
import { LEAD_STATUSES } from '../core/crm.ts';
import { MESSAGE_STATUSES } from '../core/messages.ts';
import type { Schema } from './schema.ts';

export const BUCKETS = ['hour', 'day'] as const;
export type Bucket = (typeof BUCKETS)[number];

/** More buckets than this is no chart anyone reads (31 days by the hour is 744). */
export const MAX_BUCKETS = 1000;

export interface StatsQuery {
  orgId: string;
  from: Date;
  to: Date;
  bucket: Bucket;
  /** The organisation's IANA zone: a day bucket is its local day. */
  timeZone: string;
  /** "Upcoming" meetings start after this. */
  now: Date;
}

/** Counts per key, and a series per key aligned with `buckets`. */
type Counts = Record<string, number>;
type Series = Record<string, number[]>;

/** What `GET /api/stats` answers (snake_case, like the rest of the API). */
export interface DashboardStats {
  from: string;
  to: string;
  bucket: Bucket;
  time_zone: string;
  /** Start of every bucket (ISO, UTC); each series below has one value per bucket. */
  buckets: string[];
  leads: {
    total: number;
    by_status: Counts;
    by_source: { source: string | null; count: number }[];
    created: number[];
  };
  visits: { total: number; booked: number[] };
  meetings: { upcoming: number };
  messages: { total: number; by_status: Counts };
  sessions: { total: number; by_channel: Counts; per_bucket: Series };
  phone_calls: { total: number; by_status: Counts; per_bucket: Series };
  latency: {
    /** Answered turns in the range, typed ones included. */
    turns: number;
    /** Turns with a speech end → first audio time (spoken turns that got audio). */
    measured: number;
    p50_ms: number | null;
    p95_ms: number | null;
    per_bucket: { measured: number[]; p50_ms: (number | null)[]; p95_ms: (number | null)[] };
  };
  /** Model tokens of calls and typed conversations (none for the built-in brain). */
  usage: {
    /** Provider calls. */
    calls: number;
    input_tokens: number;
    output_tokens: number;
    /** Per provider and model, most tokens first. */
    by_model: {
      provider: string;
      model: string;
      calls: number;
      input_tokens: number;
      output_tokens: number;
    }[];
    per_bucket: { input_tokens: number[]; output_tokens: number[] };
  };
}

/** Bucket starts in the zone, as luxon counts them (calendar days across DST changes), over [from, to). */
export function bucketStarts(from: Date, to: Date, bucket: Bucket, timeZone: string): Date[] {
  const starts: Date[] = [];
  const end = to.getTime();
  let at = DateTime.fromJSDate(from, { zone: timeZone }).startOf(bucket);
  while (at.toMillis() < end) {
    starts.push(at.toJSDate());
    at = at.plus(bucket === 'hour' ? { hours: 1 } : { days: 1 });
  }
  return starts;
}

/** The number of buckets a query would draw, to refuse a huge one before running it. */
export function bucketCount(from: Date, to: Date, bucket: Bucket): number {
  const size = bucket === 'hour' ? 3_600_000 : 86_400_000;
  return Math.ceil((to.getTime() - from.getTime()) / size) + 1;
}

const round1 = (value: number | string | null): number | null =>
  value === null ? null : Math.round(Number(value) * 10) / 10;

export class StatsRepository {
  readonly #db: Kysely<Schema>;

  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  async dashboard(q: StatsQuery): Promise<DashboardStats> {
    const starts = bucketStarts(q.from, q.to, q.bucket, q.timeZone);
    const index = new Map(starts.map((d, i) => [d.getTime(), i]));
    const zeros = () => starts.map(() => 0);
    // date_trunc(field, timestamptz, zone): the bucket in local time (PostgreSQL 12+, and PGlite).
    const trunc = (column: string) =>
      sql`date_trunc(${sql.lit(q.bucket)}, ${sql.ref(column)}, ${q.timeZone})`;
    const inRange = (column: string) =>
      sql`org_id = ${q.orgId} and ${sql.ref(column)} >= ${q.from} and ${sql.ref(column)} < ${q.to}`;
    const run = async <R>(query: RawBuilder<R>) => (await query.execute(this.#db)).rows;

    const [
      leadStatus,
      leadSource,
      leadBuckets,
      visitBuckets,
      upcoming,
      messageStatus,
      sessionBuckets,
      phoneStatus,
      phoneBuckets,
      latencyAll,
      latencyBuckets,
      usageModels,
      usageBuckets,
    ] = await Promise.all([
      run(sql<{ key: string; n: number }>`select status as key, count(*)::int as n from leads
        where ${inRange('created_at')} group by status`),
      run(sql<{ source: string | null; n: number }>`select source, count(*)::int as n from leads
        where ${inRange('created_at')} group by source order by n desc, source limit 20`),
      run(sql<{ b: Date; n: number }>`select ${trunc('created_at')} as b, count(*)::int as n from leads
        where ${inRange('created_at')} group by 1`),
      run(sql<{ b: Date; n: number }>`select ${trunc('created_at')} as b, count(*)::int as n from visits
        where ${inRange('created_at')} group by 1`),
      run(sql<{ n: number }>`select count(*)::int as n from meetings
        where org_id = ${q.orgId} and status = 'CONFIRMED' and start_at >= ${q.now}`),
      run(sql<{ key: string; n: number }>`select status as key, count(*)::int as n from outbox_messages
        where ${inRange('created_at')} group by status`),
      run(sql<{ b: Date; key: string; n: number }>`select ${trunc('started_at')} as b, channel as key,
        count(*)::int as n from call_sessions where ${inRange('started_at')} group by 1, 2`),
      run(sql<{ key: string; n: number }>`select status as key, count(*)::int as n from calls
        where ${inRange('created_at')} group by status`),
      run(sql<{ b: Date; key: string; n: number }>`select ${trunc('created_at')} as b, direction as key,
        count(*)::int as n from calls where ${inRange('created_at')} group by 1, 2`),
      run(sql<{ turns: number; measured: number; p50: number | null; p95: number | null }>`select
        count(*)::int as turns, count(speech_end_to_first_audio_ms)::int as measured,
        percentile_cont(0.5) within group (order by speech_end_to_first_audio_ms) as p50,
        percentile_cont(0.95) within group (order by speech_end_to_first_audio_ms) as p95
        from turn_metrics where ${inRange('created_at')}`),
      run(sql<{ b: Date; n: number; p50: number; p95: number }>`select ${trunc('created_at')} as b,
        count(*)::int as n,
        percentile_cont(0.5) within group (order by speech_end_to_first_audio_ms) as p50,
        percentile_cont(0.95) within group (order by speech_end_to_first_audio_ms) as p95
        from turn_metrics where ${inRange('created_at')} and speech_end_to_first_audio_ms is not null
        group by 1`),
      // Sums as float8: a number from pg and PGlite alike (a bigint sum is numeric, read as a string), exact to 2^53.
      run(sql<{ provider: string; model: string; calls: number; input: number; output: number }>`select
        provider, model, sum(calls)::float8 as calls, sum(input_tokens)::float8 as input,
        sum(output_tokens)::float8 as output from model_usage where ${inRange('created_at')}
        group by provider, model order by sum(input_tokens) + sum(output_tokens) desc, provider, model`),
      run(sql<{ b: Date; input: number; output: number }>`select ${trunc('created_at')} as b,
        sum(input_tokens)::float8 as input, sum(output_tokens)::float8 as output
        from model_usage where ${inRange('created_at')} group by 1`),
    ]);

    const counts = (rows: { key: string; n: number }[], keys: readonly string[] = []): Counts => {
      const out: Counts = Object.fromEntries(keys.map((k) => [k, 0]));
      for (const r of rows) out[r.key] = r.n;
      return out;
    };
    const series = (rows: { b: Date; n: number }[]): number[] => {
      const out = zeros();
      for (const r of rows) {
        const i = index.get(new Date(r.b).getTime());
        if (i !== undefined) out[i] = r.n;
      }
      return out;
    };
    const seriesByKey = (
      rows: { b: Date; key: string; n: number }[],
      keys: readonly string[] = [],
    ): Series => {
      const out: Series = Object.fromEntries(keys.map((k) => [k, zeros()]));
      for (const r of rows) {
        const i = index.get(new Date(r.b).getTime());
        if (i === undefined) continue;
        const values = out[r.key] ?? zeros();
        values[i] = r.n;
        out[r.key] = values;
      }
      return out;
    };
    const sum = (c: Counts) => Object.values(c).reduce((a, b) => a + b, 0);

    const leadsByStatus = counts(leadStatus, LEAD_STATUSES);
    const messagesByStatus = counts(messageStatus, MESSAGE_STATUSES);
    const sessionsPerBucket = seriesByKey(sessionBuckets);
    const byChannel: Counts = {};
    for (const r of sessionBuckets) byChannel[r.key] = (byChannel[r.key] ?? 0) + r.n;
    const phoneByStatus = counts(phoneStatus);
    const visitsBooked = series(visitBuckets);
    const latencyP50: (number | null)[] = starts.map(() => null);
    const latencyP95: (number | null)[] = starts.map(() => null);
    const latencyMeasured = zeros();
    for (const r of latencyBuckets) {
      const i = index.get(new Date(r.b).getTime());
      if (i === undefined) continue;
      latencyMeasured[i] = r.n;
      latencyP50[i] = round1(r.p50);
      latencyP95[i] = round1(r.p95);
    }
    const overall = latencyAll[0] ?? { turns: 0, measured: 0, p50: null, p95: null };
    const tokensIn = zeros();
    const tokensOut = zeros();
    for (const r of usageBuckets) {
      const i = index.get(new Date(r.b).getTime());
      if (i === undefined) continue;
      tokensIn[i] = Number(r.input);
      tokensOut[i] = Number(r.output);
    }
    const byModel = usageModels.map((r) => ({
      provider: r.provider,
      model: r.model,
      calls: Number(r.calls),
      input_tokens: Number(r.input),
      output_tokens: Number(r.output),
    }));
    const total = (key: 'calls' | 'input_tokens' | 'output_tokens') =>
      byModel.reduce((a, m) => a + m[key], 0);

    return {
      from: q.from.toISOString(),
      to: q.to.toISOString(),
      bucket: q.bucket,
      time_zone: q.timeZone,
      buckets: starts.map((d) => d.toISOString()),
      leads: {
        total: sum(leadsByStatus),
        by_status: leadsByStatus,
        by_source: leadSource.map((r) => ({ source: r.source, count: r.n })),
        created: series(leadBuckets),
      },
      visits: { total: visitsBooked.reduce((a, b) => a + b, 0), booked: visitsBooked },
      meetings: { upcoming: upcoming[0]?.n ?? 0 },
      messages: { total: sum(messagesByStatus), by_status: messagesByStatus },
      sessions: { total: sum(byChannel), by_channel: byChannel, per_bucket: sessionsPerBucket },
      phone_calls: {
        total: sum(phoneByStatus),
        by_status: phoneByStatus,
        per_bucket: seriesByKey(phoneBuckets, ['inbound', 'outbound']),
      },
      latency: {
        turns: overall.turns,
        measured: overall.measured,
        p50_ms: round1(overall.p50),
        p95_ms: round1(overall.p95),
        per_bucket: { measured: latencyMeasured, p50_ms: latencyP50, p95_ms: latencyP95 },
      },
      usage: {
        calls: total('calls'),
        input_tokens: total('input_tokens'),
        output_tokens: total('output_tokens'),
        by_model: byModel,
        per_bucket: { input_tokens: tokensIn, output_tokens: tokensOut },
      },
    };
  }
}
