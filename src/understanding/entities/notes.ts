/**
 * Free-text notes for a lead or visit: "with notes: booked unit A2", "note that he wants a corner flat", "notes
 * booked unit a2", "remarks: call after 6". Everything after the cue is the note, so it is taken before the other
 * extractors run (a note's "booked" is not a status, its "6" not a time).
 */

const NOTE_CUE =
  /\b(?:(?:with|and|add(?:ing)?|plus)\s+(?:a\s+|the\s+)?)?(?:notes?|remarks?|comments?|memo)\b\s*(?:that|saying|says|as|of|is|are|:|-|—|,)?\s*|\bnote\s+(?:that|down)\b\s*|\bnoting\s+(?:that\s+)?/i;

export interface FoundNotes {
  notes: string;
  start: number;
  end: number;
}

export function findNotes(text: string): FoundNotes | undefined {
  const m = NOTE_CUE.exec(text);
  if (!m) return undefined;
  // "meeting notes" as a thing to send is not a note cue: it needs a colon or text after that is not "to …".
  const rest = text.slice(m.index + m[0].length);
  const notes = rest
    .replace(/^["'“]+|["'”]+$/g, '')
    .replace(/[.\s]+$/, '')
    .trim();
  if (!notes) return undefined;
  if (/^(?:to|for|from|with)\b/i.test(notes) && !/[:\-—]\s*$/.test(m[0])) return undefined;
  if (/\b(?:meeting|the|my|our|these|those|call)\s*$/i.test(text.slice(0, m.index))) return undefined;
  return { notes, start: m.index, end: text.length };
}

export function extractNotes(text: string): string | undefined {
  return findNotes(text)?.notes;
}
