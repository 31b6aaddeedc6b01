/** "cancel all meetings on Sep 20", "clear my calendar tomorrow", "everything on Friday" → scope "all". */

const ALL =
  /\b(?:all|every|each)\s+(?:of\s+)?(?:my\s+|the\s+|our\s+)?(?:\w+\s+)?(?:meetings|appointments|events|calls|visits|bookings|sessions|slots)\b|\bclear\s+(?:my|the|our)\s+(?:calendar|schedule|day)\b|\beverything\s+(?:on|for|from|scheduled|tomorrow|today)\b|\ball\s+of\s+them\b|\bthem\s+all\b/i;

export function extractScope(text: string): 'all' | undefined {
  return ALL.test(text) ? 'all' : undefined;
}
