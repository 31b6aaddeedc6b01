/**
 * A lead status from the words people use for it: "closed won", "booked", "converted" → WON; "not interested",
 * "dead" → LOST; "follow up" → FOLLOW_UP; "in progress", "working on it" → IN_PROGRESS; "new" → NEW.
 * Ambiguous words ("new", "follow up", "booked", "hot") count only with a cue ("status", "mark as", "to") or in a
 * LEAD_UPDATE, so "new lead" or "a follow up meeting" give no status.
 */
import type { LeadStatus } from '../../core/crm.ts';
import type { Intent } from '../../core/understanding.ts';

interface StatusPhrase {
  pattern: RegExp;
  status: LeadStatus;
  /** Needs a cue or the LEAD_UPDATE intent. */
  weak: boolean;
}

const PHRASES: readonly StatusPhrase[] = [
  {
    pattern:
      /\bclosed[\s-]*won\b|\bwon\b|\bconverted\b|\bdeal (?:is )?(?:done|closed)\b|\bclosed the deal\b|\bsale (?:is )?done\b|\bsuccessful\b/i,
    status: 'WON',
    weak: false,
  },
  {
    pattern:
      /\bclosed[\s-]*lost\b|\blost\b|\bnot interested\b|\bno longer interested\b|\buninterested\b|\bdead\b|\bdropped\b|\brejected\b|\bdisqualified\b|\bjunk\b|\bcancelled the deal\b/i,
    status: 'LOST',
    weak: false,
  },
  {
    pattern:
      /\bin[\s-]?progress\b|\bworking on (?:it|this|that|him|her|them)\b|\bongoing\b|\bnegotiat(?:ing|ion)\b|\bin discussion\b|\bin touch\b/i,
    status: 'IN_PROGRESS',
    weak: false,
  },
  {
    pattern: /\bfollow[\s-]?ups?\b|\bfollowing up\b|\bcall(?:\s+\w+)?\s+back\b|\bcallback\b|\bpending\b/i,
    status: 'FOLLOW_UP',
    weak: true,
  },
  { pattern: /\bbooked\b|\bclosed\b|\bpurchased\b|\bbought\b|\bpaid\b/i, status: 'WON', weak: true },
  { pattern: /\bcontacted\b|\bactive\b|\binterested\b|\bhot\b|\bwarm\b/i, status: 'IN_PROGRESS', weak: true },
  { pattern: /\bcold\b|\bunreachable\b|\bnot reachable\b/i, status: 'LOST', weak: true },
  { pattern: /\bnew\b|\bfresh\b|\breset\b/i, status: 'NEW', weak: true },
];

/** "status to X", "mark as X", "move to X", "set X", "change to X". */
const CUE = /\b(?:status|stage|mark(?:ed)?|set|change[ds]?|move[ds]?|update[ds]?|make|put|as|to)\b/i;
const ENUM_WORD = /\b(NEW|IN_PROGRESS|FOLLOW_UP|WON|LOST)\b/;

export function extractStatus(text: string, intent?: Intent): LeadStatus | undefined {
  const literal = ENUM_WORD.exec(text);
  if (literal) return literal[1] as LeadStatus;
  const leadUpdate = intent === 'LEAD_UPDATE';
  if (intent && !leadUpdate && intent !== 'UNKNOWN' && intent !== 'LEAD_CREATE') return undefined;
  let best: { status: LeadStatus; index: number } | undefined;
  for (const phrase of PHRASES) {
    const m = phrase.pattern.exec(text);
    if (!m) continue;
    if (phrase.weak && !leadUpdate) {
      const before = text.slice(Math.max(0, m.index - 25), m.index);
      if (!CUE.test(before)) continue;
    }
    // A strong phrase wins over any weak one; among equals the earliest said.
    if (!best) best = { status: phrase.status, index: m.index };
    if (!phrase.weak) return phrase.status;
  }
  return best?.status;
}
