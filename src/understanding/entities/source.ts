/**
 * Where a lead came from: "source Instagram", "came from a referral", "via facebook", "a JustDial lead". Names that
 * are only sources (Instagram, MagicBricks) count anywhere outside a message; everyday words (website, WhatsApp,
 * newspaper) need a cue, or a lead intent for the unambiguous ones ("a walk-in", "referral").
 */
import type { Intent } from '../../core/understanding.ts';
import { LEAD_SOURCES, type LeadSource } from '../gazetteers/sources.ts';

const BY_ALIAS = new Map<string, LeadSource>();
for (const s of LEAD_SOURCES) for (const a of s.aliases) BY_ALIAS.set(a, s);

const ALIAS_PATTERN = new RegExp(
  `(?<![\\w.])(${[...BY_ALIAS.keys()]
    .sort((a, b) => b.length - a.length)
    .map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/[\s-]+/g, '[\\s-]*'))
    .join('|')})(?![\\w])`,
  'gi',
);

const CUE_BEFORE =
  /\b(?:source(?:\s+is|\s+was|\s*:)?|sources|came\s+(?:in\s+)?(?:from|through|via|on)|comes?\s+from|coming\s+from|via|through|thru|lead\s+from|found\s+us\s+(?:on|through|via)|saw\s+(?:us|it|the\s+ad|our\s+ad)\s+(?:on|in)|heard\s+(?:about\s+us\s+)?(?:from|on|through)|from|by|on)\s+(?:a|an|the|our)?\s*$/i;
const CUE_AFTER = /^\s*(?:lead|leads|enquiry|inquiry|campaign|ad|ads|source)\b/i;
/** Weak aliases that a lead intent makes a source even without a cue. */
const BARE_IN_LEAD_INTENT = new Set([
  'referral',
  'referred',
  'walk in',
  'walk-in',
  'walkin',
  'walked in',
  'website',
  'newspaper',
  'hoarding',
  'billboard',
  'cold call',
  'exhibition',
  'property expo',
  'channel partner',
  'broker',
]);

function key(s: string): string {
  return s.toLowerCase().replace(/[\s-]+/g, ' ');
}

export interface FoundSource {
  source: string;
  start: number;
  end: number;
}

export function findSource(text: string, intent?: Intent): FoundSource | undefined {
  if (intent === 'MESSAGE_SEND' || intent?.startsWith('MEETING_')) return undefined;
  const leadIntent = intent === 'LEAD_CREATE' || intent === 'LEAD_UPDATE';
  for (const m of text.matchAll(ALIAS_PATTERN)) {
    const alias = key(m[1] ?? '');
    const source =
      BY_ALIAS.get(alias) ?? BY_ALIAS.get(alias.replace(/ /g, '-')) ?? BY_ALIAS.get(alias.replace(/ /g, ''));
    if (!source) continue;
    const end = m.index + m[0].length;
    const cued =
      CUE_BEFORE.test(text.slice(Math.max(0, m.index - 40), m.index)) || CUE_AFTER.test(text.slice(end));
    if (source.strong || cued || (leadIntent && BARE_IN_LEAD_INTENT.has(alias))) {
      return { source: source.name, start: m.index, end };
    }
  }
  return undefined;
}

export function extractSource(text: string, intent?: Intent): string | undefined {
  return findSource(text, intent)?.source;
}
