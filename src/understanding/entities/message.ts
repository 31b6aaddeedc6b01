/**
 * What to send and how: the channel ("send a whatsapp", "email", "text", "on telegram", "slack"), the message
 * ("… saying I'll be late", "tell Priya that the site is ready", "message: running late", "email the meeting notes to
 * john@example.com" → "the meeting notes") and where the recipient's name starts, for the person extractor.
 */
import type { Channel, Intent } from '../../core/understanding.ts';

const CHANNEL_WORDS: ReadonlyArray<readonly [RegExp, Channel]> = [
  [/\b(?:whatsapp|whats app|wa message)\b/i, 'whatsapp'],
  [/\btelegram\b/i, 'telegram'],
  [/\bslack\b/i, 'slack'],
  [/\b(?:sms|text message|text|txt)\b/i, 'sms'],
  [/\b(?:e-?mail|mail|gmail)\b/i, 'email'],
];

/** Channel words used as something else: "email id", "text" as a noun in "the text of". */
const NOT_CHANNEL_AFTER = /^\s*(?:id|address|campaign)\b/i;

/** Without the MESSAGE_SEND intent, a channel word is a channel only next to a verb of sending. */
const SEND_VERB =
  /\b(?:send|sent|message|text|tell|ping|notify|drop|shoot|forward|share|whatsapp|email|mail|slack|dm)\b/i;

export function extractChannel(text: string, intent?: Intent): Channel | undefined {
  if (intent && intent !== 'MESSAGE_SEND' && intent !== 'UNKNOWN') return undefined;
  if (intent !== 'MESSAGE_SEND' && !SEND_VERB.test(text.replace(/^\s*\S+@\S+/, ''))) return undefined;
  let best: { channel: Channel; index: number } | undefined;
  for (const [re, channel] of CHANNEL_WORDS) {
    const m = re.exec(text);
    if (!m) continue;
    if (NOT_CHANNEL_AFTER.test(text.slice(m.index + m[0].length))) continue;
    if (!best || m.index < best.index) best = { channel, index: m.index };
  }
  return best?.channel;
}

const SAYING =
  /\b(?:(?:saying|that\s+says|which\s+says|to\s+say|and\s+say|and\s+tell\s+(?:him|her|them)|telling\s+(?:him|her|them)(?:\s+that)?|with\s+(?:the\s+)?(?:message|text)|that\s+reads|reading)\b|message\s*:|text\s*:)\s*:?\s*(.+)$/i;
const TELL_THAT =
  /\b(?:tell|inform|let|remind|ask|message|text|whatsapp|email|ping|notify|slack)\s+(?:\w+\s+){1,3}?(?:know\s+)?that\s+(.+)$/i;
const TELL_TO = /\b(?:tell|remind|ask)\s+(?:\w+\s+){1,2}?to\s+(.+)$/i;
const QUOTED = /["“']([^"”']{2,})["”']/;
const SEND_THING_TO =
  /\b(?:send|email|mail|forward|share|whatsapp|text|slack)\s+(?:over\s+)?((?:the|my|our|this|that|these|those)\s+[^.]+?|[a-z][\w\s-]*?)\s+to(?:\s|$)/i;
const CHANNEL_NOUN =
  /^(?:(?:a|an|the)\s+)?(?:whatsapp|email|e-mail|mail|message|text|sms|telegram|slack|reminder|note|it|him|her|them)(?:\s+message)?$/i;

export interface FoundMessage {
  message: string;
  start: number;
  end: number;
}

export function findMessage(text: string): FoundMessage | undefined {
  for (const re of [SAYING, TELL_THAT, TELL_TO]) {
    const m = re.exec(text);
    if (m?.[1]) {
      const message = clean(m[1]);
      if (message) return { message, start: m.index + m[0].length - m[1].length, end: text.length };
    }
  }
  const q = QUOTED.exec(text);
  if (q?.[1] && !/^s\b/.test(q[1]))
    return { message: q[1].trim(), start: q.index, end: q.index + q[0].length };
  const thing = SEND_THING_TO.exec(text);
  if (thing?.[1]) {
    const message = clean(thing[1]);
    if (message && !CHANNEL_NOUN.test(message)) {
      const start = thing.index + thing[0].indexOf(thing[1]);
      return { message, start, end: start + thing[1].length };
    }
  }
  return undefined;
}

function clean(s: string): string {
  return s
    .trim()
    .replace(/^["'“]+|["'”]+$/g, '')
    .replace(/\s+(?:on|via|over|by)\s+(?:whatsapp|email|e-mail|telegram|sms|slack|text)\s*$/i, '')
    .replace(/[\s.]+$/, '')
    .trim();
}

export function extractMessage(text: string): string | undefined {
  return findMessage(text)?.message;
}
