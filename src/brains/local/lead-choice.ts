/** Listing leads when a reference fits several, and understanding which one the speaker then picks. */
import { type LeadSummary, shortRefOf } from '../../tools/lead-lookup.ts';
import { listInWords, speakLeadRef } from './speech.ts';

const ORDINAL: Record<string, number> = {
  first: 0,
  '1st': 0,
  second: 1,
  '2nd': 1,
  third: 2,
  '3rd': 2,
  fourth: 3,
  '4th': 3,
  fifth: 4,
  '5th': 4,
};
const CARDINAL: Record<string, number> = { one: 0, two: 1, three: 2, four: 3, five: 4 };

/** "Rohan Sharma from Gurgaon, Rohan Mehta from Pune and …. Which one do you mean?" */
export function describeCandidates(leads: LeadSummary[]): string {
  const label = (l: LeadSummary) => (l.city ? `${l.name} from ${l.city}` : l.name);
  const labels = leads.map(label);
  // Two leads with the same name and city can only be told apart by their reference.
  const items = leads.map((l, i) =>
    labels.indexOf(labels[i]!) !== labels.lastIndexOf(labels[i]!)
      ? `${labels[i]}, reference ${speakLeadRef(l.lead_id)}`
      : labels[i]!,
  );
  return `${listInWords(items)}. Which one do you mean?`;
}

/** The candidate the reply points at: by position, id prefix, full name, a distinguishing word, or city. */
export function chooseCandidate(text: string, candidates: LeadSummary[]): LeadSummary | undefined {
  const t = text.toLowerCase().trim();
  const words = t.split(/[^\p{L}\p{N}]+/u).filter(Boolean);

  for (const w of words) {
    const i = ORDINAL[w];
    if (i !== undefined) return candidates[i];
  }
  if (words.includes('last')) return candidates[candidates.length - 1];
  const position = /^(?:the\s+)?(?:number|option|no\.?)?\s*(one|two|three|four|five|\d)(?:\s+one)?\.?$/.exec(
    t,
  );
  if (position?.[1]) {
    const i = CARDINAL[position[1]] ?? Number(position[1]) - 1;
    if (candidates[i]) return candidates[i];
  }

  const compact = t.replace(/[\s-]/g, '');
  const byId = candidates.filter((c) => {
    const hex = /[0-9a-f]{4,}/.exec(compact)?.[0];
    return hex !== undefined && /\d/.test(hex) && c.lead_id.replace(/-/g, '').startsWith(hex);
  });
  if (byId.length === 1) return byId[0];
  const byRef = candidates.filter((c) => compact.includes(shortRefOf(c.lead_id)));
  if (byRef.length === 1) return byRef[0];

  const byName = candidates.filter((c) => t.includes(c.name.toLowerCase()));
  if (byName.length === 1) return byName[0];

  // A word only one candidate has ("Mehta" among Rohan Sharma and Rohan Mehta, or "Pune").
  const distinct = candidates.filter((c) => {
    const own = `${c.name} ${c.city ?? ''}`
      .toLowerCase()
      .split(/\s+/)
      .filter((w) => w.length >= 3);
    return own.some(
      (w) =>
        words.includes(w) &&
        candidates.every(
          (o) => o === c || !`${o.name} ${o.city ?? ''}`.toLowerCase().split(/\s+/).includes(w),
        ),
    );
  });
  return distinct.length === 1 ? distinct[0] : undefined;
}
