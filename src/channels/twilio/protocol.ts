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

const sequenceNumber = z.string().regex(/^\d{1,12}$/, 'must be a decimal string');
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
    timestamp: z
      .string()
      .regex(/^\d{1,12}$/)
      .optional(),
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

export type ParseResult = { ok: true; message: TwilioInbound } | { ok: false; reason: string };

/** One text frame → a validated message, or why it is not one. */
export function parseInbound(text: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
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

export const mediaMessage = (streamSid: string, payload: Uint8Array): string =>
  JSON.stringify({ event: 'media', streamSid, media: { payload: Buffer.from(payload).toString('base64') } });

export const markMessage = (streamSid: string, name: string): string =>
  JSON.stringify({ event: 'mark', streamSid, mark: { name } });

export const clearMessage = (streamSid: string): string => JSON.stringify({ event: 'clear', streamSid });
