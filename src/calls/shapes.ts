/**
 * The shapes of the outbound-calling API (calls, agents, campaigns), validated with zod at the HTTP boundary. Phone
 * numbers are read with libphonenumber (the organisation's region for numbers written without a country code) and
 * kept as E.164; time zones must be IANA names.
 */
import { z } from 'zod';
import { normalisePhone } from '../core/phone.ts';
import { isValidTimeZone } from '../core/time.ts';

/** A phone number as people write it → E.164; `region` reads numbers without a country code. */
export const phoneNumber = (region: string) =>
  z.string().transform((text, ctx) => {
    const phone = normalisePhone(text, region);
    if (!phone) {
      ctx.addIssue({ code: 'custom', message: 'must be a valid phone number, e.g. +14155550100' });
      return z.NEVER;
    }
    return phone.e164;
  });

export const timeZone = z
  .string()
  .refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Kolkata or America/New_York');

/** Free-form facts the agent is given about the call (the lead's name, why we call …): a small JSON object. */
export const callContext = z
  .record(z.string(), z.unknown())
  .refine((v) => JSON.stringify(v).length <= 8192, 'must be at most 8 KB of JSON');

export const agentName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, dot, dash or underscore');

export const VOICEMAIL_BEHAVIOURS = ['none', 'hangup', 'message'] as const;
export type VoicemailBehaviour = (typeof VOICEMAIL_BEHAVIOURS)[number];

/**
 * A greeting or voicemail message: text that may name facts of the call as `{{lead_name}}` (src/calls/greeting.ts);
 * braces that do not make such a name would be read out, so they are refused.
 */
const greetingText = z
  .string()
  .trim()
  .max(1000)
  .refine(
    (text) => !/\{\{|\}\}/.test(text.replace(/\{\{\s*[A-Za-z_][A-Za-z0-9_]{0,63}\s*\}\}/g, '')),
    'may name facts of the call only as {{name}} (letters, digits, underscore)',
  );

export const agentInput = (region: string) =>
  z
    .strictObject({
      greeting: greetingText.nullish(),
      /** What a call does when a machine answers: nothing (`none`, no detection), hang up, or leave a message. */
      voicemail: z.enum(VOICEMAIL_BEHAVIOURS).default('none'),
      voicemail_message: greetingText.pipe(z.string().min(1)).nullish(),
      transfer_number: phoneNumber(region).nullish(),
      default: z.boolean().default(false),
    })
    .refine((a) => a.voicemail !== 'message' || !!a.voicemail_message, {
      path: ['voicemail_message'],
      message: 'is required when voicemail is "message"',
    });

/** `POST /api/calls`: call now, or at `at` (ISO 8601 with an offset). */
export const callRequestInput = (region: string) =>
  z.strictObject({
    to: phoneNumber(region),
    agent: agentName.optional(),
    context: callContext.default({}),
    at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time with an offset' }).optional(),
  });

export const transferInput = (region: string) => z.strictObject({ to: phoneNumber(region).optional() });

const clock = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time like 09:00')
  .transform((t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3)));

export const RETRY_OUTCOMES = ['busy', 'no-answer', 'failed', 'provider_error'] as const;
export type RetryOutcome = (typeof RETRY_OUTCOMES)[number];

/** One number of a campaign: the number, its own zone if known, and what the agent should know. */
export const campaignTarget = (region: string) =>
  z.strictObject({
    to: phoneNumber(region),
    timezone: timeZone.optional(),
    context: callContext.default({}),
  });

export const MAX_CAMPAIGN_TARGETS = 10_000;

export const campaignSettings = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  agent: agentName.optional(),
  concurrency: z.coerce.number().int().min(1).max(100).default(2),
  /** The callee's local hours to call in; `start` after `end` spans midnight. */
  window: z
    .strictObject({ start: clock, end: clock })
    .refine((w) => w.start !== w.end, 'start and end must differ')
    .default({ start: 9 * 60, end: 20 * 60 }),
  max_attempts: z.coerce.number().int().min(1).max(10).default(3),
  /** Seconds before the first retry; each further retry waits twice as long. */
  retry_backoff_seconds: z.coerce.number().int().min(1).max(86_400).default(600),
  retry_on: z.array(z.enum(RETRY_OUTCOMES)).default(['busy', 'no-answer', 'provider_error']),
  /** Zone for numbers whose country spans none known; default the organisation's. */
  time_zone: timeZone.optional(),
});
export type CampaignSettings = z.output<typeof campaignSettings>;

export const campaignInput = (region: string) =>
  campaignSettings.extend({
    targets: z.array(campaignTarget(region)).min(1).max(MAX_CAMPAIGN_TARGETS),
  });
