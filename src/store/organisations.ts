/** Organisations (tenants) and the API keys that identify them. */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { RoomanError } from '../core/errors.ts';
import type { OrganisationRow, Schema } from './schema.ts';

export interface Organisation {
  id: string;
  name: string;
  slug: string;
  timeZone: string;
}

/** Slug of the one organisation an embedded (single-tenant) install runs as. */
export const DEFAULT_ORG_SLUG = 'default';

const toOrganisation = (row: OrganisationRow): Organisation => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  timeZone: row.time_zone,
});

export class OrganisationRepository {
  readonly #db: Kysely<Schema>;

  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  async create(input: { name: string; slug: string; timeZone: string }): Promise<Organisation> {
    const row = await this.#db
      .insertInto('organisations')
      .values({ name: input.name, slug: input.slug, time_zone: input.timeZone })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toOrganisation(row);
  }

  async findById(id: string): Promise<Organisation | undefined> {
    const row = await this.#db
      .selectFrom('organisations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toOrganisation(row);
  }

  async findBySlug(slug: string): Promise<Organisation | undefined> {
    const row = await this.#db
      .selectFrom('organisations')
      .selectAll()
      .where('slug', '=', slug)
      .executeTakeFirst();
    return row && toOrganisation(row);
  }
}

/**
 * Creates the embedded default organisation if missing. Its time zone follows the configuration (ROOMAN_TZ), so
 * changing the setting and restarting takes effect. Safe when several instances start at once.
 */
export async function ensureDefaultOrganisation(db: Kysely<Schema>, timeZone: string): Promise<Organisation> {
  const row = await db
    .insertInto('organisations')
    .values({ name: 'Default', slug: DEFAULT_ORG_SLUG, time_zone: timeZone })
    .onConflict((oc) => oc.column('slug').doUpdateSet({ time_zone: timeZone }))
    .returningAll()
    .executeTakeFirstOrThrow();
  return toOrganisation(row);
}

/** Keys are stored as SHA-256: a leaked table does not leak usable keys. Keys carry 256 random bits. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export class ApiKeyRepository {
  readonly #db: Kysely<Schema>;

  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  /** Issues a new key for the organisation; the returned text is the only copy of it. */
  async create(orgId: string, name: string): Promise<string> {
    const key = `rmn_${randomBytes(32).toString('base64url')}`;
    await this.#db
      .insertInto('api_keys')
      .values({ org_id: orgId, key_hash: hashApiKey(key), name })
      .execute();
    return key;
  }

  async findOrgId(key: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('api_keys')
      .select('org_id')
      .where('key_hash', '=', hashApiKey(key))
      .executeTakeFirst();
    return row?.org_id;
  }
}

/**
 * Looks organisations up by id and remembers the ones found, for services that need an organisation's slug or time
 * zone on every call. A miss or a database error is not remembered: the next call asks again.
 */
export function organisationLookup(db: Kysely<Schema>): (orgId: string) => Promise<Organisation> {
  const repository = new OrganisationRepository(db);
  const found = new Map<string, Promise<Organisation>>();
  return (orgId) => {
    let org = found.get(orgId);
    if (!org) {
      org = repository.findById(orgId).then((row) => {
        if (!row) throw new RoomanError('NOT_FOUND', 'Organisation not found');
        return row;
      });
      org.catch(() => found.delete(orgId));
      found.set(orgId, org);
    }
    return org;
  };
}
