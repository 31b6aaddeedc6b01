/**
 * Sending a message for the speaker: "send a whatsapp to Priya saying I'll be late". The recipient must become an
 * address the channel delivers to: said outright (an e-mail, a number, a @handle), or a lead's phone from the CRM
 * for WhatsApp and SMS; otherwise the bot asks for it. Nothing is sent to a guessed address.
 */
import type { Lead } from '../../../core/crm.ts';
import { ADDRESS_KIND, normaliseAddress } from '../../../core/messages.ts';
import { CHANNELS, type Channel } from '../../../core/understanding.ts';
import { summarise } from '../../../tools/lead-lookup.ts';
import { chooseCandidate, describeCandidates } from '../lead-choice.ts';
import { bareName, spokenDigits } from '../slot-values.ts';
import type { Step, TaskDefinition } from '../task.ts';
import { possessive } from '../task.ts';

const NAME = 'to:name';
const REF = 'to:ref';
const CANDIDATES = 'to:candidates';
export const RECIPIENT_CHOICE = 'recipient_choice';

const CHANNEL_WORDS: [RegExp, Channel][] = [
  [/\b(e-?mail|mail|gmail)\b/i, 'email'],
  [/\bwhats\s?app\b/i, 'whatsapp'],
  [/\btelegram\b/i, 'telegram'],
  [/\b(sms|text(\s+message)?)\b/i, 'sms'],
  [/\bslack\b/i, 'slack'],
];
const CHANNEL_NAME: Record<Channel, string> = {
  email: 'e-mail',
  whatsapp: 'WhatsApp',
  telegram: 'Telegram',
  sms: 'SMS',
  slack: 'Slack',
};
const ADDRESS_WORDS: Record<Channel, string> = {
  email: 'e-mail address',
  whatsapp: 'WhatsApp number',
  sms: 'mobile number',
  telegram: 'Telegram username or chat id',
  slack: 'Slack handle or channel',
};
const HANDLE = /(?:^|\s)([@#][A-Za-z0-9][\w.-]{1,79})/;
const PHONE_CHANNELS: readonly Channel[] = ['whatsapp', 'sms'];

const askTo = (s: Record<string, string>, channel: Channel | undefined) =>
  s[NAME] && channel
    ? `What's ${possessive(s[NAME])} ${ADDRESS_WORDS[channel]}?`
    : 'Who should I send it to? Tell me their name, number or address.';

export const messageSendTask: TaskDefinition = {
  intent: 'MESSAGE_SEND',
  tool: 'sendMessage',
  capability: 'send a message by e-mail, WhatsApp, Telegram, SMS or Slack',
  example: "Send a WhatsApp to Priya saying I'll be late",
  slots: [
    {
      name: 'channel',
      kind: 'notes',
      entity: 'channel',
      required: false,
      label: 'channel',
      ask: () =>
        `Should I send it by ${Object.values(CHANNEL_NAME)
          .join(', ')
          .replace(/, (?=[^,]*$)/, ' or ')}?`,
      read: (u, _ctx, reply) => {
        if (u.entities.channel) return { value: u.entities.channel };
        if (!reply) return {};
        const found = CHANNEL_WORDS.find(([re]) => re.test(u.text));
        return found ? { value: found[1] } : {};
      },
    },
    {
      name: 'to',
      kind: 'name',
      entity: 'person',
      required: false,
      label: 'recipient',
      ask: (s) => askTo(s, s.channel as Channel | undefined),
      read: (u, _ctx, reply) => {
        const e = u.entities;
        if (e.email) return { value: e.email };
        if (e.phone) return { value: e.phone };
        const handle = HANDLE.exec(u.text)?.[1];
        if (handle) return { value: handle };
        if (reply) {
          const digits = spokenDigits(u.text);
          if (digits.replace(/\D/g, '').length >= 7) return { value: digits };
        }
        // An address the engine did not accept ("priya@example") is still the answer: checked for the channel.
        const token = u.text.trim();
        if (reply && /^\S+$/.test(token) && /[@#\d]/.test(token)) return { value: token };
        if (e.person) return { ref: e.person };
        const name = reply ? bareName(u.text) : undefined;
        return name ? { ref: name } : {};
      },
    },
    {
      name: 'body',
      kind: 'notes',
      entity: 'message',
      required: false,
      label: 'message',
      ask: () => 'What should the message say?',
      read: (u, _ctx, reply) => {
        if (u.entities.message) return { value: u.entities.message };
        const text = u.text.trim().replace(/^(say|saying|tell (him|her|them))\s+/i, '');
        return reply && text ? { value: text } : {};
      },
    },
    {
      // "… tomorrow at 9": the engine keeps times inside the message text out of `datetime`, so one found is when
      // to send. A day without a time is not a moment to send at, so it is left out.
      name: 'send_at',
      kind: 'datetime',
      entity: 'datetime',
      required: false,
      label: 'time to send',
      ask: () => 'When should I send it?',
      read: (u) => (u.entities.datetime ? { value: u.entities.datetime } : {}),
    },
  ],
  prepare: async (s, steps): Promise<Step> => {
    // A name said for the recipient is kept to word the questions ("What's Priya's WhatsApp number?").
    if (s[REF]) {
      s[NAME] = s[REF];
      delete s.to;
    }
    let channel = s.channel as Channel | undefined;
    if (!channel && s.to) {
      // The address says which channel it is for: an e-mail, a @handle.
      if (normaliseAddress('email', s.to)) channel = 'email';
      else if (/^@/.test(s.to)) channel = 'telegram';
      else if (/^#/.test(s.to)) channel = 'slack';
      if (channel) s.channel = channel;
    }
    if (!s.to && !s[REF]) return { kind: 'ask', reply: askTo(s, channel), awaiting: 'to' };
    if (!channel) {
      return {
        kind: 'ask',
        reply: `Should I send it by WhatsApp, SMS, e-mail, Telegram or Slack?`,
        awaiting: 'channel',
      };
    }
    if (!CHANNELS.includes(channel)) return { kind: 'ask', reply: 'Which channel?', awaiting: 'channel' };

    if (s[REF]) {
      const name = s[REF];
      delete s[REF];
      if (!PHONE_CHANNELS.includes(channel)) return { kind: 'ask', reply: askTo(s, channel), awaiting: 'to' };
      const page = await steps.crm.listLeads({ q: name, limit: 5 });
      const exact = page.items.filter((l) => l.name.toLowerCase() === name.toLowerCase());
      const leads = exact.length === 1 ? exact : page.items;
      if (leads.length === 1) {
        useLead(s, leads[0]!);
      } else if (leads.length > 1) {
        s[CANDIDATES] = JSON.stringify(leads.map((l) => ({ ...summarise(l), phone: l.phone_e164 })));
        return {
          kind: 'ask',
          reply: `I have ${leads.length} contacts called ${name}: ${describeCandidates(leads.map(summarise))}`,
          awaiting: RECIPIENT_CHOICE,
        };
      } else {
        return {
          kind: 'ask',
          reply: `I don't have a number for ${name}. ${askTo(s, channel)}`,
          awaiting: 'to',
        };
      }
    }

    const address = normaliseAddress(channel, s.to!);
    if (!address) {
      const said = s.to;
      delete s.to;
      return {
        kind: 'ask',
        reply: `That isn't ${ADDRESS_KIND[channel]} for ${CHANNEL_NAME[channel]}. ${askTo(s, channel)}`,
        awaiting: 'to',
        error: {
          type: 'VALIDATION_ERROR',
          details: `to: ${said} is not ${ADDRESS_KIND[channel]} for ${channel}`,
        },
      };
    }
    s.to = address;
    if (!s.body) return { kind: 'ask', reply: 'What should the message say?', awaiting: 'body' };
    return { kind: 'ready' };
  },
  answer: (_awaiting, s, steps) => {
    const candidates = s[CANDIDATES]
      ? (JSON.parse(s[CANDIDATES]) as (ReturnType<typeof summarise> & { phone: string })[])
      : [];
    const chosen = chooseCandidate(steps.understanding.text, candidates);
    if (!chosen) return false;
    const full = candidates.find((c) => c.lead_id === chosen.lead_id)!;
    s.to = full.phone;
    s[NAME] = full.name;
    delete s[CANDIDATES];
    return true;
  },
  args: (s) => ({ channel: s.channel, to: s.to, body: s.body, ...(s.send_at ? { send_at: s.send_at } : {}) }),
  done: ({ slots, output }, say) => {
    const channel = slots.channel as Channel;
    const who = slots[NAME] ?? slots.to;
    const what = channel === 'email' ? 'e-mail' : `${CHANNEL_NAME[channel]} message`;
    if (typeof output.send_at === 'string')
      return `Done. Your ${what} to ${who} will go out ${say.dateTime(output.send_at)}: "${slots.body}".`;
    // Not every provider answers at once, and some refuse: the speaker hears which.
    if (output.status === 'FAILED')
      return `I couldn't send your ${what} to ${who}: ${output.error ?? 'no reason given'}.`;
    if (output.status !== 'SENT')
      return `Your ${what} to ${who} is queued: ${CHANNEL_NAME[channel]} hasn't taken it yet, so I'll keep trying.`;
    return `Done. I've sent your ${what} to ${who}: "${slots.body}".`;
  },
  leadAfter: () => undefined,
  outcome: ({ slots, output }) =>
    `${output.status === 'FAILED' ? 'failed to send' : output.send_at ? 'scheduled' : 'sent'} a ${slots.channel} message to ${slots[NAME] ?? slots.to}`,
};

function useLead(s: Record<string, string>, lead: Lead): void {
  s.to = lead.phone_e164;
  s[NAME] = lead.name;
}
