/**
 * Phone calls over Twilio, the inbound half and the media bridge:
 *
 *   POST /twilio/voice   the number's voice webhook (form-encoded): records the call, answers TwiML
 *                        `<Connect><Stream url="wss://<public host>/twilio/media">` with `<Parameter>`s naming the
 *                        call, its organisation and agent. `?call=<id>` ties the webhook of an outbound call placed
 *                        by us to its row.
 *   POST /twilio/status  status callbacks (`?call=<id>` likewise), recorded on the call (every event kept; the
 *                        status only moves forward).
 *   GET  /twilio/media   the Media Streams WebSocket (src/channels/twilio/media-bridge.ts).
 *
 * Every request must carry a valid `X-Twilio-Signature`, computed by Twilio over the public URL it called
 * (ROOMAN_PUBLIC_URL + path and query; `wss://` for the WebSocket) and the form parameters, keyed by the account's
 * auth token; the official `twilio` package checks it. A missing or wrong one is refused with 403 and logged. Without
 * a Twilio account and a public URL configured, the routes answer 503 and say what to set.
 *
 * Instances share the live-call registry through the `calls` table: each refreshes the heartbeat of the calls it
 * bridges every few seconds. On shutdown (preClose, database still open) every bridged call is ended cleanly.
 */
import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import twilio from 'twilio';
import { z } from 'zod';
import {
  type BridgedSession,
  type MediaLimits,
  type MediaSocket,
  TwilioMediaBridge,
} from '../../channels/twilio/media-bridge.ts';
import type { PacerStats } from '../../channels/twilio/pacer.ts';
import { STREAM_PARAMETERS } from '../../channels/twilio/protocol.ts';
import type { Config } from '../../core/config.ts';
import { RoomanError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import {
  CALL_STATUSES,
  type CallRecord,
  CallRepository,
  LIVE_HEARTBEAT_MS,
  PhoneNumberRepository,
} from '../../store/calls.ts';
import type { Schema } from '../../store/schema.ts';

export const VOICE_PATH = '/twilio/voice';
export const STATUS_PATH = '/twilio/status';
export const MEDIA_PATH = '/twilio/media';

/** The agent of calls to a number with no route. */
export const DEFAULT_AGENT = 'default';

export interface TwilioDeps {
  db: Kysely<Schema>;
  logger: Logger;
  twilio: Config['twilio'];
  /** ROOMAN_PUBLIC_URL: the origin Twilio calls (webhook signatures are over it). */
  publicUrl: string | undefined;
  /** Where calls to a number with no phone_numbers row go. */
  defaultOrgId: string;
  /**
   * Opens a started call session (VoiceSessions.open(orgId, 'twilio', {sessionId, …opening})); `call` says who is
   * on the line, why, and which agent greets them.
   */
  openSession: (orgId: string, sessionId: string, call: CallRecord) => Promise<BridgedSession>;
  /**
   * Lets the outbound side answer a call its own way before the stream is connected (an answering machine: leave a
   * message or hang up). Returns TwiML, or null to connect the call to the agent.
   */
  answer?: (call: CallRecord, form: Readonly<Record<string, string>>) => Promise<string | null>;
  limits?: Partial<MediaLimits>;
  /** This process in the live registry (default: a random id). */
  instanceId?: string;
  heartbeatMs?: number;
  /** Hard cap on one WebSocket message, enforced by `ws` (default 64 KiB). */
  maxPayload?: number;
}

export interface TwilioChannel {
  readonly instanceId: string;
  /** Streams bridged by this instance now. */
  liveCount(): number;
  /** Outbound pacing over every stream since start (ended and live): for benches and health. */
  pacing(): PacingTotals;
}

export interface PacingTotals {
  streams: number;
  framesSent: number;
  maxLatenessMs: number;
  lateFrames: number;
  /** Worst send time against the far end's playback moment (negative: always ahead), and frames sent after it. */
  maxPlaybackLatenessMs: number;
  underruns: number;
  /** Runs of continuous audio (a run restarts when the queue ran dry: a gap in what the session said). */
  runs: number;
}

type Form = Record<string, string>;

const VoiceForm = z.object({
  CallSid: z.string().min(1).max(64),
  AccountSid: z.string().min(1).max(64),
  From: z.string().max(128).default(''),
  To: z.string().max(128).default(''),
  CallStatus: z.enum(CALL_STATUSES).optional(),
  Direction: z.string().max(32).optional(),
});

const StatusForm = z.object({
  CallSid: z.string().min(1).max(64),
  AccountSid: z.string().min(1).max(64),
  CallStatus: z.enum(CALL_STATUSES),
  SequenceNumber: z.coerce.number().int().min(0).optional(),
  Timestamp: z.string().max(64).optional(),
  CallDuration: z.coerce.number().int().min(0).optional(),
  AnsweredBy: z.string().max(64).optional(),
  ErrorCode: z.string().max(32).optional(),
  ErrorMessage: z.string().max(1000).optional(),
});

const CallQuery = z.object({ call: z.uuid().optional() });

const NOT_CONFIGURED =
  'Phone calls are not configured: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and ROOMAN_PUBLIC_URL (the https origin Twilio calls)';

export async function registerTwilio(app: FastifyInstance, deps: TwilioDeps): Promise<TwilioChannel> {
  const log = deps.logger.child({ component: 'twilio' });
  const calls = new CallRepository(deps.db);
  const numbers = new PhoneNumberRepository(deps.db);
  const instanceId = deps.instanceId ?? randomUUID();
  const account = deps.twilio && deps.publicUrl ? { ...deps.twilio, publicUrl: deps.publicUrl } : null;
  const live = new Set<TwilioMediaBridge>();
  const liveCalls = new Map<TwilioMediaBridge, { orgId: string; callId: string }>();
  const ended: PacingTotals = {
    streams: 0,
    framesSent: 0,
    maxLatenessMs: 0,
    lateFrames: 0,
    maxPlaybackLatenessMs: Number.NEGATIVE_INFINITY,
    underruns: 0,
    runs: 0,
  };

  /** 503 without an account, 403 (logged) without a valid signature; null when the request may go on. */
  const refuse = (
    request: FastifyRequest,
    reply: FastifyReply,
    url: string,
    params: Form,
  ): FastifyReply | null => {
    if (!account) {
      return reply.status(503).send({ error: { type: 'INTERNAL_ERROR', details: NOT_CONFIGURED } });
    }
    const signature = request.headers['x-twilio-signature'];
    if (typeof signature === 'string' && twilio.validateRequest(account.authToken, signature, url, params))
      return null;
    log.warn(
      { url, ip: request.ip, signed: typeof signature === 'string' },
      'Twilio request refused: X-Twilio-Signature missing or wrong',
    );
    return reply
      .status(403)
      .send({ error: { type: 'UNAUTHORIZED', details: 'X-Twilio-Signature is missing or does not match' } });
  };
  const publicHttpUrl = (request: FastifyRequest) => `${account?.publicUrl ?? ''}${request.url}`;
  const publicWsUrl = (request: FastifyRequest) =>
    `${(account?.publicUrl ?? '').replace(/^http/, 'ws')}${request.url}`;
  const mediaUrl = () => `${(account?.publicUrl ?? '').replace(/^http/, 'ws')}${MEDIA_PATH}`;

  // Normally the browser voice routes registered the WebSocket plugin already (one upgrade listener per server).
  if (!app.hasDecorator('websocketServer'))
    await app.register(websocket, { options: { maxPayload: deps.maxPayload ?? 64 * 1024 } });

  await app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => done(null, parseForm(String(body))),
    );

    scope.post(VOICE_PATH, async (request, reply) => {
      const form = formOf(request.body);
      if (refuse(request, reply, publicHttpUrl(request), form)) return reply;
      const input = parseOrThrow(VoiceForm, form);
      const { call: callId } = parseOrThrow(CallQuery, request.query ?? {});
      const call = await findOrCreateCall(input, callId);
      if (!call) {
        log.warn({ callSid: input.CallSid, callId }, 'voice webhook for an unknown call');
        return twiml(reply, hangUp('Sorry, this call cannot be connected.'));
      }
      if (input.CallStatus)
        await calls.recordStatus(call.orgId, call.id, {
          status: input.CallStatus,
          source: 'voice-webhook',
          detail: pick(form, ['Direction', 'AnsweredBy', 'ForwardedFrom', 'CallerName']),
        });
      const custom = deps.answer ? await deps.answer(call, form) : null;
      if (custom !== null) return twiml(reply, custom);
      const response = new twilio.twiml.VoiceResponse();
      const stream = response.connect().stream({ url: mediaUrl() });
      stream.parameter({ name: STREAM_PARAMETERS.callId, value: call.id });
      stream.parameter({ name: STREAM_PARAMETERS.orgId, value: call.orgId });
      stream.parameter({ name: STREAM_PARAMETERS.agent, value: call.agent });
      log.info({ callId: call.id, orgId: call.orgId, direction: call.direction }, 'phone call answered');
      return twiml(reply, response.toString());
    });

    scope.post(STATUS_PATH, async (request, reply) => {
      const form = formOf(request.body);
      if (refuse(request, reply, publicHttpUrl(request), form)) return reply;
      const input = parseOrThrow(StatusForm, form);
      const { call: callId } = parseOrThrow(CallQuery, request.query ?? {});
      let call = callId ? await calls.findByIdAcrossOrgs(callId) : await calls.findBySid(input.CallSid);
      if (call && !call.callSid) {
        await calls.attachSid(call.orgId, call.id, input.CallSid);
        call = { ...call, callSid: input.CallSid };
      }
      if (!call || call.callSid !== input.CallSid) {
        // Answered 204 all the same: Twilio would only retry a callback nobody can use.
        log.warn({ callSid: input.CallSid, callId }, 'status callback for an unknown call');
        return reply.status(204).send();
      }
      const occurredAt = input.Timestamp ? new Date(input.Timestamp) : undefined;
      await calls.recordStatus(call.orgId, call.id, {
        status: input.CallStatus,
        source: 'status-callback',
        sequenceNumber: input.SequenceNumber ?? null,
        ...(occurredAt && !Number.isNaN(occurredAt.getTime()) ? { occurredAt } : {}),
        answeredBy: input.AnsweredBy ?? null,
        durationSeconds: input.CallDuration ?? null,
        error: input.ErrorCode
          ? { code: input.ErrorCode, message: input.ErrorMessage ?? 'Twilio error' }
          : null,
        detail: pick(form, ['CallbackSource', 'SipResponseCode', 'Duration', 'ErrorCode']),
      });
      return reply.status(204).send();
    });

    scope.get(
      MEDIA_PATH,
      {
        websocket: true,
        preValidation: async (request, reply) => {
          // Twilio signs the upgrade over the wss:// URL, with no parameters.
          if (refuse(request, reply, publicWsUrl(request), {})) return reply;
        },
      },
      (socket, request) => {
        const early: Array<[Buffer | ArrayBuffer | Buffer[], boolean]> = [];
        const keep = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) =>
          early.push([data, isBinary]);
        socket.on('message', keep);
        // The call's registry entry, written while the call starts (see openCall); its end waits for it.
        let registered: Promise<void> = Promise.resolve();
        const bridge = new TwilioMediaBridge({
          socket: socket as unknown as MediaSocket,
          logger: log,
          ...(deps.limits ? { limits: deps.limits } : {}),
          openCall: async (start) => {
            if (start.accountSid !== account?.accountSid)
              throw new RoomanError('UNAUTHORIZED', 'The stream belongs to another Twilio account');
            const callId = start.parameters[STREAM_PARAMETERS.callId];
            const byId = callId && z.uuid().safeParse(callId).success;
            const call = byId ? await calls.findByIdAcrossOrgs(callId) : await calls.findBySid(start.callSid);
            if (!call) throw new RoomanError('NOT_FOUND', 'The stream names no known call');
            if (call.callSid !== null && call.callSid !== start.callSid)
              throw new RoomanError('CONFLICT', 'The stream is of another call than its parameters name');
            let session: BridgedSession;
            try {
              session = await deps.openSession(call.orgId, randomUUID(), call);
            } catch (error) {
              // The caller hears the call end; the call says why.
              log.error({ err: error, callId: call.id }, 'call session could not start');
              await calls.endLive(call.orgId, call.id, {
                error: { code: 'session_failed', message: 'The call session could not start' },
              });
              throw error;
            }
            liveCalls.set(bridge, { orgId: call.orgId, callId: call.id });
            // Not awaited: the bridge listens to the session at once, so what the agent says first (its greeting)
            // is not said before anyone listens.
            registered = (async () => {
              try {
                if (call.callSid === null) await calls.attachSid(call.orgId, call.id, start.callSid);
                await calls.markLive(call.orgId, call.id, {
                  instanceId,
                  sessionId: session.id,
                  streamSid: start.streamSid,
                });
                await calls.recordStatus(call.orgId, call.id, {
                  status: 'in-progress',
                  source: 'media-stream',
                });
              } catch (error) {
                // The call goes on without its registry entry rather than hanging up on the caller.
                log.error({ err: error, callId: call.id }, 'call not marked live');
              }
            })();
            return { callId: call.id, orgId: call.orgId, session };
          },
          onEnded: async ({ call, error, reason, stats }) => {
            addPacing(ended, stats.outbound);
            live.delete(bridge);
            liveCalls.delete(bridge);
            await registered;
            if (call) await calls.endLive(call.orgId, call.callId, { error });
            else if (error) log.warn({ reason, error }, 'media stream ended before reaching a call');
          },
        });
        live.add(bridge);
        bridge.start(early);
        socket.off('message', keep);
        void request;
      },
    );
  });

  async function findOrCreateCall(
    input: z.infer<typeof VoiceForm>,
    callId: string | undefined,
  ): Promise<CallRecord | undefined> {
    if (callId) {
      const call = await calls.findByIdAcrossOrgs(callId);
      if (!call) return undefined;
      if (call.callSid === null) {
        await calls.attachSid(call.orgId, call.id, input.CallSid);
        return { ...call, callSid: input.CallSid };
      }
      return call.callSid === input.CallSid ? call : undefined;
    }
    // Twilio retries a webhook that timed out: the same CallSid is the same call.
    const known = await calls.findBySid(input.CallSid);
    if (known) return known;
    const route = await numbers.find(input.To);
    try {
      return await calls.create({
        orgId: route?.orgId ?? deps.defaultOrgId,
        direction: input.Direction?.startsWith('outbound') ? 'outbound' : 'inbound',
        callSid: input.CallSid,
        from: input.From,
        to: input.To,
        agent: route?.agent ?? DEFAULT_AGENT,
        status: input.CallStatus ?? 'ringing',
      });
    } catch (error) {
      // Two instances took the same retried webhook at once: the other one created it.
      const raced = await calls.findBySid(input.CallSid);
      if (raced) return raced;
      throw error;
    }
  }

  // The live registry: one UPDATE per beat for every call this instance bridges.
  const beat = setInterval(() => {
    const ids = [...liveCalls.values()].map((c) => c.callId);
    if (ids.length === 0) return;
    calls
      .heartbeat(instanceId, ids)
      .catch((error: unknown) => log.warn({ err: error }, 'call heartbeat failed'));
  }, deps.heartbeatMs ?? LIVE_HEARTBEAT_MS);
  beat.unref();

  app.addHook('preClose', async () => {
    clearInterval(beat);
    await Promise.all([...live].map((b) => b.end('server-closing', { code: 1001 })));
  });
  app.addHook('onClose', async () => clearInterval(beat));

  return {
    instanceId,
    liveCount: () => live.size,
    pacing: () => {
      const totals = { ...ended };
      for (const bridge of live) addPacing(totals, bridge.stats.outbound);
      return totals;
    },
  };
}

function addPacing(totals: PacingTotals, stats: PacerStats): void {
  totals.streams++;
  totals.framesSent += stats.framesSent;
  totals.maxLatenessMs = Math.max(totals.maxLatenessMs, stats.maxLatenessMs);
  totals.lateFrames += stats.lateFrames;
  totals.maxPlaybackLatenessMs = Math.max(totals.maxPlaybackLatenessMs, stats.maxPlaybackLatenessMs);
  totals.underruns += stats.underruns;
  totals.runs += stats.runs;
}

/** Form fields; a repeated name keeps its last value (Twilio's voice fields are single-valued). */
export function parseForm(body: string): Form {
  const form: Form = {};
  for (const [name, value] of new URLSearchParams(body)) form[name] = value;
  return form;
}

function formOf(body: unknown): Form {
  if (typeof body !== 'object' || body === null) return {};
  return body as Form;
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    field: i.path.join('.') || '(body)',
    message: i.message,
  }));
  throw new RoomanError('VALIDATION_ERROR', `${issues[0]!.field}: ${issues[0]!.message}`, {
    field: issues[0]!.field,
    issues,
  });
}

function pick(form: Form, names: readonly string[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const name of names) if (form[name] !== undefined) out[name] = form[name];
  return Object.keys(out).length > 0 ? out : undefined;
}

function hangUp(text: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(text);
  response.hangup();
  return response.toString();
}

function twiml(reply: FastifyReply, xml: string): FastifyReply {
  return reply.status(200).header('content-type', 'text/xml; charset=utf-8').send(xml);
}
