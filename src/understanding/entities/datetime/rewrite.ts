/**
 * Rewrites ways of saying a time that chrono does not read into ones it does ("7p" → "7 pm", "15h30" → "15:30",
 * "half an hour" → "30 minutes", "3ish" → "3", "@ 10" → "at 10"), keeping a map back to the original offsets so a
 * mention can still be located (and masked) in the text the other extractors see.
 */

const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const WEEKDAY =
  '(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)';
const UNIT = '(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)';
const COUNT = String.raw`(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|a\s+couple\s+of|couple\s+of|a\s+few|few)`;

type Replacer = string | ((...groups: string[]) => string);

const RULES: ReadonlyArray<readonly [RegExp, Replacer]> = [
  // "$12 December 27", "Rs. 500 on the 5th": an amount of money is never a day or an hour.
  [/(?:[$₹€£]|\b(?:rs|inr|usd)\.?)\s*\d[\d,]*(?:\.\d+)?/gi, 'amount'],
  // Amounts of time chrono does not know.
  [/\b(?:a\s+)?half\s+an?\s+hour\b/gi, '30 minutes'],
  [/\b(?:an?|one)\s+hour\s+and\s+a\s+half\b|\b(?:one\s+and\s+a\s+half|1\.5)\s+hours?\b/gi, '90 minutes'],
  [/\b(\d+)\s+and\s+a\s+half\s+hours?\b/gi, (_m, n) => `${Number(n) * 60 + 30} minutes`],
  [/\bthree[\s-]quarters?\s+of\s+an\s+hour\b|\b3\/4\s*(?:h|hr|hour)\b/gi, '45 minutes'],
  [/\b(?:a\s+)?quarter\s+(?:of\s+an\s+)?hour\b|\b1\/4\s*(?:h|hr|hour)\b/gi, '15 minutes'],
  [/\b1\/2\s*(?:h|hr|hour)\b/gi, '30 minutes'],
  [/\b(?:a\s+)?fortnight(?:'s|’s)?(?:\s+time)?\b/gi, '2 weeks'],
  [/\b(?:a\s+)?(?:couple|pair)\s+(?:of\s+)?(?=(?:minutes?|hours?|days?|weeks?|months?|years?)\b)/gi, '2 '],
  [new RegExp(String.raw`\b(\d+)\s+more\s+(${UNIT})\b`, 'gi'), '$1 $2'],
  // Clock times written the continental way or with a one-letter meridiem.
  [/\b([01]?\d|2[0-3])h([0-5]\d)\b/gi, (_m, h, mm) => `${h.padStart(2, '0')}:${mm}`],
  [
    /(?<!\b(?:in|for|within|after|every|next|last|about|than|of)\s+)\b([01]?\d|2[0-3])h(?![\w'])(?!\s*(?:ago|later|from\s+now|long|before|after)\b)/gi,
    (_m, h) => `${h.padStart(2, '0')}:00`,
  ],
  [/\b(\d{1,2}(?::[0-5]\d)?)([ap])(?![\w'])/gi, (_m, t, ap) => `${t} ${ap}m`],
  [/\b(\d{1,2}(?::[0-5]\d)?)\s*(?:am|a\.m\.?)\s*(?:pm|p\.m\.?)\b/gi, '$1'],
  // "11ish", "around 3ish": an hour said loosely is still a time.
  [/(?<!\bat\s+)\b(1[0-2]|[1-9])\s*-?ish\b/gi, 'at $1'],
  [/\b(\d{1,2}(?::[0-5]\d)?|noon|midnight)\s*-?ish\b/gi, '$1'],
  // "20161016", "report-20170302": a compact year-month-day.
  [/(?<![\d.])((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![\d])/g, '$1-$2-$3'],
  // "the rest of the week", "remainder of the day": a period that starts today.
  [
    /\b(?:for\s+|during\s+)?the\s+(?:rest|remainder)\s+of\s+(?:the|this)\s+(?:day|week|month|year)\b/gi,
    'today',
  ],
  // "blocked for the day": today.
  [/\b(?:for|of|during)\s+the\s+day\b(?!\s+(?:after|before|of|when))/gi, 'today'],
  [/\b(\d{1,2})\s*o'clock\b/gi, '$1:00'],
  // "1600 hrs", "16:00 hours": a 24-hour clock time.
  [/\b([01]?\d|2[0-3]):?([0-5]\d)\s*(?:hrs|hours|hr)\b/gi, (_m, h, mm) => `${h.padStart(2, '0')}:${mm}`],
  [/\blast\s+(night|evening)\b/gi, 'yesterday $1'],
  [/\bfrom\s+right\s+now\b/gi, 'from now'],
  // "morning 7", "evening 6:30" (Indian English): the part of the day before the hour.
  [
    /\b(?:in\s+the\s+)?morning\s+(1[0-2]|[1-9])((?::[0-5]\d)?)(?!\s*(?:[:.]\d|am|pm|a\.m|p\.m|\d|days?|hours?|hrs?|minutes?|mins?|people|units?|st|nd|rd|th))/gi,
    '$1$2 am',
  ],
  [
    /\b(?:in\s+the\s+)?(?:afternoon|evening|night)\s+(1[0-1]|[1-9])((?::[0-5]\d)?)(?!\s*(?:[:.]\d|am|pm|a\.m|p\.m|\d|days?|hours?|hrs?|minutes?|mins?|people|units?|st|nd|rd|th))/gi,
    '$1$2 pm',
  ],
  // "between 3 and 5": a range chrono reads as "from 3 to 5".
  [
    /\bbetween\s+(\d{1,2}(?::[0-5]\d)?\s*(?:am|pm)?)\s+and\s+(\d{1,2}(?::[0-5]\d)?\s*(?:am|pm)?)\b/gi,
    'from $1 to $2',
  ],
  // Business hours said loosely.
  [/\b(?:by\s+)?(?:eod|end\s+of\s+(?:the\s+)?(?:business\s+|working\s+)?day)\b/gi, 'at 6 pm'],
  [/\bafter\s+lunch\b/gi, 'at 2 pm'],
  [/\b(?:at\s+)?lunch\s*time\b/gi, 'at 1 pm'],
  // "8 in the evening", "7 in the morning": chrono reads the part of the day but drops the hour.
  [/\b(\d{1,2}(?::[0-5]\d)?)\s+in\s+the\s+morning\b/gi, '$1 am'],
  [/\b(1[0-2]|[1-9])((?::[0-5]\d)?)\s+in\s+the\s+(?:afternoon|evening)\b/gi, '$1$2 pm'],
  [/\bmid[\s-]?day\b/gi, 'noon'],
  [/\bmid[\s-]?night\b/gi, 'midnight'],
  [/\bin\s+the\s+(a|p)\.?m\.?(?![\w])/gi, (_m, ap) => `${ap}m`],
  [/@\s*(?=\d)/g, 'at '],
  [
    /\b(?:at\s+)?(?:around|about|approximately|approx\.?|roughly|sometime\s+around|by\s+around)\s+(?=\d{1,2}(?:[:.][0-5]\d)?\s*(?:am\b|pm\b|a\.m|p\.m|o'clock|$|[,.!?]|\s+(?:tomorrow|today|tonight|on|this|next|in\s+the)\b))/gi,
    'at ',
  ],
  // "tonight 815", "at 1030": a clock time said without its colon.
  [
    /\b(at|tonight|around|till|until|from|to)\s+([01]?\d|2[0-3])([0-5]\d)(?!\d|[-/.:T]\d|\s*(?:units?|people|rs|rupees|sq))/gi,
    '$1 $2:$3',
  ],
  // "at 3 15" → "at 3:15".
  [
    /\b(at|by|till|until)\s+(\d{1,2})\s+([0-5]\d)(?=\s*(?:am|pm|a\.m|p\.m|$|[,.!?]|\s+(?:on|tomorrow|today|tonight)))/gi,
    '$1 $2:$3',
  ],
  [/\bhence\b/gi, 'from now'],
  [/\b(?:the\s+)?day\s+after\s+tomorrow\b/gi, 'in 2 days'],
  [/\b(?<!the\s+)day\s+before\s+yesterday\b/gi, '2 days ago'],
  // "week from today", "day from tomorrow": one of the unit when no count is said.
  [
    new RegExp(
      String.raw`(?<!\b${COUNT}\s+)\b(week|day|month|year)\s+from\s+(today|now|tomorrow|right\s+now)\b`,
      'gi',
    ),
    'a $1 from $2',
  ],
  [new RegExp(String.raw`\b(${COUNT}\s+${UNIT})\s+from\s+today\b`, 'gi'), '$1 from now'],
  [
    new RegExp(String.raw`\b(${COUNT}\s+${UNIT})\s+from\s+(?!now\b|today\b|right\s+now\b)`, 'gi'),
    '$1 after ',
  ],
  // Day-of-month phrasings: "february the 15th", "the 15th day of", "july of 1995".
  [new RegExp(String.raw`\b(${MONTH})\s+the\s+(\d{1,2}(?:st|nd|rd|th)?)\b`, 'gi'), '$1 $2'],
  [/\b(\d{1,2}(?:st|nd|rd|th))\s+day\s+(of|in)\b/gi, '$1 $2'],
  [new RegExp(String.raw`\b(${MONTH})\s+of\s+(\d{4})\b`, 'gi'), '$1 $2'],
  // "12:30 december 27": a time before a date reads better with "on" between.
  [new RegExp(String.raw`\b(\d{1,2}:\d\d(?:\s*[ap]\.?m\.?)?)\s+(?=${MONTH}\.?\s+\d)`, 'gi'), '$1 on '],
  // "Monday 21": a number past 12 after a weekday is a day of the month, not a time.
  [
    new RegExp(
      String.raw`\b(${WEEKDAY}),?\s+(1[3-9]|2\d|3[01])(?!\s*(?::|\.\d|am|pm|a\.m|p\.m|h\b|st|nd|rd|th|\d)|[/.-]\d)`,
      'gi',
    ),
    '$1 the $2th',
  ],
  [/\b(today|tomorrow|tonight|yesterday)(?:'s|’s|s)\b/gi, '$1'],
  [/\btues\b\.?/gi, 'tuesday'],
  [/\bweds\b\.?/gi, 'wednesday'],
  [/\bthurs?\b\.?/gi, 'thursday'],
  [/\bfollowing\s+(?=(?:mon|tue|wed|thu|fri|sat|sun)\w*\b)/gi, 'next '],
  [/\bprevious\s+(?=(?:mon|tue|wed|thu|fri|sat|sun)\w*\b)/gi, 'last '],
  // "9 tomorrow", "tomorrow 3": a bare hour next to a day word is a time on that day.
  [
    /^(\d{1,2}(?::[0-5]\d)?)\s+(tomorrow|today|tonight)((?:\s+(?:morning|evening|afternoon|night))?)\b/gi,
    (_m, t, day, part) => `${day}${part} at ${t}`,
  ],
  [/\b(tomorrow|today|tonight)\s+(\d{1,2})(?=\s*(?:$|[,.!?]|o'clock))/gi, '$1 at $2'],
  // "at 7 tomorrow morning", "at 6 friday evening": the hour belongs to the part of the day said after it.
  [
    new RegExp(
      String.raw`\b(?:at\s+)?(\d{1,2}(?::[0-5]\d)?)\s+((?:tomorrow|today|yesterday|${WEEKDAY})\s+(?:morning|afternoon|evening|night))\b`,
      'gi',
    ),
    '$2 at $1',
  ],
  // "tomorrow evening by 7": after a part of the day, "by" an hour is that hour.
  [/\b(today|tomorrow|tonight|morning|afternoon|evening|night)\s+by\s+(?=\d{1,2}\b)/gi, '$1 at '],
];

export interface Rewritten {
  text: string;
  /** Offset in the original text of each offset in `text` (one longer, for the end). */
  origin: number[];
}

function identity(text: string): Rewritten {
  const origin = new Array<number>(text.length + 1);
  for (let i = 0; i <= text.length; i++) origin[i] = i;
  return { text, origin };
}

function apply(input: Rewritten, pattern: RegExp, replacement: Replacer): Rewritten {
  pattern.lastIndex = 0;
  if (!pattern.test(input.text)) return input;
  pattern.lastIndex = 0;
  let text = '';
  const origin: number[] = [];
  let last = 0;
  for (const m of input.text.matchAll(pattern)) {
    const start = m.index;
    const end = start + m[0].length;
    for (let i = last; i < start; i++) {
      text += input.text[i];
      origin.push(input.origin[i]!);
    }
    const rep =
      typeof replacement === 'string'
        ? replacement.replace(/\$(\d)/g, (_d, d: string) => m[Number(d)] ?? '')
        : replacement(...(m as unknown as string[]));
    for (let i = 0; i < rep.length; i++) {
      text += rep[i];
      // Spread the replacement over the replaced span so starts and ends map sensibly.
      origin.push(input.origin[i === rep.length - 1 ? end - 1 : Math.min(end - 1, start + i)]!);
    }
    last = end;
  }
  for (let i = last; i <= input.text.length; i++) {
    if (i < input.text.length) text += input.text[i];
    origin.push(input.origin[i]!);
  }
  return { text, origin };
}

export function rewriteForParsing(text: string): Rewritten {
  let r = identity(text);
  for (const [pattern, replacement] of RULES) r = apply(r, pattern, replacement);
  return r;
}

/** The span [start, end) of the rewritten text in the original. */
export function originalSpan(r: Rewritten, start: number, end: number): readonly [number, number] {
  const s = r.origin[start] ?? start;
  const e = end > start ? (r.origin[end - 1] ?? end - 1) + 1 : s;
  return [s, Math.max(s, e)];
}
