/**
 * `GET /api/sessions` and `GET /api/sessions/:id`: the organisation's voice calls and their transcripts, newest
 * first, paginated with limit/offset like the CRM lists. Org-scoped: another organisation's call is a 404.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RoomanError } from '../../core/errors.ts';
import { parseWith } from '../../core/validation.ts';
import type { TranscriptEntryRow, TranscriptRepository } from '../../store/transcripts.ts';

export interface SessionRoutesOptions {
  transcripts: TranscriptRepository;
  /** The organisation a request acts for (src/http/org.ts createOrgResolver). */
  resolveOrg: (request: FastifyRequest) => Promise<string>;
}

const SessionListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});

const SessionParams = z.object({ id: z.string() });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function entryJson(e: TranscriptEntryRow) {
  return {
    seq: e.seq,
    turn: e.turn,
    role: e.role,
    text: e.text,
    started_at: iso(e.started_at),
    ended_at: iso(e.ended_at),
    interrupted: e.interrupted,
    played_text: e.played_text,
    ...(e.tool_name ? { tool: { name: e.tool_name, args: e.tool_args, result: e.tool_result } } : {}),
  };
}

export function registerSessionRoutes(app: FastifyInstance, options: SessionRoutesOptions): void {
  app.get('/api/sessions', async (request) => {
    const orgId = await options.resolveOrg(request);
    const query = parseWith(SessionListQuery, request.query, 'query');
    const page = await options.transcripts.list(orgId, query);
    return {
      sessions: page.items.map((s) => ({
        id: s.id,
        channel: s.channel,
        started_at: iso(s.startedAt),
        ended_at: iso(s.endedAt),
        entries: s.entries,
      })),
      total: page.total,
      limit: page.limit,
      offset: page.offset,
    };
  });

  app.get('/api/sessions/:id', async (request) => {
    const orgId = await options.resolveOrg(request);
    const { id } = parseWith(SessionParams, request.params, 'path');
    const session = UUID.test(id) ? await options.transcripts.findSession(orgId, id) : undefined;
    if (!session) throw new RoomanError('NOT_FOUND', `No session ${id}`);
    const entries = await options.transcripts.entries(orgId, id);
    return {
      id: session.id,
      channel: session.channel,
      started_at: iso(session.started_at),
      ended_at: iso(session.ended_at),
      entries: entries.map(entryJson),
    };
  });
}
