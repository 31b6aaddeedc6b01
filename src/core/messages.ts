/**
 * Messages the assistant sends for people: one schema for `sendMessage`'s input and the `MessageSender` port that
 * channels implement (the built-in outbox now; SMTP, Telegram, WhatsApp, Slack and SMS later). The recipient must
 * be an address the channel can deliver to, checked here, before anything is queued.
 */
import { z } from 'zod';
import type { WriteOptions } from './crm.ts';
import { normalisePhone } from './phone.ts';
import { parseIsoWithOffset } from './time.ts';
import { Channel } from './understanding.ts';

/**
 * QUEUED: waiting for its time (or its next attempt); SENDING: claimed by a dispatcher, at the provider now;
 * SENT: the provider accepted it; FAILED: given up (refused, or out of attempts); CANCELLED: withdrawn before sending.
 */
export const MESSAGE_STATUSES = ['QUEUED', 'SENT', 'FAILED', 'SENDING', 'CANCELLED'] as const;
export const MessageStatus = z.enum(MESSAGE_STATUSES);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** Telegram: `@username` (5–32 characters) or a numeric chat id (negative for groups). */
const TELEGRAM_TARGET = /^(@[A-Za-z][A-Za-z0-9_]{4,31}|-?\d{5,20})$/;
/** Slack: `#channel`, `@user`, or a channel/user id (C…, G…, D…, U…, W…). */
const SLACK_TARGET = /^(#[a-z0-9][a-z0-9._-]{0,79}|@[A-Za-z0-9][A-Za-z0-9._-]{0,79}|[CGDUW][A-Z0-9]{6,20})$/;

/** What an address for `channel` looks like, for error messages and questions. */
export const ADDRESS_KIND: Record<Channel, string> = {
  email: 'an e-mail address',
  whatsapp: 'a phone number',
  sms: 'a phone number',
  telegram: 'a Telegram @username or chat id',
  slack: 'a Slack #channel, @user or id',
};

/**
 * The recipient in the form `channel` delivers to (phones in E.164, e-mails lower-cased), or null when `to` is not
 * such an address.
 */
export function normaliseAddress(channel: Channel, to: string): string | null {
  const text = to.trim();
  switch (channel) {
    case 'email':
      return z.email().safeParse(text).success ? text.toLowerCase() : null;
    case 'whatsapp':
    case 'sms':
      return normalisePhone(text)?.e164 ?? null;
    case 'telegram':
      return TELEGRAM_TARGET.test(text) ? text : null;
    case 'slack':
      return SLACK_TARGET.test(text) ? text : null;
  }
}

export const SendMessageInput = z
  .strictObject({
    channel: Channel.meta({ description: 'email, whatsapp, telegram, sms or slack' }),
    to: z.string().trim().min(1, 'must not be empty').max(320).meta({
      description:
        'Recipient address for the channel: e-mail; phone (E.164 or Indian 10-digit) for whatsapp/sms; @username or chat id for telegram; #channel, @user or id for slack',
    }),
    body: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(4000, 'must be at most 4000 characters')
      .meta({ description: 'The message text' }),
    subject: z.string().trim().min(1).max(200).optional().meta({ description: 'E-mail subject' }),
    send_at: z
      .string()
      .refine((v) => parseIsoWithOffset(v) !== null, {
        message: 'must be an ISO-8601 date and time with offset, e.g. 2025-10-05T09:00:00+05:30',
      })
      .optional()
      .meta({
        description:
          'When to send it (ISO-8601 with offset); omit to send now. Must not be in the past ("tomorrow at 9" → that instant)',
      }),
  })
  .transform((v, ctx) => {
    const to = normaliseAddress(v.channel, v.to);
    if (to === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `is not ${ADDRESS_KIND[v.channel]} for ${v.channel}`,
      });
      return z.NEVER;
    }
    return { ...v, to };
  });
export type SendMessageInput = z.output<typeof SendMessageInput>;

export const SendMessageResult = z.object({
  message_id: z.uuid(),
  status: MessageStatus,
  /** When a scheduled message goes out (ISO-8601 with offset); absent for one sent now. */
  send_at: z.string().optional(),
  /** Why it was not sent (status FAILED), or why it is waiting for another attempt (QUEUED). */
  error: z.string().optional(),
});
export type SendMessageResult = z.infer<typeof SendMessageResult>;

/** Sends messages for one organisation. Input is validated by the caller with SendMessageInput. */
export interface MessageSender {
  send(input: SendMessageInput, options?: WriteOptions): Promise<SendMessageResult>;
}

export type MessageSenderFor = (orgId: string) => MessageSender;
