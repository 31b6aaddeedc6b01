/**
 * An organisation's calling agents (migration 0009). A call names its agent; without a name it gets the
 * organisation's default agent, and an organisation that configured none gets the built-in one (no greeting of its
 * own, no answering-machine detection, no transfer number).
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { RoomanError } from '../core/errors.ts';
import type { AgentTable, Schema } from '../store/schema.ts';
import type { VoicemailBehaviour } from './shapes.ts';

export interface Agent {
  name: string;
  greeting: string | null;
  voicemail: VoicemailBehaviour;
  voicemailMessage: string | null;
  /** E.164: where `POST /api/calls/{id}/transfer` goes without a `to`. */
  transferNumber: string | null;
  isDefault: boolean;
}

export const BUILTIN_AGENT: Agent = {
  name: 'default',
  greeting: null,
  voicemail: 'none',
  voicemailMessage: null,
  transferNumber: null,
  isDefault: true,
};

export interface AgentSettings {
  greeting?: string | null | undefined;
  voicemail: VoicemailBehaviour;
  voicemail_message?: string | null | undefined;
  transfer_number?: string | null | undefined;
  default: boolean;
}

const toAgent = (row: Selectable<AgentTable>): Agent => ({
  name: row.name,
  greeting: row.greeting,
  voicemail: row.voicemail as VoicemailBehaviour,
  voicemailMessage: row.voicemail_message,
  transferNumber: row.transfer_number,
  isDefault: row.is_default,
});

export function agentJson(agent: Agent) {
  return {
    name: agent.name,
    greeting: agent.greeting,
    voicemail: agent.voicemail,
    voicemail_message: agent.voicemailMessage,
    transfer_number: agent.transferNumber,
    default: agent.isDefault,
  };
}

export class AgentRepository {
  readonly #db: Kysely<Schema>;

  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  async list(orgId: string): Promise<Agent[]> {
    const rows = await this.#db
      .selectFrom('agents')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('name')
      .execute();
    return rows.map(toAgent);
  }

  async find(orgId: string, name: string): Promise<Agent | undefined> {
    const row = await this.#db
      .selectFrom('agents')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toAgent(row);
  }

  /** The named agent (404 if unknown), or the organisation's default, or the built-in one. */
  async resolve(orgId: string, name: string | undefined): Promise<Agent> {
    if (name !== undefined) {
      const agent = await this.find(orgId, name);
      if (agent) return agent;
      if (name === BUILTIN_AGENT.name) return BUILTIN_AGENT;
      throw new RoomanError('VALIDATION_ERROR', `agent: no agent named "${name}"`, { field: 'agent' });
    }
    const row = await this.#db
      .selectFrom('agents')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('is_default', '=', true)
      .executeTakeFirst();
    return row ? toAgent(row) : BUILTIN_AGENT;
  }

  /** Creates or replaces the agent; making it the default takes the flag from the previous default. */
  async put(orgId: string, name: string, settings: AgentSettings, at: Date = new Date()): Promise<Agent> {
    return this.#db.transaction().execute(async (tx) => {
      if (settings.default) {
        await tx
          .updateTable('agents')
          .set({ is_default: false, updated_at: at })
          .where('org_id', '=', orgId)
          .where('is_default', '=', true)
          .where('name', '<>', name)
          .execute();
      }
      const values = {
        greeting: settings.greeting ?? null,
        voicemail: settings.voicemail,
        voicemail_message: settings.voicemail_message ?? null,
        transfer_number: settings.transfer_number ?? null,
        is_default: settings.default,
        updated_at: at,
      };
      const row = await tx
        .insertInto('agents')
        .values({ id: randomUUID(), org_id: orgId, name, created_at: at, ...values })
        .onConflict((oc) => oc.columns(['org_id', 'name']).doUpdateSet(values))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toAgent(row);
    });
  }

  async remove(orgId: string, name: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('agents')
      .where('org_id', '=', orgId)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
