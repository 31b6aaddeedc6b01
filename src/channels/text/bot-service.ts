/**
 * The text channel: one request in, one turn of the brain, one answer out (`POST /bot/handle`, `rooman chat`, the
 * web page). Sessions live in the database so any instance can take the next turn; a turn is saved only against
 * the version it read, and a lost race re-runs the turn unless it already wrote to the CRM (then the answer
 * stands: the CRM write was made under this turn's idempotency key, so a repeat could not write twice anyway).
 * A request repeated after its turn completed (the client never got the answer) is answered from the session.
 */
import { randomBytes } from 'node:crypto';
import type { Brain, BrainReply, ModelUsage } from '../../brains/brain.ts';
import { BotRequest, type BotResponse } from '../../core/bot.ts';
import type { CrmGatewayFor } from '../../core/crm.ts';
import { RoomanError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { MeetingCalendarFor } from '../../core/meetings.ts';
import type { MessageSenderFor } from '../../core/messages.ts';
import { type Clock, systemClock } from '../../core/time.ts';

export interface StoredBotSession {
  state: unknown;
  turn: number;
  version: number;
}

/** Where sessions are kept (BotSessionRepository in production). */
export interface BotSessionStore {
  load(orgId: string, sessionId: string): Promise<StoredBotSession | null>;
  /** Writes only if the stored version is still `expectedVersion` (null: only if absent); returns whether it did. */
  save(
    orgId: string,
    sessionId: string,
    write: { state: unknown; turn: number },
    expectedVersion: number | null,
  ): Promise<boolean>;
}

/** What routes and the CLI need from the bot. */
export interface BotHandler {
  handle(request: unknown, orgId: string): Promise<BotResponse>;
}

export interface BotServiceOptions {
  brain: Brain;
  sessions: BotSessionStore;
  crmFor: CrmGatewayFor;
  /** The organisation's calendar and message channel; without them the brain does CRM work only. */
  calendarFor?: MeetingCalendarFor;
  messagesFor?: MessageSenderFor;
  /** IANA zone per organisation (or one for all). */
  timeZone: string | ((orgId: string) => string | Promise<string>);
  clock?: Clock;
  logger?: Logger;
  newSessionId?: () => string;
  /** Where a turn's model tokens go (channel `text`), e.g. src/store/model-usage.ts `modelUsageRecorder`. */
  usageFor?: (
    orgId: string,
    sessionId: string,
    channel: string,
  ) => (turn: number, usage: readonly ModelUsage[]) => Promise<void>;
  /** How often a turn is re-run after losing a race for the session (default 3). */
  maxConflictRetries?: number;
}

/**
 * What is stored per session: the brain's state, and the last turn that wrote to the CRM, so that a client retrying
 * a request whose answer it never received gets that answer again instead of a second write.
 */
interface SessionEnvelope {
  brain: unknown;
  lastWrite?: { transcript: string; reply: BrainReply; at: number };
}

/** How long an identical request after a CRM write counts as a retry of it. */
export const REPLAY_WINDOW_MS = 60_000;

const readEnvelope = (raw: unknown): SessionEnvelope =>
  typeof raw === 'object' && raw !== null && 'brain' in raw ? (raw as SessionEnvelope) : { brain: undefined };

/** 128 random bits, URL-safe. */
export const randomSessionId = (): string => randomBytes(16).toString('base64url');

/** The CRM idempotency key of a turn: the same session and turn always give the same key. */
export const turnIdempotencyKey = (orgId: string, sessionId: string, turn: number): string =>
  `bot:${orgId}:${sessionId}:${turn}`;

export class BotService implements BotHandler {
  readonly #o: BotServiceOptions;

  constructor(options: BotServiceOptions) {
    this.#o = options;
  }

  async handle(request: unknown, orgId: string): Promise<BotResponse> {
    const { transcript, session_id } = validate(request);
    const sessionId = session_id ?? (this.#o.newSessionId ?? randomSessionId)();
    const crm = this.#o.crmFor(orgId);
    const calendar = this.#o.calendarFor?.(orgId);
    const messages = this.#o.messagesFor?.(orgId);
    const tz = this.#o.timeZone;
    const timeZone = typeof tz === 'string' ? tz : await tz(orgId);
    const maxRetries = this.#o.maxConflictRetries ?? 3;

    for (let attempt = 0; ; attempt++) {
      const stored = await this.#o.sessions.load(orgId, sessionId);
      const envelope = readEnvelope(stored?.state);
      const now = (this.#o.clock ?? systemClock).now();
      const last = envelope.lastWrite;
      if (last && last.transcript === transcript && now.getTime() - last.at < REPLAY_WINDOW_MS) {
        this.#o.logger?.info({ orgId, sessionId }, 'repeated request after a CRM write: answering it again');
        return { session_id: sessionId, ...last.reply };
      }
      const turn = (stored?.turn ?? 0) + 1;
      const outcome = await this.#o.brain.respond(
        { sessionId, turn, text: transcript, state: envelope.brain },
        {
          crm,
          ...(calendar ? { calendar } : {}),
          ...(messages ? { messages } : {}),
          now,
          timeZone,
          orgId,
          idempotencyKey: turnIdempotencyKey(orgId, sessionId, turn),
        },
      );
      // Every attempt's calls reached the provider, a retried one too: each is counted.
      if (outcome.usage?.length) await this.#o.usageFor?.(orgId, sessionId, 'text')(turn, outcome.usage);
      const next: SessionEnvelope = {
        brain: outcome.state,
        // Only a turn that wrote is worth replaying; any other turn ends the window.
        lastWrite: outcome.wrote ? { transcript, reply: outcome.reply, at: now.getTime() } : undefined,
      };
      const saved = await this.#o.sessions.save(
        orgId,
        sessionId,
        { state: next, turn },
        stored?.version ?? null,
      );
      if (saved || outcome.wrote || attempt >= maxRetries) {
        if (!saved) {
          this.#o.logger?.warn(
            { orgId, sessionId, turn },
            'bot session changed concurrently; this turn was not saved',
          );
        }
        this.#o.logger?.debug(
          { orgId, sessionId, turn, intent: outcome.reply.intent, error: outcome.reply.error?.type },
          'bot turn',
        );
        return { session_id: sessionId, ...outcome.reply };
      }
    }
  }
}

function validate(body: unknown): BotRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RoomanError('VALIDATION_ERROR', 'Request body must be a JSON object with a transcript', {
      field: '(body)',
    });
  }
  const parsed = BotRequest.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return { field: issue.keys.join(','), message: 'unknown field' };
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    return {
      field: issue.path.map(String).join('.') || '(body)',
      message: missing ? 'is required' : issue.message,
    };
  });
  const first = issues[0]!;
  throw new RoomanError('VALIDATION_ERROR', `${first.field}: ${first.message}`, {
    field: first.field,
    issues,
  });
}
