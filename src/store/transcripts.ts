/**
 * Call sessions and their transcript entries, org-scoped (migration 0004). The voice session writes through
 * `TranscriptRepository` as the call goes; the sessions API reads through it. Tables join the typed schema here
 * (Kysely's withTables), next to the queries that use them.
 */
import { type ColumnType, type Kysely, type Selectable, sql } from 'kysely';
import type { Schema, Timestamp } from './schema.ts';

export type TranscriptRole = 'user' | 'agent' | 'tool' | 'system';

export interface CallSessionTable {
  id: string;
  org_id: string;
  channel: string;
  started_at: Timestamp;
  ended_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** jsonb: read as a value, written as JSON text. */
type Json = ColumnType<unknown, string | null | undefined, string | null>;

export interface TranscriptEntryTable {
  session_id: string;
  seq: number;
  org_id: string;
  turn: number;
  role: TranscriptRole;
  text: string;
  started_at: Timestamp;
  ended_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  interrupted: ColumnType<boolean, boolean | undefined, boolean>;
  played_text: string | null;
  tool_name: string | null;
  tool_args: Json;
  tool_result: Json;
}

export type CallSessionRow = Selectable<CallSessionTable>;
export type TranscriptEntryRow = Selectable<TranscriptEntryTable>;

export interface NewTranscriptEntry {
  seq: number;
  turn: number;
  role: TranscriptRole;
  text: string;
  startedAt: Date;
  endedAt?: Date | null;
  interrupted?: boolean;
  playedText?: string | null;
  tool?: { name: string; args: unknown; result: unknown };
}

/** What a reply became once its audio stopped: all of it played, or cut off by the caller. */
export interface PlaybackOutcome {
  endedAt: Date;
  interrupted: boolean;
  playedText: string;
}

export interface CallSessionSummary {
  id: string;
  channel: string;
  startedAt: Date;
  endedAt: Date | null;
  entries: number;
}

export interface CallSessionPage {
  items: CallSessionSummary[];
  total: number;
  limit: number;
  offset: number;
}

type Tables = Schema & { call_sessions: CallSessionTable; transcript_entries: TranscriptEntryTable };

export class TranscriptRepository {
  readonly #db: Kysely<Tables>;

  /** `db` may be a transaction. */
  constructor(db: Kysely<Schema>) {
    this.#db = db.withTables<{ call_sessions: CallSessionTable; transcript_entries: TranscriptEntryTable }>();
  }

  async startSession(orgId: string, id: string, channel: string, startedAt: Date): Promise<void> {
    await this.#db
      .insertInto('call_sessions')
      .values({ id, org_id: orgId, channel, started_at: startedAt })
      .execute();
  }

  async endSession(orgId: string, id: string, endedAt: Date): Promise<void> {
    await this.#db
      .updateTable('call_sessions')
      .set({ ended_at: endedAt })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }

  async append(orgId: string, sessionId: string, entry: NewTranscriptEntry): Promise<void> {
    await this.#db
      .insertInto('transcript_entries')
      .values({
        session_id: sessionId,
        seq: entry.seq,
        org_id: orgId,
        turn: entry.turn,
        role: entry.role,
        text: entry.text,
        started_at: entry.startedAt,
        ended_at: entry.endedAt ?? null,
        interrupted: entry.interrupted ?? false,
        played_text: entry.playedText ?? null,
        tool_name: entry.tool?.name ?? null,
        tool_args: entry.tool ? JSON.stringify(entry.tool.args ?? null) : null,
        tool_result: entry.tool ? JSON.stringify(entry.tool.result ?? null) : null,
      })
      .execute();
  }

  /** Records how much of a reply the caller heard. */
  async settlePlayback(
    orgId: string,
    sessionId: string,
    seq: number,
    outcome: PlaybackOutcome,
  ): Promise<void> {
    await this.#db
      .updateTable('transcript_entries')
      .set({ ended_at: outcome.endedAt, interrupted: outcome.interrupted, played_text: outcome.playedText })
      .where('org_id', '=', orgId)
      .where('session_id', '=', sessionId)
      .where('seq', '=', seq)
      .execute();
  }

  /** The organisation's sessions, newest first. */
  async list(orgId: string, page: { limit: number; offset: number }): Promise<CallSessionPage> {
    const [rows, total] = await Promise.all([
      this.#db
        .selectFrom('call_sessions as s')
        .select(['s.id', 's.channel', 's.started_at', 's.ended_at'])
        .select((eb) =>
          eb
            .selectFrom('transcript_entries as e')
            .select(sql<number>`count(*)::int`.as('n'))
            .whereRef('e.session_id', '=', 's.id')
            .as('entries'),
        )
        .where('s.org_id', '=', orgId)
        .orderBy('s.started_at', 'desc')
        .orderBy('s.id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      this.#db
        .selectFrom('call_sessions')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('org_id', '=', orgId)
        .executeTakeFirstOrThrow(),
    ]);
    return {
      items: rows.map((r) => ({
        id: r.id,
        channel: r.channel,
        startedAt: r.started_at,
        endedAt: r.ended_at,
        entries: r.entries ?? 0,
      })),
      total: total.n,
      limit: page.limit,
      offset: page.offset,
    };
  }

  async findSession(orgId: string, id: string): Promise<CallSessionRow | undefined> {
    return this.#db
      .selectFrom('call_sessions')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async entries(orgId: string, sessionId: string): Promise<TranscriptEntryRow[]> {
    return this.#db
      .selectFrom('transcript_entries')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('session_id', '=', sessionId)
      .orderBy('seq')
      .execute();
  }
}

/**
 * The repository bound to one call, in the shape the voice session writes through (its `TranscriptSink`), so the
 * session needs no store import.
 */
export function transcriptSink(repository: TranscriptRepository, orgId: string, sessionId: string) {
  return {
    start: (info: { channel: string; startedAt: Date }) =>
      repository.startSession(orgId, sessionId, info.channel, info.startedAt),
    append: (entry: NewTranscriptEntry) => repository.append(orgId, sessionId, entry),
    settlePlayback: (seq: number, outcome: PlaybackOutcome) =>
      repository.settlePlayback(orgId, sessionId, seq, outcome),
    end: (endedAt: Date) => repository.endSession(orgId, sessionId, endedAt),
  };
}
