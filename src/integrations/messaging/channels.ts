/**
 * The channel clients a deployment has, built from its configuration: each channel with an account configured gets
 * its real client; the others are left out and their messages go to the built-in outbox. E-mail goes by SMTP, or by
 * the Gmail API when ROOMAN_EMAIL_VIA=gmail and the Google connection (built elsewhere) provides access tokens.
 */
import type { Config } from '../../core/config.ts';
import { createTwilioClient } from '../twilio/client.ts';
import type { ChannelClients } from './channel.ts';
import { GmailClient, type GmailOptions } from './gmail.ts';
import { SlackClient } from './slack.ts';
import { SmtpClient } from './smtp.ts';
import { TelegramClient } from './telegram.ts';
import { SMS_STATUS_PATH, TwilioSmsClient } from './twilio-sms.ts';
import { WhatsAppClient } from './whatsapp.ts';

export interface ChannelDeps {
  /** The organisation's Google access token and what to do when it is refused (Google OAuth); needed for Gmail. */
  gmail?: Pick<GmailOptions, 'accessToken' | 'markBroken' | 'reconnectHint'>;
}

export function buildChannelClients(
  config: Pick<Config, 'messaging' | 'twilio' | 'publicUrl'>,
  deps: ChannelDeps = {},
): ChannelClients {
  const { email, telegram, whatsapp, slack } = config.messaging;
  const clients: ChannelClients = {};
  if (email?.via === 'smtp' && email.smtpUrl && email.from) {
    clients.email = new SmtpClient({ url: email.smtpUrl, from: email.from });
  } else if (email?.via === 'gmail' && deps.gmail) {
    clients.email = new GmailClient({ ...deps.gmail, from: email.from, apiBaseUrl: email.gmailApiBaseUrl });
  }
  if (telegram) clients.telegram = new TelegramClient(telegram);
  if (whatsapp) clients.whatsapp = new WhatsAppClient(whatsapp);
  if (slack) clients.slack = new SlackClient(slack);
  const twilio = config.twilio;
  if (twilio?.phoneNumber) {
    clients.sms = new TwilioSmsClient({
      client: createTwilioClient({
        accountSid: twilio.accountSid,
        authToken: twilio.authToken,
        apiBaseUrl: twilio.apiBaseUrl,
      }),
      from: twilio.phoneNumber,
      // Delivery reports need an address Twilio can reach.
      statusCallbackUrl: config.publicUrl ? `${config.publicUrl}${SMS_STATUS_PATH}` : undefined,
    });
  }
  return clients;
}

/** `email: smtp, telegram: outbox, …`: for the start-up log. */
export function describeChannels(clients: ChannelClients): string {
  const channels = ['email', 'whatsapp', 'telegram', 'sms', 'slack'] as const;
  return channels.map((c) => `${c}: ${clients[c]?.provider ?? 'outbox'}`).join(', ');
}
