/**
 * Placing and managing outbound calls through Twilio's REST API (official SDK). A call is recorded in `calls`
 * (src/store/calls.ts) before Twilio is asked, so a refused or failed request is kept with its error; Twilio then
 * fetches the voice webhook (`/twilio/voice?call=<id>`, which bridges the call to the agent), reports progress to
 * `/twilio/outbound/status` and, when the agent handles answering machines, the verdict to `/twilio/outbound/amd`.
 *
 * Hang-up and transfer are REST updates of the call (`Status=completed`, TwiML `<Dial>`): Twilio acts on them
 * whichever instance bridges the audio, so any instance can manage any call.
 */
import twilio from 'twilio';
import { STREAM_PARAMETERS } from '../channels/twilio/protocol.ts';
import { RoomanError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { type Clock, systemClock } from '../core/time.ts';
import {
  describeTwilioFailure,
  type TwilioClient,
  type TwilioFailure,
} from '../integrations/twilio/client.ts';
import type { CallOpening } from '../session/voice-sessions.ts';
import {
  type CallError,
  type CallRecord,
  CallRepository,
  type CallStatus,
  FINAL_CALL_STATUSES,
} from '../store/calls.ts';
import type { Database } from '../store/database.ts';
import { type Agent, AgentRepository, BUILTIN_AGENT } from './agents.ts';
import { renderGreeting } from './greeting.ts';

export const VOICE_WEBHOOK_PATH = '/twilio/voice';
/** The media stream (src/http/routes/twilio.ts MEDIA_PATH). */
const MEDIA_STREAM_PATH = '/twilio/media';
export const OUTBOUND_STATUS_PATH = '/twilio/outbound/status';
export const OUTBOUND_AMD_PATH = '/twilio/outbound/amd';

export interface OutboundSettings {
  /** Null when Twilio is not configured: calls are refused with a clear message. */
  client: TwilioClient | null;
  /** The Twilio number calls come from (TWILIO_PHONE_NUMBER). */
  fromNumber: string | undefined;
  /** Where Twilio reaches this deployment (ROOMAN_PUBLIC_URL), no trailing slash. */
  publicUrl: string | undefined;
  /** Seconds a call rings before it counts as no-answer (default 30). */
  ringTimeoutSeconds?: number;
}

export interface OutboundOptions extends OutboundSettings {
  db: Database['db'];
  logger: Logger;
  clock?: Clock;
}

export interface PlaceInput {
  /** Our id for the call (default: a new one). */
  id?: string;
  to: string;
  agent: Agent;
  context: Record<string, unknown>;
}

export interface PlaceResult {
  call: CallRecord;
  /** Set when Twilio refused or could not be reached; the call is then recorded as failed with the error. */
  failure?: TwilioFailure;
}

/** What an answering-machine verdict led to. */
export type AmdAction = 'none' | 'message' | 'hangup';

const MACHINE = /^(machine_|fax$)/;

export class OutboundCalls {
  readonly calls: CallRepository;
  readonly agents: AgentRepository;
  readonly #options: OutboundOptions;
  readonly #clock: Clock;

  constructor(options: OutboundOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.calls = new CallRepository(options.db);
    this.agents = new AgentRepository(options.db);
  }

  /** Throws unless Twilio, the caller-ID number and the public URL are all configured. */
  requireConfigured(): { client: TwilioClient; from: string; base: string } {
    const { client, fromNumber, publicUrl } = this.#options;
    const missing = [
      client ? undefined : 'TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN',
      fromNumber ? undefined : 'TWILIO_PHONE_NUMBER',
      publicUrl ? undefined : 'ROOMAN_PUBLIC_URL (the address Twilio reaches this server at)',
    ].filter((m) => m !== undefined);
    if (!client || !fromNumber || !publicUrl)
      throw new RoomanError('INTERNAL_ERROR', `Phone calls are not configured: set ${missing.join(', ')}`);
    return { client, from: fromNumber, base: publicUrl };
  }

  /** Records the call, asks Twilio to place it, and keeps Twilio's sid — or its error — on the call. */
  async place(orgId: string, input: PlaceInput): Promise<PlaceResult> {
    const { client, from, base } = this.requireConfigured();
    const call = await this.calls.create({
      ...(input.id ? { id: input.id } : {}),
      orgId,
      direction: 'outbound',
      from,
      to: input.to,
      agent: input.agent.name,
      context: input.context,
      at: this.#clock.now(),
    });
    const id = encodeURIComponent(call.id);
    const amd =
      input.agent.voicemail === 'none'
        ? {}
        : {
            // Asynchronous detection: the agent starts at once instead of after seconds of listening; the verdict
            // comes later and, for a machine, the call is redirected (message) or ended.
            machineDetection: input.agent.voicemail === 'message' ? 'DetectMessageEnd' : 'Enable',
            asyncAmd: 'true',
            asyncAmdStatusCallback: `${base}${OUTBOUND_AMD_PATH}?call=${id}`,
            asyncAmdStatusCallbackMethod: 'POST',
          };
    try {
      const placed = await client.calls.create({
        to: input.to,
        from,
        url: `${base}${VOICE_WEBHOOK_PATH}?call=${id}`,
        method: 'POST',
        statusCallback: `${base}${OUTBOUND_STATUS_PATH}?call=${id}`,
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        statusCallbackMethod: 'POST',
        timeout: this.#options.ringTimeoutSeconds ?? 30,
        ...amd,
      });
      await this.calls.attachSid(orgId, call.id, placed.sid, this.#clock.now());
      return { call: { ...call, callSid: placed.sid } };
    } catch (error) {
      const failure = describeTwilioFailure(error);
      const callError: CallError = { code: failure.code ?? 'unreachable', message: failure.message };
      this.#options.logger.warn(
        { callId: call.id, to: input.to, code: failure.code, status: failure.status },
        `outbound call refused by Twilio: ${failure.message}`,
      );
      const failed = await this.calls.recordStatus(
        orgId,
        call.id,
        {
          status: 'failed',
          source: 'rest',
          error: callError,
          detail: { http_status: failure.status ?? null, retriable: failure.retriable },
        },
        this.#clock.now(),
      );
      return { call: failed ?? { ...call, status: 'failed', error: callError }, failure };
    }
  }

  /**
   * The call a Twilio callback is about: by our id (`?call=`) when given — a callback can arrive before the REST
   * answer that told us the CallSid, and then attaches it — else by CallSid. A sid that contradicts the call's own
   * is ignored.
   */
  async #callOf(params: Record<string, string>, callId: string | undefined): Promise<CallRecord | undefined> {
    const sid = params.CallSid;
    if (!sid) return undefined;
    const call =
      callId && UUID.test(callId)
        ? await this.calls.findByIdAcrossOrgs(callId)
        : await this.calls.findBySid(sid);
    if (call?.direction !== 'outbound') return undefined;
    if (!call.callSid) {
      await this.calls.attachSid(call.orgId, call.id, sid, this.#clock.now());
      return { ...call, callSid: sid };
    }
    return call.callSid === sid ? call : undefined;
  }

  /** A status callback for an outbound call: kept with the call (never moving it backwards). */
  async recordCallback(params: Record<string, string>, callId?: string): Promise<CallRecord | undefined> {
    const status = params.CallStatus as CallStatus | undefined;
    const call = status ? await this.#callOf(params, callId) : undefined;
    if (!call || !status) return undefined;
    const seq = Number(params.SequenceNumber);
    const duration = Number(params.CallDuration);
    const occurredAt = params.Timestamp ? new Date(params.Timestamp) : undefined;
    const failed = status === 'failed' && (params.SipResponseCode || params.ErrorCode);
    return this.calls.recordStatus(
      call.orgId,
      call.id,
      {
        status,
        source: 'status-callback',
        sequenceNumber: Number.isInteger(seq) ? seq : null,
        ...(occurredAt && !Number.isNaN(occurredAt.getTime()) ? { occurredAt } : {}),
        answeredBy: params.AnsweredBy ?? null,
        durationSeconds: Number.isFinite(duration) && params.CallDuration ? duration : null,
        ...(failed
          ? {
              error: {
                code: params.ErrorCode ?? `sip_${params.SipResponseCode}`,
                message: params.ErrorMessage ?? `call failed (SIP ${params.SipResponseCode})`,
              },
            }
          : {}),
        detail: pick(params, ['CallbackSource', 'SipResponseCode', 'ErrorCode', 'ErrorMessage', 'Duration']),
      },
      this.#clock.now(),
    );
  }

  /**
   * The answering-machine verdict of a call placed with detection: a machine gets the agent's message (then the
   * call ends) or is hung up on; a person (or `unknown`) keeps talking to the agent.
   */
  async handleAmd(params: Record<string, string>, callId?: string): Promise<AmdAction> {
    const answeredBy = params.AnsweredBy;
    const call = answeredBy ? await this.#callOf(params, callId) : undefined;
    if (!call || !answeredBy || !params.CallSid) return 'none';
    await this.calls.recordStatus(
      call.orgId,
      call.id,
      {
        status: 'in-progress',
        source: 'amd',
        answeredBy,
        detail: pick(params, ['MachineDetectionDuration']),
      },
      this.#clock.now(),
    );
    if (!MACHINE.test(answeredBy) || FINAL_CALL_STATUSES.includes(call.status)) return 'none';
    const agent = (await this.agents.find(call.orgId, call.agent)) ?? BUILTIN_AGENT;
    const { client } = this.requireConfigured();
    try {
      // A message goes after the beep (`machine_end_*`, from DetectMessageEnd); a fax, or a machine caught
      // before its greeting ended, is hung up on.
      if (agent.voicemail === 'message' && agent.voicemailMessage && answeredBy.startsWith('machine_end')) {
        const twiml = new twilio.twiml.VoiceResponse();
        twiml.say(renderGreeting(agent.voicemailMessage, call.context));
        twiml.hangup();
        await client.calls(params.CallSid).update({ twiml: twiml.toString() });
        return 'message';
      }
      if (agent.voicemail !== 'none') {
        await client.calls(params.CallSid).update({ status: 'completed' });
        return 'hangup';
      }
    } catch (error) {
      const failure = describeTwilioFailure(error);
      this.#options.logger.warn(
        { callId: call.id, code: failure.code },
        `answering machine: ${failure.message}`,
      );
      await this.calls.recordError(call.orgId, call.id, {
        code: failure.code ?? 'unreachable',
        message: failure.message,
      });
    }
    return 'none';
  }

  /**
   * How the agent opens a call, inbound or outbound: its greeting (spoken by the call session in the agent's own
   * voice, and the caller's words over it are a barge-in), the line's numbers and the call's context for the brain.
   */
  async opening(call: CallRecord): Promise<CallOpening> {
    // A number with no route names the agent `default`: the organisation's default agent, whatever its name.
    const agent =
      (await this.agents.find(call.orgId, call.agent)) ??
      (call.agent === BUILTIN_AGENT.name ? await this.agents.resolve(call.orgId, undefined) : undefined);
    return {
      ...(agent?.greeting ? { greeting: renderGreeting(agent.greeting, call.context) } : {}),
      ...(Object.keys(call.context).length > 0 ? { context: call.context } : {}),
      caller: {
        direction: call.direction,
        ...(call.from ? { from: call.from } : {}),
        ...(call.to ? { to: call.to } : {}),
      },
    };
  }

  /**
   * The voice webhook's hook (registerTwilio `answer`) when calls have no voice of their own (no synthesizer): a
   * call whose agent has a greeting hears Twilio say it, then is streamed to the agent as usual. Null leaves the
   * answer to the webhook. With a synthesizer the session says the greeting instead (`opening`).
   */
  async answer(call: CallRecord): Promise<string | null> {
    const { greeting } = await this.opening(call);
    const publicUrl = this.#options.publicUrl;
    if (!greeting || !publicUrl) return null;
    const response = new twilio.twiml.VoiceResponse();
    response.say(greeting);
    const stream = response
      .connect()
      .stream({ url: `${publicUrl.replace(/^http/, 'ws')}${MEDIA_STREAM_PATH}` });
    stream.parameter({ name: STREAM_PARAMETERS.callId, value: call.id });
    stream.parameter({ name: STREAM_PARAMETERS.orgId, value: call.orgId });
    stream.parameter({ name: STREAM_PARAMETERS.agent, value: call.agent });
    return response.toString();
  }

  /**
   * Live calls: those an instance is bridging (fresh heartbeat) and those placed but not bridged yet (queued,
   * ringing, or answered while the stream starts), from any instance. Calls not bridged for two hours are left out:
   * their end was never reported.
   */
  async listLive(orgId: string): Promise<(CallRecord & { bridged: boolean })[]> {
    const now = this.#clock.now();
    const bridged = await this.calls.listLive(orgId, { now });
    const known = new Set(bridged.map((c) => c.id));
    const pending = await this.#options.db
      .selectFrom('calls')
      .select('id')
      .where('org_id', '=', orgId)
      .where('ended_at', 'is', null)
      .where('heartbeat_at', 'is', null)
      .where('status', 'in', ['queued', 'initiated', 'ringing', 'in-progress'])
      .where('created_at', '>', new Date(now.getTime() - 2 * 60 * 60_000))
      .orderBy('created_at')
      .limit(500)
      .execute();
    const waiting = await Promise.all(
      pending.filter((r) => !known.has(r.id)).map((r) => this.calls.findById(orgId, r.id)),
    );
    return [
      ...bridged.map((c) => ({ ...c, bridged: true })),
      ...waiting.filter((c) => c !== undefined).map((c) => ({ ...c, bridged: false })),
    ];
  }

  /** Hangs up a call (any instance may ask; Twilio ends it wherever its audio is bridged). */
  async hangup(orgId: string, id: string): Promise<CallRecord> {
    const call = await this.#liveCall(orgId, id);
    const { client } = this.requireConfigured();
    try {
      const updated = await client.calls(call.callSid as string).update({ status: 'completed' });
      const record = await this.calls.recordStatus(
        orgId,
        id,
        { status: updated.status as CallStatus, source: 'hangup' },
        this.#clock.now(),
      );
      return record ?? call;
    } catch (error) {
      throw await this.#managementError(call, error);
    }
  }

  /** Hands an answered call to a person: Twilio leaves the agent and dials `to`. */
  async transfer(
    orgId: string,
    id: string,
    to: string | undefined,
  ): Promise<{ call: CallRecord; to: string }> {
    const call = await this.#liveCall(orgId, id);
    const target = to ?? (await this.agents.find(orgId, call.agent))?.transferNumber ?? undefined;
    if (!target)
      throw new RoomanError(
        'VALIDATION_ERROR',
        `to: required (agent "${call.agent}" has no transfer number)`,
        {
          field: 'to',
        },
      );
    if (call.status !== 'in-progress')
      throw new RoomanError(
        'CONFLICT',
        `Call ${id} is ${call.status}; only an answered call can be transferred`,
      );
    const { client } = this.requireConfigured();
    const twiml = new twilio.twiml.VoiceResponse();
    twiml.say('Please hold while I connect you.');
    twiml.dial(target);
    try {
      await client.calls(call.callSid as string).update({ twiml: twiml.toString() });
    } catch (error) {
      throw await this.#managementError(call, error);
    }
    const record = await this.calls.recordStatus(
      orgId,
      id,
      { status: 'in-progress', source: 'transfer', detail: { to: target } },
      this.#clock.now(),
    );
    return { call: record ?? call, to: target };
  }

  async #liveCall(orgId: string, id: string): Promise<CallRecord> {
    const call = UUID.test(id) ? await this.calls.findById(orgId, id) : undefined;
    if (!call) throw new RoomanError('NOT_FOUND', `No call ${id}`);
    if (FINAL_CALL_STATUSES.includes(call.status) || call.endedAt)
      throw new RoomanError('CONFLICT', `Call ${id} has ended (${call.status})`);
    if (!call.callSid) throw new RoomanError('CONFLICT', `Call ${id} has not been placed yet`);
    return call;
  }

  /** Twilio refusing an update of a call that already ended is a conflict; other failures are upstream errors. */
  async #managementError(call: CallRecord, error: unknown): Promise<RoomanError> {
    const failure = describeTwilioFailure(error);
    if (failure.code === 21220 || failure.status === 404) {
      await this.calls.recordStatus(
        call.orgId,
        call.id,
        { status: 'completed', source: 'rest' },
        this.#clock.now(),
      );
      return new RoomanError('CONFLICT', `Call ${call.id} has already ended`);
    }
    return new RoomanError('INTERNAL_ERROR', `Twilio: ${failure.message}`, {
      retriable: failure.retriable,
      cause: error,
    });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function pick(params: Record<string, string>, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) if (params[key] !== undefined) out[key] = params[key];
  return out;
}
