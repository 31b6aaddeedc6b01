/**
 * `Idempotency-Key` for requests that dial: a client that retries `POST /api/calls` or `POST /api/campaigns` after a
 * timeout must not call anyone twice. The key is claimed (with the id the new call, scheduled call or campaign will
 * have) before anything is written or dialled; a retry with the same key and request gets that id back instead of
 * a second one, and the route answers with the thing as it is now. A key reused for a different request is a 409.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { RoomanError } from '../core/errors.ts';
import { hashRequest, IdempotencyKeyRepository } from '../store/idempotency.ts';
import type { Schema } from '../store/schema.ts';

export interface KeyedRequest {
  orgId: string;
  /** The operation (`calls.create`, `campaigns.create`). */
  scope: string;
  /** The Idempotency-Key header, if the client sent one. */
  key: string | undefined;
  /** What identifies the request (the body as received, the query of a CSV upload). */
  request: unknown;
  now: Date;
}

export interface Keyed<K extends string> {
  id: string;
  kind: K;
  /** True when this is a retry: nothing was created now. */
  replay: boolean;
}

export async function onceForKey<K extends string>(
  db: Kysely<Schema>,
  req: KeyedRequest,
  kind: K,
  create: (id: string) => Promise<void>,
): Promise<Keyed<K> | { id: string; kind: string; replay: true }> {
  const id = randomUUID();
  if (req.key === undefined) {
    await create(id);
    return { id, kind, replay: false };
  }
  if (req.key.length === 0 || req.key.length > 255)
    throw new RoomanError('VALIDATION_ERROR', 'Idempotency-Key: must be 1–255 characters', {
      field: 'Idempotency-Key',
    });
  const keys = new IdempotencyKeyRepository(db);
  const requestHash = hashRequest(req.request);
  const claimed = await keys.claim({
    orgId: req.orgId,
    scope: req.scope,
    key: req.key,
    requestHash,
    responseStatus: 200,
    responseBody: { id, kind },
    now: req.now,
  });
  if (!claimed) {
    const stored = await keys.find(req.orgId, req.scope, req.key);
    if (stored && stored.requestHash !== requestHash)
      throw new RoomanError('CONFLICT', 'Idempotency-Key was already used with a different request', {
        field: 'Idempotency-Key',
      });
    const body = stored?.body as { id?: string; kind?: string } | undefined;
    if (!body?.id)
      throw new RoomanError('CONFLICT', 'A request with this Idempotency-Key is in progress; retry');
    return { id: body.id, kind: body.kind ?? kind, replay: true };
  }
  try {
    await create(id);
  } catch (error) {
    // Nothing was created: the key is free again, so a retry can succeed.
    await db
      .deleteFrom('idempotency_keys')
      .where('org_id', '=', req.orgId)
      .where('scope', '=', req.scope)
      .where('key', '=', req.key)
      .execute()
      .catch(() => {});
    throw error;
  }
  return { id, kind, replay: false };
}
