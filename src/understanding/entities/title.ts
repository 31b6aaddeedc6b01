/**
 * A meeting's title: "team meeting", "design review", "a call about the budget" → "budget", "titled Q3 planning".
 * Only a few words before a meeting noun, or the words after an explicit cue; times, people and fillers are not
 * titles ("my 2 pm meeting", "a meeting with Priya" give none).
 */
import { STOPWORDS } from '../gazetteers/stopwords.ts';

const MEETING_NOUNS =
  'meeting|call|review|sync|standup|stand-up|discussion|demo|interview|session|catch-up|catchup|presentation|workshop|kickoff|kick-off|huddle|retro|retrospective|planning|briefing|walkthrough|1:1|one-on-one|lunch|dinner|training|webinar|appointment|check-in';
const NOUN_PHRASE = new RegExp(String.raw`\b((?:[A-Za-z][\w&'-]*\s+){1,3})(${MEETING_NOUNS})\b`, 'gi');
const EXPLICIT =
  /\b(?:titled|title(?:\s+is|:)?|called|named|subject(?:\s+is|:)?|about|regarding|re:|on the topic of|to discuss|for discussing)\s+(?:the\s+)?(.+?)(?=\s+(?:with|at|on|for|from|tomorrow|today|tonight|next|this|by|in|and invite|invite)\b|[.,;!?]|$)/i;
/** Words that may open a title phrase but are not part of it. */
const LEADING = new Set([
  'a',
  'an',
  'the',
  'my',
  'our',
  'your',
  'his',
  'her',
  'their',
  'this',
  'that',
  'quick',
  'short',
  'new',
]);
/** Words that end the search backwards: a title does not cross them. */
const BREAKS = new Set([
  ...STOPWORDS,
  'schedule',
  'set',
  'book',
  'arrange',
  'organise',
  'organize',
  'create',
  'add',
  'cancel',
  'move',
  'reschedule',
  'postpone',
  'push',
  'shift',
]);
const KEEP_IN_TITLE = new Set([
  'team',
  'review',
  'sales',
  'project',
  'client',
  'design',
  'weekly',
  'daily',
  'monthly',
  'board',
  'status',
  'budget',
  'planning',
  'product',
  'marketing',
  'site',
  'follow',
  'up',
  'follow-up',
  'demo',
  'sync',
]);

export function extractTitle(text: string): string | undefined {
  const explicit = EXPLICIT.exec(text);
  if (explicit?.[1]) {
    const t = explicit[1].trim();
    if (t && t.split(/\s+/).length <= 8 && !/^\d/.test(t)) return t;
  }
  for (const m of text.matchAll(NOUN_PHRASE)) {
    const words = (m[1] ?? '').trim().split(/\s+/);
    const kept: string[] = [];
    for (let i = words.length - 1; i >= 0; i--) {
      const w = words[i]!;
      const lower = w.toLowerCase();
      if (/\d/.test(w)) break;
      if (BREAKS.has(lower) && !KEEP_IN_TITLE.has(lower)) break;
      kept.unshift(w);
    }
    while (kept.length && LEADING.has(kept[0]!.toLowerCase())) kept.shift();
    if (kept.length === 0) continue;
    return `${kept.join(' ')} ${m[2]}`;
  }
  return undefined;
}
