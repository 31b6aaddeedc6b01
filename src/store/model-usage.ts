/**
 * Tokens of every model call (migration 0011), org-scoped. Calls report them as `model.usage` events and typed
 * conversations after each turn; the sink below writes one row per turn and model, and the dashboard's statistics
 * (src/store/stats.ts) sum them. The built-in brain calls no model, so its turns leave no row.
 */
import type { Kysely } from 'kysely';
import type { ModelUsage } from '../brains/brain.ts';
import type { Schema } from './schema.ts';
import type { TurnOf } from './turn-metrics.ts';

/** A stored row in our terms (counts as numbers). */
export interface ModelUsageRecord extends ModelUsage {
  turn: number;
  channel: string;
  calls: number;
  at: Date;
}

// Counts come from the provider: a negative or fractional one would be its bug, kept at a whole 0 or more.
const count = (value: number): number => Math.max(0, Math.round(value));
const countOrNull = (value: number | undefined): number | null => (value === undefined ? null : count(value));

export class ModelUsageRepository {
  readonly #db: Kysely<Schema>;

  /** `db` may be a transaction. */
  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  async record(of: TurnOf, turn: number, usage: readonly ModelUsage[], at: Date): Promise<void> {
    if (usage.length === 0) return;
    await this.#db
      .insertInto('model_usage')
      .values(
        usage.map((u) => ({
          org_id: of.orgId,
          session_id: of.sessionId,
          channel: of.channel,
          turn,
          provider: u.provider,
          model: u.model,
          calls: Math.max(1, u.calls ?? 1),
          input_tokens: count(u.inputTokens),
          output_tokens: count(u.outputTokens),
          cached_tokens: countOrNull(u.cachedTokens),
          total_tokens: countOrNull(u.totalTokens),
          created_at: at,
        })),
      )
      .execute();
  }

  /** A conversation's usage in order (another organisation's has none). */
  async forSession(orgId: string, sessionId: string): Promise<ModelUsageRecord[]> {
    const rows = await this.#db
      .selectFrom('model_usage')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('session_id', '=', sessionId)
      .orderBy('turn')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      turn: r.turn,
      channel: r.channel,
      provider: r.provider,
      model: r.model,
      calls: r.calls,
      inputTokens: Number(r.input_tokens),
      outputTokens: Number(r.output_tokens),
      ...(r.cached_tokens === null ? {} : { cachedTokens: Number(r.cached_tokens) }),
      ...(r.total_tokens === null ? {} : { totalTokens: Number(r.total_tokens) }),
      at: new Date(r.created_at),
    }));
  }
}

/** Takes one turn's usage; never rejects: losing a count must not disturb the call or the answer. */
export type ModelUsageSink = (turn: number, usage: readonly ModelUsage[]) => Promise<void>;

export interface ModelUsageSinkOptions {
  /** When the usage was reported (the server's clock). */
  now: () => Date;
  /** A failed write is reported here and never reaches the call. */
  onError: (error: unknown, of: TurnOf) => void;
}

/** VoiceSessions' `usageFor` (and the text channel's) over one repository: every turn's tokens land in `model_usage`. */
export function modelUsageRecorder(
  db: Kysely<Schema>,
  options: ModelUsageSinkOptions,
): (orgId: string, sessionId: string, channel: string) => ModelUsageSink {
  const repository = new ModelUsageRepository(db);
  return (orgId, sessionId, channel) => async (turn, usage) => {
    try {
      await repository.record({ orgId, sessionId, channel }, turn, usage, options.now());
    } catch (error) {
      options.onError(error, { orgId, sessionId, channel });
    }
  };
}
