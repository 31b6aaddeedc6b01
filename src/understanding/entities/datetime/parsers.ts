/**
 * The chrono instance the extractor uses: English casual parsing plus parsers for what people say that chrono does
 * not read on its own ("the 20th", "half past three", "quarter to four"). Built once at module load.
 */
import * as chrono from 'chrono-node';

type Parser = chrono.Parser;

/** "the 20th", "on the 5th": a day of this month, or of next month once it has passed (forward preference). */
const dayOfMonthParser: Parser = {
  pattern: () =>
    /(?<![\w/-])(?:on\s+)?(?:the\s+)?([12]?\d|3[01])(?:st|nd|rd|th)(?!\s*(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\d))(?=\W|$)/i,
  extract: (context, match) => {
    const day = Number(match[1]);
    if (day < 1 || day > 31) return null;
    const ref = context.reference.getDateWithAdjustedTimezone();
    let year = ref.getFullYear();
    let month = ref.getMonth() + 1;
    if (day < ref.getDate()) {
      month += 1;
      if (month > 12) {
        month = 1;
        year += 1;
      }
    }
    const components = context.createParsingComponents({ day });
    components.imply('month', month);
    components.imply('year', year);
    return components.addTag('parser/DayOfMonthParser');
  },
};

const MINUTE_WORD: Readonly<Record<string, number>> = { half: 30, quarter: 15 };

/** "half past three", "quarter past 3", "20 past 4", "quarter to four", "10 minutes to 5". */
const pastToParser: Parser = {
  pattern: () =>
    /\b(half|quarter|a quarter|\d{1,2})(?:\s+(?:minutes?|mins?))?\s+(past|after|to|till|before)\s+(\d{1,2})(?::00)?(?:\s*(am|pm|a\.m\.|p\.m\.))?(?=\W|$)/i,
  extract: (context, match) => {
    const word = (match[1] ?? '').toLowerCase().replace(/^a /, '');
    const minutes = MINUTE_WORD[word] ?? Number(word);
    const relation = (match[2] ?? '').toLowerCase();
    let hour = Number(match[3]);
    if (!(minutes > 0 && minutes < 60) || hour > 23) return null;
    // "half to four" is not said; "to"/"before" need a quarter or a count of minutes.
    if (word === 'half' && relation !== 'past' && relation !== 'after') return null;
    let minute = minutes;
    if (relation === 'to' || relation === 'till' || relation === 'before') {
      hour = hour === 0 ? 23 : hour - 1;
      minute = 60 - minutes;
    }
    const components = context.createParsingComponents({ hour, minute });
    const meridiem = (match[4] ?? '').toLowerCase();
    if (meridiem.startsWith('p') && hour < 12) components.assign('hour', hour + 12);
    if (meridiem) components.assign('meridiem', meridiem.startsWith('p') ? 1 : 0);
    return components.addTag('parser/PastToParser');
  },
};

function build(): chrono.Chrono {
  const c = chrono.en.casual.clone();
  // Indian usage writes numeric dates day first (5/10 is 5 October): take the day-first slash-date parser of
  // chrono's GB configuration, and keep the casual one's month-name parsing ("Sep 20" is 20 September).
  const dayFirst = chrono.en.GB.parsers.find((p) => p.constructor.name === 'SlashDateFormatParser');
  const at = c.parsers.findIndex((p) => p.constructor.name === 'SlashDateFormatParser');
  if (dayFirst && at >= 0) c.parsers[at] = dayFirst;
  c.parsers.push(dayOfMonthParser, pastToParser);
  return c;
}

export const businessChrono: chrono.Chrono = build();
