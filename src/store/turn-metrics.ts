/**
 * Per-turn latencies of every call (migration 0010), org-scoped. Calls report them as `turn.metrics` events; the
 * sink below writes each one as a row, and the dashboard's statistics (src/store/stats.ts) aggregate them.
 */
import type { Kysely, Selectable } from 'kysely';
import type { TurnMetrics } from '../session/events.ts';
import type { Schema, TurnMetricTable } from './schema.ts';

export type TurnMetricRow = Selectable<TurnMetricTable>;

/** Which call a turn belongs to. */
export interface TurnOf {
  orgId: string;
  sessionId: string;
  channel: string;
}

// Whole milliseconds are plenty for latencies people read; a negative one would be a clock bug, kept at 0.
const ms = (value: number): number => Math.max(0, Math.round(value));
const msOrNull = (value: number | null): number | null => (value === null ? null : ms(value));

export class TurnMetricsRepository {
  readonly #db: Kysely<Schema>;

  /** `db` may be a transaction. */
  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  async record(of: TurnOf, metrics: TurnMetrics, at: Date): Promise<void> {
    await this.#db
      .insertInto('turn_metrics')
      .values({
        org_id: of.orgId,
        session_id: of.sessionId,
        channel: of.channel,
        turn: metrics.turn,
        source: metrics.source,
        speech_end_to_first_audio_ms: msOrNull(metrics.speechEndToFirstAudioMs),
        endpoint_silence_ms: msOrNull(metrics.endpointSilenceMs),
        stt_final_ms: msOrNull(metrics.sttFinalMs),
        brain_ms: ms(metrics.brainMs),
        tool_ms: ms(metrics.toolMs),
        tts_first_chunk_ms: msOrNull(metrics.ttsFirstChunkMs),
        filler: metrics.filler,
        created_at: at,
      })
      .execute();
  }

  /** A call's turns in order (another organisation's call has none). */
  async forSession(orgId: string, sessionId: string): Promise<TurnMetricRow[]> {
    return this.#db
      .selectFrom('turn_metrics')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('session_id', '=', sessionId)
      .orderBy('turn')
      .orderBy('id')
      .execute();
  }
}

export interface TurnMetricsSinkOptions {
  /** When a turn was measured (the server's clock). */
  now: () => Date;
  /** A failed write is reported here and never reaches the call. */
  onError: (error: unknown, of: TurnOf) => void;
}

/**
 * The repository bound to one call, in the shape VoiceSessions' `metricsFor` wants: a function taking each turn's
 * metrics. It never rejects: losing one latency sample must not disturb the call.
 */
export function turnMetricsSink(
  repository: TurnMetricsRepository,
  of: TurnOf,
  options: TurnMetricsSinkOptions,
): (metrics: TurnMetrics) => Promise<void> {
  return async (metrics) => {
    try {
      await repository.record(of, metrics, options.now());
    } catch (error) {
      options.onError(error, of);
    }
  };
}

/** VoiceSessions' `metricsFor` over one repository: every call's turns land in `turn_metrics`. */
export function turnMetricsRecorder(
  db: Kysely<Schema>,
  options: TurnMetricsSinkOptions,
): (orgId: string, sessionId: string, channel: string) => (metrics: TurnMetrics) => Promise<void> {
  const repository = new TurnMetricsRepository(db);
  return (orgId, sessionId, channel) => turnMetricsSink(repository, { orgId, sessionId, channel }, options);
}
