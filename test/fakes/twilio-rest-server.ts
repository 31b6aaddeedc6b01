/**
 * A real HTTP server speaking Twilio's REST API the way the official SDK uses it (protocols.md §2.8): Basic auth with
 * the account SID and auth token, form-encoded bodies (repeated fields for lists), `/2010-04-01/Accounts/{sid}/…`
 * paths, 201 + resource JSON on create, Twilio-shaped JSON errors (`{code,message,more_info,status}`).
 *
 * Calls progress like real ones, driven by a script per number (busy, no-answer, failed, answered and held, answered
 * and hung up by the callee, machine answered …): the fake fetches the call's `Url` for TwiML when it is answered,
 * posts `AsyncAmdStatusCallback` and the status callbacks (`StatusCallbackEvent`s) back, each signed with
 * `X-Twilio-Signature` over the URL and the sorted parameters using the auth token, as Twilio does (§2.9). Updates
 * (`Status=completed|canceled`, `Twiml`, `Url`) hang up, redirect or transfer a live call.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type CallStatus =
  | 'queued'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'failed'
  | 'no-answer'
  | 'canceled';

export type AnsweredBy =
  | 'human'
  | 'machine_start'
  | 'machine_end_beep'
  | 'machine_end_silence'
  | 'machine_end_other'
  | 'fax'
  | 'unknown';

export interface TwilioErrorBody {
  status: number;
  code: number;
  message: string;
}

/** What happens to the next call placed to a number. */
export type CallScript =
  /** The create request itself fails with this Twilio error. */
  | { error: TwilioErrorBody }
  /** Never answered. */
  | { outcome: 'busy' | 'no-answer' | 'failed' }
  /** Answered; the callee hangs up after `talkMs` (default 30 ms). */
  | { outcome: 'completed'; answeredBy?: AnsweredBy; talkMs?: number }
  /** Answered and held until the call is updated (hang-up) or `endCall` is called. */
  | { outcome: 'answered'; answeredBy?: AnsweredBy };

export interface FakeCall {
  sid: string;
  to: string;
  from: string;
  status: CallStatus;
  /** The create request's parameters as sent (lists as arrays). */
  params: Record<string, string | string[]>;
  answeredBy: AnsweredBy | undefined;
  createdAt: Date;
  startTime: Date | undefined;
  endTime: Date | undefined;
  /** Every TwiML document the call executed: fetched from `Url` or given in `Twiml`. */
  twiml: string[];
  /** Numbers a `<Dial>` connected the call to. */
  dialed: string[];
  /** Problems a real Twilio would put in its debugger (webhook failures …). */
  errors: string[];
  /** Status callbacks and AMD callbacks sent, with the answer our server gave. */
  callbacks: { url: string; params: Record<string, string>; status: number | string }[];
}

export interface FakeMessage {
  sid: string;
  to: string;
  from: string;
  body: string;
  status: 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed';
  params: Record<string, string | string[]>;
  callbacks: { url: string; params: Record<string, string>; status: number | string }[];
}

export interface RecordedTwilioRequest {
  method: string;
  path: string;
  authorized: boolean;
  params: Record<string, string | string[]>;
}

export interface FakeTwilioOptions {
  accountSid?: string;
  authToken?: string;
  /** Script for numbers without one of their own (default: answered, callee hangs up after 30 ms). */
  defaultScript?: CallScript;
  /** Ringing time before the outcome, ms (default 5). */
  ringMs?: number;
  /** Time answering-machine detection takes, ms (default 5). */
  amdMs?: number;
  /** Delay before the answer to a create request (default 0), to observe requests in flight. */
  responseDelayMs?: number;
  /**
   * What a call does when fetching its `Url` fails. Twilio says "an application error has occurred" and hangs up
   * (`hangup`, the default); `stay` keeps the call up, for tests of parts that do not need the TwiML.
   */
  onTwimlFailure?: 'hangup' | 'stay';
  /** Status callbacks that never arrive (a network problem between Twilio and us); the call still progresses. */
  dropStatusCallbacks?: boolean;
}

const API = '/2010-04-01/Accounts/';
const ERROR_INFO = 'https://www.twilio.com/docs/errors/';
const E164 = /^\+[1-9]\d{6,14}$/;
const ENDED: ReadonlySet<CallStatus> = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

const rfc2822 = (d: Date | undefined) => (d ? d.toUTCString().replace('GMT', '+0000') : null);
const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

/** Twilio's signature (§2.9): HMAC-SHA1 over the URL followed by each sorted parameter's name and value. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

export class FakeTwilioRestServer {
  readonly accountSid: string;
  readonly authToken: string;
  readonly requests: RecordedTwilioRequest[] = [];
  readonly calls = new Map<string, FakeCall>();
  readonly messages = new Map<string, FakeMessage>();
  /** The most calls that were ringing or in progress at once. */
  maxConcurrent = 0;
  /**
   * Send the `initiated` status callback before answering the create request (Twilio's callbacks and its REST
   * answer travel separately; the callback can win).
   */
  earlyCallbacks = false;
  readonly #server: Server;
  readonly #options: FakeTwilioOptions;
  readonly #scripts = new Map<string, CallScript[]>();
  readonly #sockets = new Set<Socket>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #holds = new Map<string, () => void>();
  readonly #callbackSeq = new Map<string, number>();
  #url = '';

  private constructor(options: FakeTwilioOptions) {
    this.#options = options;
    this.accountSid = options.accountSid ?? `AC${'a1'.repeat(16)}`;
    this.authToken = options.authToken ?? 'fake-auth-token-0123456789abcdef';
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(options: FakeTwilioOptions = {}): Promise<FakeTwilioRestServer> {
    const fake = new FakeTwilioRestServer(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    const { port } = fake.#server.address() as AddressInfo;
    fake.#url = `http://127.0.0.1:${port}`;
    return fake;
  }

  /** The base URL to give the client instead of https://api.twilio.com. */
  get url(): string {
    return this.#url;
  }

  /** Scripts the next calls to `to`, one entry per call, in order; the last one repeats. */
  script(to: string, ...scripts: CallScript[]): void {
    this.#scripts.set(to, scripts);
  }

  /** Calls currently ringing or in progress. */
  get active(): FakeCall[] {
    return [...this.calls.values()].filter((c) => c.status === 'ringing' || c.status === 'in-progress');
  }

  callsTo(to: string): FakeCall[] {
    return [...this.calls.values()].filter((c) => c.to === to);
  }

  /** The callee hangs up a held call. */
  endCall(callSid: string): Promise<void> {
    const call = this.calls.get(callSid);
    if (!call || ENDED.has(call.status)) return Promise.resolve();
    return this.#track(this.#finish(call, 'completed'));
  }

  /** Resolves once every call progression and callback started so far has finished. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Waits until `predicate` holds (polled), or fails after `timeoutMs`. */
  async waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > until) throw new Error(`fake Twilio: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async close(): Promise<void> {
    for (const release of this.#holds.values()) release();
    await this.settled();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- HTTP ----

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const params = parseForm(Buffer.concat(chunks).toString('utf8'));
    const authorized = this.#authorized(req.headers.authorization);
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, authorized, params });
    if (!authorized) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Twilio API"');
      return sendError(res, { status: 401, code: 20003, message: 'Authenticate' });
    }
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/(Calls|Messages)(?:\/([^/]+?))?\.json$/.exec(
      url.pathname,
    );
    if (!match || match[1] !== this.accountSid)
      return sendError(res, {
        status: 404,
        code: 20404,
        message: `The requested resource ${url.pathname} was not found`,
      });
    const [, , collection, id] = match;
    if (collection === 'Calls' && !id && req.method === 'POST') return this.#createCall(params, res);
    if (collection === 'Calls' && id && req.method === 'GET') return this.#fetchCall(id, res);
    if (collection === 'Calls' && id && req.method === 'POST') return this.#updateCall(id, params, res);
    if (collection === 'Messages' && !id && req.method === 'POST') return this.#createMessage(params, res);
    if (collection === 'Messages' && id && req.method === 'GET') {
      const message = this.messages.get(id);
      if (!message) return sendError(res, notFound(url.pathname));
      return sendJson(res, 200, this.#messageJson(message));
    }
    return sendError(res, { status: 405, code: 20004, message: 'Method not allowed' });
  }

  #authorized(header: string | undefined): boolean {
    const m = /^Basic (.+)$/.exec(header ?? '');
    if (!m?.[1]) return false;
    const given = Buffer.from(m[1], 'base64');
    const expected = Buffer.from(`${this.accountSid}:${this.authToken}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  async #createCall(params: Record<string, string | string[]>, res: ServerResponse): Promise<void> {
    const to = one(params.To);
    const from = one(params.From);
    if (!to) return sendError(res, { status: 400, code: 21201, message: "No 'To' number is specified" });
    if (!E164.test(to))
      return sendError(res, { status: 400, code: 21211, message: `Invalid 'To' Phone Number: ${to}` });
    if (!from) return sendError(res, { status: 400, code: 21213, message: "No 'From' number is specified" });
    if (!E164.test(from))
      return sendError(res, { status: 400, code: 21212, message: `Invalid 'From' Phone Number: ${from}` });
    if (!one(params.Url) && !one(params.Twiml) && !one(params.ApplicationSid))
      return sendError(res, { status: 400, code: 21205, message: 'Url parameter is required.' });
    const script = this.#nextScript(to);
    if (this.#options.responseDelayMs) await new Promise((r) => setTimeout(r, this.#options.responseDelayMs));
    if ('error' in script) return sendError(res, script.error);
    const call: FakeCall = {
      sid: sid('CA'),
      to,
      from,
      status: 'queued',
      params,
      answeredBy: undefined,
      createdAt: new Date(),
      startTime: undefined,
      endTime: undefined,
      twiml: [],
      dialed: [],
      errors: [],
      callbacks: [],
    };
    this.calls.set(call.sid, call);
    const early = this.earlyCallbacks;
    if (early) await this.#track(this.#statusEvent(call, 'initiated'));
    sendJson(res, 201, this.#callJson(call));
    this.#track(this.#progress(call, script, early));
  }

  #fetchCall(callSid: string, res: ServerResponse): void {
    const call = this.calls.get(callSid);
    if (call) sendJson(res, 200, this.#callJson(call));
    else sendError(res, notFound(`${API}${this.accountSid}/Calls/${callSid}.json`));
  }

  async #updateCall(
    callSid: string,
    params: Record<string, string | string[]>,
    res: ServerResponse,
  ): Promise<void> {
    const call = this.calls.get(callSid);
    if (!call) return sendError(res, notFound(`${API}${this.accountSid}/Calls/${callSid}.json`));
    const status = one(params.Status);
    const twiml = one(params.Twiml);
    const url = one(params.Url);
    if (status !== undefined && status !== 'completed' && status !== 'canceled')
      return sendError(res, { status: 400, code: 21218, message: `Invalid Status: ${status}` });
    if (ENDED.has(call.status))
      return sendError(res, {
        status: 400,
        code: 21220,
        message: 'Call is not in-progress. Cannot redirect.',
      });
    if (status === 'canceled' && call.status === 'in-progress') {
      // Twilio ignores `canceled` for an answered call: only `completed` hangs it up.
      return sendJson(res, 200, this.#callJson(call));
    }
    if (status) {
      const final = call.status === 'in-progress' ? 'completed' : 'canceled';
      await this.#track(this.#finish(call, final));
      return sendJson(res, 200, this.#callJson(call));
    }
    if (!twiml && !url)
      return sendError(res, { status: 400, code: 21205, message: 'Url parameter is required.' });
    sendJson(res, 200, this.#callJson(call));
    this.#track(
      (async () => {
        const doc = twiml ?? (await this.#fetchTwiml(call, url as string, one(params.Method) ?? 'POST'));
        if (doc !== undefined) await this.#execute(call, doc);
      })(),
    );
  }

  async #createMessage(params: Record<string, string | string[]>, res: ServerResponse): Promise<void> {
    const to = one(params.To);
    const from = one(params.From) ?? one(params.MessagingServiceSid);
    const body = one(params.Body);
    if (!to) return sendError(res, { status: 400, code: 21604, message: "A 'To' phone number is required." });
    if (!E164.test(to))
      return sendError(res, { status: 400, code: 21211, message: `Invalid 'To' Phone Number: ${to}` });
    if (!from)
      return sendError(res, { status: 400, code: 21603, message: "A 'From' phone number is required." });
    if (!body && !params.MediaUrl)
      return sendError(res, { status: 400, code: 21602, message: 'Message body is required.' });
    if ((body ?? '').length > 1600)
      return sendError(res, {
        status: 400,
        code: 21617,
        message: 'The concatenated message body exceeds the 1600 character limit.',
      });
    const script = this.#scripts.get(to)?.[0];
    if (script && 'error' in script) {
      this.#nextScript(to);
      return sendError(res, script.error);
    }
    const message: FakeMessage = {
      sid: sid('SM'),
      to,
      from,
      body: body ?? '',
      status: 'queued',
      params,
      callbacks: [],
    };
    this.messages.set(message.sid, message);
    sendJson(res, 201, this.#messageJson(message));
    const callback = one(params.StatusCallback);
    const undelivered =
      script && 'outcome' in script && script.outcome !== 'completed' && script.outcome !== 'answered';
    if (script) this.#nextScript(to);
    this.#track(
      (async () => {
        for (const status of undelivered
          ? (['sent', 'undelivered'] as const)
          : (['sent', 'delivered'] as const)) {
          await sleep(this.#options.ringMs ?? 5);
          message.status = status;
          if (!callback) continue;
          const fields: Record<string, string> = {
            AccountSid: this.accountSid,
            ApiVersion: '2010-04-01',
            From: message.from,
            MessageSid: message.sid,
            MessageStatus: status,
            SmsSid: message.sid,
            SmsStatus: status,
            To: message.to,
          };
          if (status === 'undelivered') fields.ErrorCode = '30003';
          message.callbacks.push(await this.#post(callback, fields));
        }
      })(),
    );
  }

  // ---- call progression ----

  #nextScript(to: string): CallScript {
    const queue = this.#scripts.get(to);
    const fallback = this.#options.defaultScript ?? { outcome: 'completed' };
    if (!queue || queue.length === 0) return fallback;
    return (queue.length > 1 ? queue.shift() : queue[0]) as CallScript;
  }

  async #progress(
    call: FakeCall,
    script: Exclude<CallScript, { error: TwilioErrorBody }>,
    initiatedSent = false,
  ): Promise<void> {
    if (!initiatedSent) await this.#statusEvent(call, 'initiated');
    await sleep(this.#options.ringMs ?? 5);
    if (ENDED.has(call.status)) return;
    this.#setStatus(call, 'ringing');
    await this.#statusEvent(call, 'ringing');
    await sleep(this.#options.ringMs ?? 5);
    if (ENDED.has(call.status)) return;
    if (script.outcome === 'busy' || script.outcome === 'no-answer' || script.outcome === 'failed')
      return this.#finish(call, script.outcome);

    this.#setStatus(call, 'in-progress');
    call.startTime = new Date();
    const detection = one(call.params.MachineDetection);
    const asyncAmd = one(call.params.AsyncAmd) === 'true';
    const answeredBy = ('answeredBy' in script ? script.answeredBy : undefined) ?? 'human';
    if (detection && !asyncAmd) {
      // Synchronous AMD: Twilio listens first, then asks for TwiML with the verdict.
      await sleep(this.#options.amdMs ?? 5);
      call.answeredBy = answeredBy;
    }
    await this.#statusEvent(call, 'answered');
    const held = script.outcome === 'answered' ? this.#hold(call) : undefined;
    const url = one(call.params.Url);
    const inline = one(call.params.Twiml);
    const doc = url ? await this.#fetchTwiml(call, url, one(call.params.Method) ?? 'POST') : inline;
    if (doc !== undefined) await this.#execute(call, doc);
    else if (this.#options.onTwimlFailure !== 'stay') return this.#finish(call, 'completed');
    if (ENDED.has(call.status)) return;

    if (detection && asyncAmd) {
      await sleep(this.#options.amdMs ?? 5);
      if (ENDED.has(call.status)) return;
      call.answeredBy = answeredBy;
      const amdUrl = one(call.params.AsyncAmdStatusCallback);
      if (amdUrl)
        call.callbacks.push(
          await this.#post(amdUrl, {
            AccountSid: this.accountSid,
            AnsweredBy: answeredBy,
            CallSid: call.sid,
            MachineDetectionDuration: String(this.#options.amdMs ?? 5),
          }),
        );
    }
    // A held call waits for a hang-up without keeping `settled()` waiting.
    if (held) return;
    await sleep(script.outcome === 'completed' ? (script.talkMs ?? 30) : 0);
    if (!ENDED.has(call.status) && call.dialed.length === 0) await this.#finish(call, 'completed');
  }

  /** A promise that resolves when the held call ends, whoever ends it. */
  #hold(call: FakeCall): Promise<void> {
    return new Promise((resolve) => this.#holds.set(call.sid, resolve));
  }

  async #fetchTwiml(call: FakeCall, url: string, method: string): Promise<string | undefined> {
    const params = this.#callParams(call);
    try {
      const signedUrl = method === 'GET' ? withQuery(url, params) : url;
      const res = await fetch(signedUrl, {
        method,
        headers: {
          'X-Twilio-Signature': twilioSignature(this.authToken, signedUrl, method === 'GET' ? {} : params),
          ...(method === 'GET' ? {} : { 'Content-Type': 'application/x-www-form-urlencoded' }),
          'User-Agent': 'TwilioProxy/1.1',
        },
        ...(method === 'GET' ? {} : { body: new URLSearchParams(params).toString() }),
      });
      const text = await res.text();
      if (!res.ok) {
        call.errors.push(`11200: ${url} answered HTTP ${res.status}`);
        return undefined;
      }
      if (!/<Response[\s>/]/.test(text)) {
        call.errors.push(`12100: ${url} did not answer TwiML`);
        return undefined;
      }
      return text;
    } catch (error) {
      call.errors.push(`11200: ${url} unreachable: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Runs a TwiML document as far as the fake can: `<Dial>` connects, `<Hangup>` or the end of a document ends. */
  async #execute(call: FakeCall, doc: string): Promise<void> {
    call.twiml.push(doc);
    const dials = [...doc.matchAll(/<Dial\b[^>]*>([\s\S]*?)<\/Dial>/g)].map((m) =>
      (m[1] ?? '').replace(/<[^>]+>/g, '').trim(),
    );
    if (dials.length > 0) {
      call.dialed.push(...dials);
      return;
    }
    if (/<Connect\b/.test(doc)) return; // a media stream: the call goes on until someone hangs up
    if (/<Hangup\s*\/?>/.test(doc) || !/<(Pause|Gather|Record|Enqueue)\b/.test(doc)) {
      await this.#finish(call, 'completed');
    }
  }

  async #finish(call: FakeCall, status: CallStatus): Promise<void> {
    if (ENDED.has(call.status)) return;
    this.#setStatus(call, status);
    call.endTime = new Date();
    const release = this.#holds.get(call.sid);
    this.#holds.delete(call.sid);
    await this.#statusEvent(call, 'completed');
    release?.();
  }

  #setStatus(call: FakeCall, status: CallStatus): void {
    call.status = status;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.active.length);
  }

  /** Posts a status callback when the call asked for this event (`completed` is always sent). */
  async #statusEvent(
    call: FakeCall,
    event: 'initiated' | 'ringing' | 'answered' | 'completed',
  ): Promise<void> {
    const url = one(call.params.StatusCallback);
    if (!url || this.#options.dropStatusCallbacks) return;
    const events = many(call.params.StatusCallbackEvent);
    if (event !== 'completed' && !events.includes(event)) return;
    const seq = this.#callbackSeq.get(call.sid) ?? 0;
    this.#callbackSeq.set(call.sid, seq + 1);
    const params: Record<string, string> = {
      ...this.#callParams(call),
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(seq),
      Timestamp: rfc2822(new Date()) as string,
    };
    if (event === 'initiated') params.CallStatus = 'queued';
    if (event === 'completed') {
      const seconds = durationSeconds(call);
      params.CallDuration = String(seconds);
      params.Duration = String(Math.ceil(seconds / 60));
    }
    const method = one(call.params.StatusCallbackMethod) ?? 'POST';
    call.callbacks.push(await this.#post(url, params, method));
  }

  #callParams(call: FakeCall): Record<string, string> {
    const params: Record<string, string> = {
      AccountSid: this.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      CallStatus: call.status,
      Called: call.to,
      Caller: call.from,
      Direction: 'outbound-api',
      From: call.from,
      To: call.to,
    };
    if (call.answeredBy) params.AnsweredBy = call.answeredBy;
    return params;
  }

  async #post(
    url: string,
    params: Record<string, string>,
    method = 'POST',
  ): Promise<{ url: string; params: Record<string, string>; status: number | string }> {
    const target = method === 'GET' ? withQuery(url, params) : url;
    try {
      const res = await fetch(target, {
        method,
        headers: {
          'X-Twilio-Signature': twilioSignature(this.authToken, target, method === 'GET' ? {} : params),
          ...(method === 'GET' ? {} : { 'Content-Type': 'application/x-www-form-urlencoded' }),
          'User-Agent': 'TwilioProxy/1.1',
        },
        ...(method === 'GET' ? {} : { body: new URLSearchParams(params).toString() }),
      });
      await res.arrayBuffer();
      return { url, params, status: res.status };
    } catch (error) {
      return { url, params, status: `unreachable: ${(error as Error).message}` };
    }
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work)).catch(() => {});
    return work;
  }

  #callJson(call: FakeCall) {
    const uri = `${API}${this.accountSid}/Calls/${call.sid}.json`;
    return {
      sid: call.sid,
      account_sid: this.accountSid,
      to: call.to,
      to_formatted: call.to,
      from: call.from,
      from_formatted: call.from,
      status: call.status,
      direction: 'outbound-api',
      api_version: '2010-04-01',
      date_created: rfc2822(call.createdAt),
      date_updated: rfc2822(new Date()),
      start_time: rfc2822(call.startTime),
      end_time: rfc2822(call.endTime),
      duration: call.endTime ? String(durationSeconds(call)) : null,
      price: null,
      price_unit: 'USD',
      parent_call_sid: null,
      phone_number_sid: null,
      answered_by: call.answeredBy ?? null,
      forwarded_from: null,
      caller_name: null,
      queue_time: '0',
      trunk_sid: null,
      group_sid: null,
      annotation: null,
      uri,
      subresource_uris: {
        notifications: uri.replace('.json', '/Notifications.json'),
        recordings: uri.replace('.json', '/Recordings.json'),
      },
    };
  }

  #messageJson(message: FakeMessage) {
    return {
      sid: message.sid,
      account_sid: this.accountSid,
      to: message.to,
      from: message.from,
      body: message.body,
      status: message.status,
      direction: 'outbound-api',
      api_version: '2010-04-01',
      num_segments: String(Math.max(1, Math.ceil(message.body.length / 153))),
      num_media: '0',
      error_code: message.status === 'undelivered' ? 30003 : null,
      error_message: null,
      price: null,
      price_unit: 'USD',
      date_created: rfc2822(new Date()),
      date_updated: rfc2822(new Date()),
      date_sent: null,
      messaging_service_sid: null,
      uri: `${API}${this.accountSid}/Messages/${message.sid}.json`,
      subresource_uris: { media: `${API}${this.accountSid}/Messages/${message.sid}/Media.json` },
    };
  }
}

function durationSeconds(call: FakeCall): number {
  if (!call.startTime) return 0;
  return Math.round(((call.endTime ?? new Date()).getTime() - call.startTime.getTime()) / 1000);
}

function parseForm(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const many = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function withQuery(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.append(k, v);
  return u.toString();
}

function notFound(path: string): TwilioErrorBody {
  return { status: 404, code: 20404, message: `The requested resource ${path} was not found` };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: TwilioErrorBody): void {
  sendJson(res, error.status, { ...error, more_info: `${ERROR_INFO}${error.code}` });
}
