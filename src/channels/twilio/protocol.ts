/**
 * Twilio Media Streams, the wire format (bidirectional `<Connect><Stream>`): JSON text frames only.
 *
 *   Twilio → us:  connected → start (sequenceNumber "1") → (media | dtmf | mark)* → stop
 *   us → Twilio:  media {payload: base64 µ-law 8 kHz mono, no header} · mark {name} · clear
 *
 * Every inbound message is validated here, so the bridge handles only well-formed ones; anything else is a protocol
 * error that ends the one call it arrived on.
 */
import { z } from 'zod';

/** 20 ms of 8 kHz µ-law: Twilio's frame, and ours. */
export const FRAME_MS = 20;
export const FRAME_BYTES = 160;
export const TWILIO_SAMPLE_RATE = 8000;

/** Largest inbound `media` payload accepted (base64 chars): 1 s of audio, far above Twilio's 20 ms frames. */
export const MAX_PAYLOAD_CHARS = 12_000;

/** Parameters the voice webhook puts on `<Stream>`; they come back in `start.customParameters`. */
export const STREAM_PARAMETERS = { callId: 'call_id', orgId: 'org_id', agent: 'agent' } as const;

const DECIMAL = /^\d{1,12}$/;
const sequenceNumber = z.string().regex(DECIMAL, 'must be a decimal string');
const streamSid = z.string().min(1).max(64);
const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

const ConnectedSchema = z.object({
  event: z.literal('connected'),
  protocol: z.string().optional(),
  version: z.string().optional(),
});

const StartSchema = z.object({
  event: z.literal('start'),
  sequenceNumber,
  streamSid,
  start: z.object({
    accountSid: z.string().min(1).max(64),
    streamSid,
    callSid: z.string().min(1).max(64),
    tracks: z.array(z.string()).optional(),
    mediaFormat: z.object({
      encoding: z.literal('audio/x-mulaw'),
      sampleRate: z.literal(TWILIO_SAMPLE_RATE),
      channels: z.literal(1),
    }),
    customParameters: z.record(z.string(), z.string()).default({}),
  }),
});

const MediaSchema = z.object({
  event: z.literal('media'),
  sequenceNumber,
  streamSid,
  media: z.object({
    track: z.enum(['inbound', 'outbound']).default('inbound'),
    chunk: z.string().optional(),
    timestamp: z.string().regex(DECIMAL).optional(),
    payload: z
      .string()
      .max(MAX_PAYLOAD_CHARS, `must be at most ${MAX_PAYLOAD_CHARS} base64 characters`)
      .regex(base64, 'must be base64'),
  }),
});

const DtmfSchema = z.object({
  event: z.literal('dtmf'),
  sequenceNumber,
  streamSid,
  dtmf: z.object({
    track: z.string().optional(),
    digit: z.string().regex(/^[0-9*#A-D]$/, 'must be one key'),
  }),
});

const MarkSchema = z.object({
  event: z.literal('mark'),
  sequenceNumber,
  streamSid,
  mark: z.object({ name: z.string().min(1).max(256) }),
});

const StopSchema = z.object({
  event: z.literal('stop'),
  sequenceNumber,
  streamSid,
  stop: z.object({ accountSid: z.string().optional(), callSid: z.string().optional() }).optional(),
});

export const TwilioInboundSchema = z.discriminatedUnion('event', [
  ConnectedSchema,
  StartSchema,
  MediaSchema,
  DtmfSchema,
  MarkSchema,
  StopSchema,
]);

export type TwilioInbound = z.infer<typeof TwilioInboundSchema>;
export type TwilioStart = z.infer<typeof StartSchema>;

type Media = z.infer<typeof MediaSchema>;

/**
 * The hot path: a `media` message that MediaSchema would accept, checked by hand and built as MediaSchema would
 * build it, else null (and the schema then decides, and words the error). Media is 50 messages a second per call,
 * and the general validator cost as much CPU and garbage as the rest of the bridge.
 * test/channels/twilio/protocol.test.ts holds the two to the same answers.
 */
function wellFormedMedia(json: unknown): Media | null {
  const m = json as {
    event?: unknown;
    sequenceNumber?: unknown;
    streamSid?: unknown;
    media?: unknown;
  } | null;
  if (typeof m !== 'object' || m === null || m.event !== 'media') return null;
  const { sequenceNumber: sequence, streamSid: sid } = m;
  if (typeof sequence !== 'string' || !DECIMAL.test(sequence)) return null;
  if (typeof sid !== 'string' || sid.length < 1 || sid.length > 64) return null;
  const media = m.media as {
    track?: unknown;
    chunk?: unknown;
    timestamp?: unknown;
    payload?: unknown;
  } | null;
  if (typeof media !== 'object' || media === null || Array.isArray(media)) return null;
  const { track = 'inbound', chunk, timestamp, payload } = media;
  if (track !== 'inbound' && track !== 'outbound') return null;
  if (chunk !== undefined && typeof chunk !== 'string') return null;
  if (timestamp !== undefined && (typeof timestamp !== 'string' || !DECIMAL.test(timestamp))) return null;
  if (typeof payload !== 'string' || payload.length > MAX_PAYLOAD_CHARS || !base64.test(payload)) return null;
  const out: Media['media'] = { track, payload };
  if (chunk !== undefined) out.chunk = chunk;
  if (timestamp !== undefined) out.timestamp = timestamp;
  return { event: 'media', sequenceNumber: sequence, streamSid: sid, media: out };
}

export type ParseResult = { ok: true; message: TwilioInbound } | { ok: false; reason: string };

/** One text frame → a validated message, or why it is not one. */
export function parseInbound(text: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const media = wellFormedMedia(json);
  if (media) return { ok: true, message: media };
  const parsed = TwilioInboundSchema.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const event =
    typeof json === 'object' && json !== null
      ? String((json as { event?: unknown }).event).slice(0, 40)
      : '?';
  const issue = parsed.error.issues[0];
  const where = issue?.path.join('.') || 'event';
  return { ok: false, reason: `bad "${event}" message: ${where} ${issue?.message ?? 'is invalid'}` };
}

/**
 * One stream's `media` message maker: the JSON around the payload is built once, and the payload is base64-encoded
 * straight from the caller's bytes (no copy). 2,500 of these a second at 50 calls, so it is kept cheap.
 */
export function mediaMessageFor(streamSid: string): (payload: Uint8Array) => string {
  const head = `{"event":"media","streamSid":${JSON.stringify(streamSid)},"media":{"payload":"`;
  return (payload) =>
    `${head}${Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64')}"}}`;
}

export const markMessage = (streamSid: string, name: string): string =>
  JSON.stringify({ event: 'mark', streamSid, mark: { name } });

export const clearMessage = (streamSid: string): string => JSON.stringify({ event: 'clear', streamSid });
