/**
 * Idempotency keys: the first request under a key stores its answer; a retry with the same key and body gets that
 * answer back and writes nothing. The row is claimed inside the write's own transaction, so under concurrent
 * duplicates the primary key decides which one writes (on PostgreSQL the loser's insert waits for the winner's
 * commit, then sees its row), and a write that fails rolls its claim back with it.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from './schema.ts';

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface IdempotencyClaim {
  orgId: string;
  scope: string;
  key: string;
  requestHash: string;
  responseStatus: number;
  responseBody: unknown;
  now: Date;
}

export interface StoredResponse {
  requestHash: string;
  status: number;
  body: unknown;
  createdAt: Date;
}

/** SHA-256 of a value's JSON with object keys sorted, so equal requests hash equally whatever their key order. */
export function hashRequest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export class IdempotencyKeyRepository {
  readonly #db: Kysely<Schema>;
  readonly #ttlMs: number;

  /** `db` may be a transaction; claim() should run in the transaction of the write it guards. */
  constructor(db: Kysely<Schema>, ttlMs = IDEMPOTENCY_TTL_MS) {
    this.#db = db;
    this.#ttlMs = ttlMs;
  }

  /**
   * Stores the key with the answer the write will give. True when this request owns the key (new, or the old row
   * had expired and is replaced); false when a live row exists — then read it with find().
   */
  async claim(claim: IdempotencyClaim): Promise<boolean> {
    const expiredBefore = new Date(claim.now.getTime() - this.#ttlMs);
    const row = {
      org_id: claim.orgId,
      scope: claim.scope,
      key: claim.key,
      request_hash: claim.requestHash,
      response_status: claim.responseStatus,
      response_body: JSON.stringify(claim.responseBody),
      created_at: claim.now,
    };
    const claimed = await this.#db
      .insertInto('idempotency_keys')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['org_id', 'scope', 'key'])
          .doUpdateSet({
            request_hash: (eb) => eb.ref('excluded.request_hash'),
            response_status: (eb) => eb.ref('excluded.response_status'),
            response_body: (eb) => eb.ref('excluded.response_body'),
            created_at: (eb) => eb.ref('excluded.created_at'),
          })
          .where('idempotency_keys.created_at', '<', expiredBefore),
      )
      .returning('key')
      .executeTakeFirst();
    return claimed !== undefined;
  }

  async find(orgId: string, scope: string, key: string): Promise<StoredResponse | undefined> {
    const row = await this.#db
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'response_status', 'response_body', 'created_at'])
      .where('org_id', '=', orgId)
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirst();
    return (
      row && {
        requestHash: row.request_hash,
        status: row.response_status,
        body: row.response_body,
        createdAt: row.created_at,
      }
    );
  }

  /** Forgets keys older than the TTL; returns how many. Run it now and then (no timer needed for correctness). */
  async deleteExpired(now: Date): Promise<number> {
    const result = await this.#db
      .deleteFrom('idempotency_keys')
      .where('created_at', '<', new Date(now.getTime() - this.#ttlMs))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
