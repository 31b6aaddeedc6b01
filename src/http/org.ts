/**
 * Which organisation a request acts for. `Authorization: Bearer <api key>` names it; without the header the
 * request runs as the embedded default organisation (open mode), unless open mode is off.
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { RoomanError } from '../core/errors.ts';
import { ApiKeyRepository } from '../store/organisations.ts';
import type { Schema } from '../store/schema.ts';

export type ResolveOrg = (request: FastifyRequest) => Promise<string>;

export interface OrgResolverOptions {
  db: Kysely<Schema>;
  /** The organisation of requests without a key; null refuses them (401). */
  anonymousOrgId: string | null;
  /**
   * How long a key's organisation is remembered (default 30 s): every API request needs it, and a database round
   * trip per request is the cost. A revoked key stops working on every instance within this time.
   */
  cacheMs?: number;
  /** Monotonic milliseconds (tests move it). */
  now?: () => number;
}

/** Keys remembered at most; a flood of random keys cannot grow the cache without bound. */
const MAX_CACHED_KEYS = 10_000;

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export function createOrgResolver(options: OrgResolverOptions): ResolveOrg {
  const keys = new ApiKeyRepository(options.db);
  const cacheMs = options.cacheMs ?? 30_000;
  const now = options.now ?? (() => performance.now());
  // Only known keys are cached: an unknown key is looked up every time (it may have just been created).
  const cache = new Map<string, { orgId: string; until: number }>();
  const lookup = async (key: string): Promise<string | undefined> => {
    const hit = cache.get(key);
    if (hit && hit.until > now()) return hit.orgId;
    cache.delete(key);
    const orgId = await keys.findOrgId(key);
    if (orgId && cacheMs > 0) {
      if (cache.size >= MAX_CACHED_KEYS) cache.delete(cache.keys().next().value as string);
      cache.set(key, { orgId, until: now() + cacheMs });
    }
    return orgId;
  };
  return async (request) => {
    const header = request.headers.authorization;
    if (header === undefined || header.trim() === '') {
      if (options.anonymousOrgId) return options.anonymousOrgId;
      throw new RoomanError('UNAUTHORIZED', 'An API key is required: send Authorization: Bearer <key>', {
        field: 'Authorization',
      });
    }
    const key = BEARER.exec(header)?.[1];
    if (!key) {
      throw new RoomanError('UNAUTHORIZED', 'Authorization must be "Bearer <api key>"', {
        field: 'Authorization',
      });
    }
    const orgId = await lookup(key);
    if (!orgId) throw new RoomanError('UNAUTHORIZED', 'Unknown API key', { field: 'Authorization' });
    return orgId;
  };
}
