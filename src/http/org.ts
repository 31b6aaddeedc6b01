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
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export function createOrgResolver(options: OrgResolverOptions): ResolveOrg {
  const keys = new ApiKeyRepository(options.db);
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
    const orgId = await keys.findOrgId(key);
    if (!orgId) throw new RoomanError('UNAUTHORIZED', 'Unknown API key', { field: 'Authorization' });
    return orgId;
  };
}
