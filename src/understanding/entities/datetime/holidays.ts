/**
 * Named days: fixed-date holidays (Christmas, Republic Day, Gandhi Jayanti), ones computed from the Easter date or
 * as the nth weekday of a month (Thanksgiving, Mother's Day), and ones of other calendars found with the platform's
 * Intl calendars (Eid al-Fitr and Eid al-Adha from the Umm al-Qura calendar, Chinese New Year, Vesak, Jewish
 * holidays) and of the Hindu lunisolar calendar (./panchang.ts). "Diwali 2026", "next Eid", "last Easter",
 * "Thanksgiving" (the coming one) are read; a year or "next"/"last" picks the occurrence.
 */
import type * as chrono from 'chrono-node';
import { type HinduFestival, hinduFestival } from './panchang.ts';

type Rule = (year: number) => Date | null;
const DAY = 86_400_000;

function utc(year: number, month: number, day: number): Date {
  return new Date(Date.UTC(year, month - 1, day));
}

function addDays(d: Date | null, n: number): Date | null {
  return d ? new Date(d.getTime() + n * DAY) : null;
}

/** Gregorian Easter Sunday (Anonymous Gregorian algorithm). */
export function easter(year: number): Date {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return utc(year, month, day);
}

/** Orthodox Easter Sunday: the Julian computus, moved to the Gregorian calendar. */
export function orthodoxEaster(year: number): Date {
  const a = year % 4;
  const b = year % 7;
  const c = year % 19;
  const d = (19 * c + 15) % 30;
  const e = (2 * a + 4 * b - d + 34) % 7;
  const month = Math.floor((d + e + 114) / 31);
  const day = ((d + e + 114) % 31) + 1;
  const julianToGregorian = Math.floor(year / 100) - Math.floor(year / 400) - 2;
  return new Date(utc(year, month, day).getTime() + julianToGregorian * DAY);
}

function nth(month: number, weekday: number, n: number): Rule {
  return (year) => {
    if (n > 0) {
      const first = utc(year, month, 1);
      return utc(year, month, 1 + ((weekday - first.getUTCDay() + 7) % 7) + (n - 1) * 7);
    }
    const last = utc(year, month + 1, 0);
    return utc(year, month, last.getUTCDate() - ((last.getUTCDay() - weekday + 7) % 7));
  };
}

const fixed =
  (month: number, day: number): Rule =>
  (year) =>
    utc(year, month, day);

/** A day of another calendar (Intl), searched in a window of Gregorian days; cached per year. */
const calendarCache = new Map<string, Date | null>();
const formatters = new Map<string, Intl.DateTimeFormat>();

function calendarParts(calendar: string, t: number): { month: string; day: number } {
  let f = formatters.get(calendar);
  if (!f) {
    f = new Intl.DateTimeFormat(`en-u-ca-${calendar}`, {
      timeZone: 'UTC',
      month: calendar === 'hebrew' ? 'long' : 'numeric',
      day: 'numeric',
    });
    formatters.set(calendar, f);
  }
  let month = '';
  let day = 0;
  for (const p of f.formatToParts(new Date(t))) {
    if (p.type === 'month') month = p.value;
    else if (p.type === 'day') day = Number(p.value);
  }
  return { month, day };
}

function inCalendar(
  calendar: string,
  matches: (month: string, day: number) => boolean,
  from: readonly [number, number],
  to: readonly [number, number],
  key: string,
): Rule {
  return (year) => {
    const cacheKey = `${key}:${year}`;
    const hit = calendarCache.get(cacheKey);
    if (hit !== undefined) return hit;
    let found: Date | null = null;
    for (let t = Date.UTC(year, from[0] - 1, from[1]); t <= Date.UTC(year, to[0] - 1, to[1]); t += DAY) {
      const p = calendarParts(calendar, t);
      if (matches(p.month, p.day)) {
        found = new Date(t);
        break;
      }
    }
    calendarCache.set(cacheKey, found);
    return found;
  };
}

/** Julian day of a date of the arithmetic Islamic calendar (an estimate of the Umm al-Qura date, ±2 days). */
function islamicCivilJd(year: number, month: number, day: number): number {
  return (
    day + Math.ceil(29.5 * (month - 1)) + (year - 1) * 354 + Math.floor((3 + 11 * year) / 30) + 1948439.5 - 1
  );
}

/**
 * The Umm al-Qura rules in use today date from 1420 AH (1999); carried back before then they miss the days that
 * were kept, which the sighting-based reckoning (ICU's `islamic-rgsa`) matches.
 */
const UMM_AL_QURA_SINCE = 1999;

/** A day of the Islamic (Umm al-Qura) calendar falling in a Gregorian year; the first, if it falls twice. */
function islamic(month: number, day: number): Rule {
  return (year) => {
    const calendar = year < UMM_AL_QURA_SINCE ? 'islamic-rgsa' : 'islamic-umalqura';
    const cacheKey = `islamic:${month}:${day}:${year}`;
    const hit = calendarCache.get(cacheKey);
    if (hit !== undefined) return hit;
    let found: Date | null = null;
    const approxHijri = Math.floor(((year - 622) * 33) / 32);
    for (let h = approxHijri - 1; h <= approxHijri + 2 && !found; h++) {
      const estimate = (islamicCivilJd(h, month, day) - 2440587.5) * DAY;
      const start = Math.round(estimate / DAY) * DAY;
      for (let t = start - 3 * DAY; t <= start + 3 * DAY; t += DAY) {
        const d = new Date(t);
        if (d.getUTCFullYear() !== year) continue;
        const p = calendarParts(calendar, t);
        if (Number(p.month) === month && p.day === day) {
          found = d;
          break;
        }
      }
    }
    calendarCache.set(cacheKey, found);
    return found;
  };
}

/** Jewish holidays begin at sunset; the day named is the eve's Gregorian date, as calendars print it. */
function hebrew(
  monthName: RegExp,
  day: number,
  from: readonly [number, number],
  to: readonly [number, number],
): Rule {
  const rule = inCalendar(
    'hebrew',
    (m, d) => monthName.test(m) && d === day,
    from,
    to,
    `hebrew:${monthName.source}:${day}`,
  );
  return (year) => addDays(rule(year), -1);
}

function hindu(festival: HinduFestival): Rule {
  return (year) => hinduFestival(festival, year);
}

interface Holiday {
  names: string;
  rule: Rule;
}

/** Names are regex alternatives (lowercase, spaces as \s+); the longest alternatives are tried first by the regex. */
const HOLIDAYS: readonly Holiday[] = [
  { names: String.raw`christmas\s+eve|xmas\s+eve`, rule: fixed(12, 24) },
  { names: String.raw`christmas(?:\s+day)?|xmas(?:\s+day)?|x-mas|bada\s+din`, rule: fixed(12, 25) },
  { names: String.raw`new\s+year'?s?\s+eve`, rule: fixed(12, 31) },
  { names: String.raw`new\s+year'?s?(?:\s+day)?`, rule: fixed(1, 1) },
  { names: String.raw`valentine'?s?(?:\s+day)?`, rule: fixed(2, 14) },
  { names: "hallowe'?en", rule: fixed(10, 31) },
  { names: String.raw`(?:saint|st\.?)\s+patrick'?s?(?:\s+day)?`, rule: fixed(3, 17) },
  { names: String.raw`republic\s+day`, rule: fixed(1, 26) },
  { names: String.raw`independence\s+day`, rule: fixed(8, 15) },
  { names: String.raw`gandhi\s+jayanti`, rule: fixed(10, 2) },
  { names: String.raw`ambedkar\s+jayanti`, rule: fixed(4, 14) },
  { names: String.raw`children'?s\s+day|bal\s+diwas`, rule: fixed(11, 14) },
  { names: String.raw`teachers'?\s+day`, rule: fixed(9, 5) },
  { names: String.raw`may\s+day|labour\s+day`, rule: fixed(5, 1) },
  // The American spelling, the American day: the first Monday of September.
  { names: String.raw`labor\s+day`, rule: nth(9, 1, 1) },
  { names: String.raw`world\s+vegan\s+day`, rule: fixed(11, 1) },
  { names: String.raw`earth\s+day`, rule: fixed(4, 22) },
  // Fixed days kept across the English-speaking world and Christian calendars.
  { names: String.raw`veterans'?\s+day|armistice\s+day`, rule: fixed(11, 11) },
  { names: String.raw`boxing\s+day|(?:saint|st\.?)\s+stephen'?s\s+day`, rule: fixed(12, 26) },
  { names: String.raw`all\s+saints'?\s+day|all\s+hallows'?\s+day`, rule: fixed(11, 1) },
  { names: String.raw`all\s+souls'?\s+day`, rule: fixed(11, 2) },
  // Alone, "epiphany" and "assumption" are ordinary words ("I made an assumption").
  {
    names: String.raw`feast\s+of\s+(?:the\s+)?epiphany|epiphany\s+day|three\s+kings'?\s+day`,
    rule: fixed(1, 6),
  },
  { names: String.raw`feast\s+of\s+the\s+assumption|assumption\s+day`, rule: fixed(8, 15) },
  { names: String.raw`groundhog\s+day`, rule: fixed(2, 2) },
  { names: 'juneteenth', rule: fixed(6, 19) },
  { names: String.raw`flag\s+day`, rule: fixed(6, 14) },
  { names: String.raw`patriot\s+day`, rule: fixed(9, 11) },
  { names: String.raw`april\s+fools'?(?:\s+day)?`, rule: fixed(4, 1) },
  { names: String.raw`cinco\s+de\s+mayo`, rule: fixed(5, 5) },
  { names: String.raw`(?:saint|st\.?)\s+george'?s\s+day`, rule: fixed(4, 23) },
  { names: String.raw`(?:saint|st\.?)\s+andrew'?s\s+day`, rule: fixed(11, 30) },
  { names: String.raw`(?:saint|st\.?)\s+david'?s\s+day`, rule: fixed(3, 1) },
  { names: String.raw`(?:international\s+)?yoga\s+day`, rule: fixed(6, 21) },
  { names: String.raw`world\s+environment\s+day`, rule: fixed(6, 5) },
  { names: String.raw`world\s+health\s+day`, rule: fixed(4, 7) },
  // US Election Day: the Tuesday after the first Monday of November.
  { names: String.raw`election\s+day`, rule: (y) => addDays(nth(11, 1, 1)(y), 1) },
  { names: String.raw`women'?s\s+day`, rule: fixed(3, 8) },
  {
    names: String.raw`boss'?s\s+day`,
    rule: (year) => {
      const d = utc(year, 10, 16);
      const wd = d.getUTCDay();
      return addDays(d, wd === 6 ? -1 : wd === 0 ? 1 : 0);
    },
  },
  {
    names: String.raw`king'?s\s+day|koningsdag`,
    rule: (year) => {
      const d = utc(year, 4, 27);
      return d.getUTCDay() === 0 ? utc(year, 4, 26) : d;
    },
  },
  { names: String.raw`thanksgiving(?:\s+day)?`, rule: nth(11, 4, 4) },
  { names: String.raw`black\s+friday`, rule: (y) => addDays(nth(11, 4, 4)(y), 1) },
  { names: String.raw`cyber\s+monday`, rule: (y) => addDays(nth(11, 4, 4)(y), 4) },
  {
    names: String.raw`(?:dr\.?\s+)?(?:mlk|martin\s+luther\s+king'?s?)(?:\s+jr\.?)?(?:'s)?\s+day|civil\s+rights\s+day`,
    rule: nth(1, 1, 3),
  },
  { names: String.raw`mother'?s\s+day`, rule: nth(5, 0, 2) },
  { names: String.raw`father'?s\s+day`, rule: nth(6, 0, 3) },
  { names: String.raw`memorial\s+day`, rule: nth(5, 1, -1) },
  { names: String.raw`presidents'?\s+day`, rule: nth(2, 1, 3) },
  { names: String.raw`columbus\s+day`, rule: nth(10, 1, 2) },
  { names: String.raw`orthodox\s+easter(?:\s+sunday)?`, rule: orthodoxEaster },
  { names: String.raw`orthodox\s+(?:good|great)\s+friday`, rule: (y) => addDays(orthodoxEaster(y), -2) },
  { names: String.raw`lazarus\s+saturday`, rule: (y) => addDays(orthodoxEaster(y), -8) },
  {
    names: String.raw`(?:orthodox\s+)?(?:clean|shrove)\s+monday`,
    rule: (y) => addDays(orthodoxEaster(y), -48),
  },
  { names: String.raw`easter\s+mon(?:day)?`, rule: (y) => addDays(easter(y), 1) },
  { names: String.raw`easter(?:\s+sunday)?`, rule: easter },
  { names: String.raw`good\s+friday`, rule: (y) => addDays(easter(y), -2) },
  { names: String.raw`holy\s+saturday`, rule: (y) => addDays(easter(y), -1) },
  { names: String.raw`(?:maundy|covenant|holy)\s+thu(?:rsday)?`, rule: (y) => addDays(easter(y), -3) },
  { names: String.raw`palm\s+sunday`, rule: (y) => addDays(easter(y), -7) },
  { names: String.raw`ash\s+wednesday`, rule: (y) => addDays(easter(y), -46) },
  {
    names: String.raw`shrove\s+tuesday|pancake\s+(?:day|tuesday)|mardi\s+gras`,
    rule: (y) => addDays(easter(y), -47),
  },
  {
    names: String.raw`isra(?:'|\s+)?(?:and|&|wal)\s+mi'?raj|(?:the\s+)?prophet'?s\s+ascension|(?:the\s+)?night\s+journey|ascension\s+to\s+heaven|shab[-\s]e[-\s]miraj`,
    rule: islamic(7, 27),
  },
  { names: String.raw`ascension(?:\s+day|\s+thursday)?`, rule: (y) => addDays(easter(y), 39) },
  { names: String.raw`pentecost|whit\s+sunday|whitsunday`, rule: (y) => addDays(easter(y), 49) },
  { names: String.raw`whit\s+monday|pentecost\s+monday`, rule: (y) => addDays(easter(y), 50) },
  { names: String.raw`trinity\s+sunday`, rule: (y) => addDays(easter(y), 56) },
  { names: String.raw`corpus\s+christi`, rule: (y) => addDays(easter(y), 60) },
  {
    names: String.raw`eid(?:\s+|-)?(?:al|ul|el)?(?:\s+|-)?(?:adha|azha|zuha)|id(?:\s+|-)?ul(?:\s+|-)?adha|bakr(?:\s+|-)?e?id|bakri(?:\s+|-)?e?id|sacrifice\s+feast|feast\s+of\s+(?:the\s+)?sacrifice`,
    rule: islamic(12, 10),
  },
  {
    names: String.raw`eid(?:\s+|-)?(?:al|ul|el)?(?:\s+|-)?fitr|ramzan\s+eid|ramadan\s+eid|meethi\s+eid|chhoti\s+eid|eid`,
    rule: islamic(10, 1),
  },
  { names: String.raw`islamic\s+new\s+year|hijri\s+new\s+year|muharram|amun\s+jadid`, rule: islamic(1, 1) },
  { names: 'ashura|ashoura', rule: islamic(1, 10) },
  {
    names: String.raw`mawlid(?:\s+(?:al|an)[-\s]nabi)?|milad(?:[-\s]un)?[-\s]nabi|eid[-\s]e[-\s]milad|prophet'?s\s+birthday`,
    rule: islamic(3, 12),
  },
  {
    names: String.raw`laylat(?:\s+|-)al(?:\s+|-)qadr|night\s+of\s+(?:power|measures|destiny)|shab[-\s]e[-\s]qadr`,
    rule: islamic(9, 27),
  },
  { names: 'ramadan|ramzan|ramazan', rule: islamic(9, 1) },
  {
    names: String.raw`jumu'?atul[-\s]?wida|jamat[-\s]ul[-\s]vida|alvida\s+jumma`,
    rule: (year) => {
      const eid = islamic(10, 1)(year);
      if (!eid) return null;
      const back = (eid.getUTCDay() - 5 + 7) % 7 || 7;
      return addDays(eid, -back);
    },
  },
  {
    names: String.raw`chinese\s+(?:lunar\s+)?new\s+year'?s?(?:\s+day)?|lunar\s+new\s+year|spring\s+festival`,
    rule: inCalendar('chinese', (m, d) => m === '1' && d === 1, [1, 19], [2, 21], 'cny'),
  },
  {
    names: String.raw`vesak|vaisakha|buddha\s+(?:day|purnima|jayanti)|wesak`,
    rule: inCalendar('chinese', (m, d) => m === '4' && d === 15, [4, 18], [6, 12], 'vesak'),
  },
  { names: String.raw`tu\s+b'?i?shvat|tu\s+bishvat`, rule: hebrew(/^Shevat$/, 15, [1, 10], [2, 20]) },
  { names: String.raw`shushan\s+purim`, rule: hebrew(/^Adar(?: II)?$/, 15, [2, 20], [3, 30]) },
  { names: 'purim', rule: hebrew(/^Adar(?: II)?$/, 14, [2, 20], [3, 30]) },
  {
    names: String.raw`yom\s+hashoah|holocaust\s+(?:remembrance\s+)?day`,
    rule: (year) => {
      const d = hebrew(/^Nisan$/, 27, [4, 1], [5, 10])(year);
      const wd = addDays(d, 1)?.getUTCDay();
      // Moved off the Sabbath's edges: from a Friday to Thursday, from a Sunday to Monday.
      return wd === 5 ? addDays(d, -1) : wd === 0 ? addDays(d, 1) : d;
    },
  },
  { names: String.raw`yom\s+kippur`, rule: hebrew(/^Tishri$/, 10, [9, 10], [10, 20]) },
  { names: 'hanukk?ah|chanukk?ah', rule: hebrew(/^Kislev$/, 25, [11, 20], [12, 31]) },
  {
    names: String.raw`parsi\s+new\s+year|navroze?|nowruz\s+\(parsi\)|pateti|jamshedi\s+navroz`,
    // The Shahenshahi year has exactly 365 days, so it slips a day against the Gregorian one every leap year.
    rule: (year) => new Date(Date.UTC(2018, 7, 17) + (year - 2018) * 365 * DAY),
  },
  { names: String.raw`diwali|deepavali|deepawali|lakshmi\s+puja`, rule: hindu('diwali') },
  {
    names: String.raw`dhanteras|dhanatrayodashi|dhantrayodashi|dhanvantari\s+trayodashi`,
    rule: hindu('dhanteras'),
  },
  {
    names: String.raw`naraka\s+chaturdashi|chhoti\s+diwali|choti\s+diwali|roop\s+chaudas`,
    rule: hindu('narakaChaturdashi'),
  },
  { names: String.raw`govardhan\s+puja|annakut|padwa|bali\s+pratipada`, rule: hindu('govardhanPuja') },
  {
    names: String.raw`bhai\s+dooj|bhau\s+beej|bhai\s+phonta|bhai\s+tika|bhaiya\s+dooj|yama\s+dwitiya`,
    rule: hindu('bhaiDooj'),
  },
  { names: String.raw`karva\s+chauth|karwa\s+chauth|karaka\s+chaturthi`, rule: hindu('karvaChauth') },
  { names: String.raw`chhoti\s+holi|holika\s+dahan|holika|kamudu\s+pyre`, rule: hindu('holikaDahan') },
  {
    names: String.raw`holi|dhulandi|dhulheti|dhuleti|phagwah|rangwali\s+holi|dol\s+jatra|dol\s+purnima`,
    rule: hindu('holi'),
  },
  {
    names: String.raw`(?:krishna\s+)?janmashtami|janmastami|gokulashtami|krishna\s+jayanti`,
    rule: hindu('janmashtami'),
  },
  { names: String.raw`(?:vasant|basant)\s+panchami|saraswati\s+puja`, rule: hindu('vasantPanchami') },
  { names: String.raw`mahavir\s+jayanti|mahavir\s+janma\s+kalyanak`, rule: hindu('mahavirJayanti') },
  { names: String.raw`ugadi|yugadi|samvatsaradi|gudi\s+padwa|cheti\s+chand`, rule: hindu('ugadi') },
  { names: String.raw`ram\s+navami|rama\s+navami`, rule: hindu('ramNavami') },
  { names: String.raw`hanuman\s+jayanti`, rule: hindu('hanumanJayanti') },
  { names: String.raw`(?:maha\s*)?shiv(?:a)?ratri`, rule: hindu('mahaShivaratri') },
  { names: String.raw`raksha\s+bandhan|rakhi`, rule: hindu('rakshaBandhan') },
  {
    names: String.raw`ganesh\s+chaturthi|vinayaka\s+chaturthi|vinayagar\s+chathurthi|ganeshotsav`,
    rule: hindu('ganeshChaturthi'),
  },
  { names: String.raw`navratri|navaratri|sharad\s+navratri`, rule: hindu('navratri') },
  { names: String.raw`dussehra|dasara|dussera|vijaya\s*dashami|vijayadashami`, rule: hindu('dussehra') },
  {
    names: String.raw`(?:guru\s+)?nanak\s+(?:jayanti|gurpurab|dev\s+ji\s+gurpurab)|guru\s+nanak'?s?\s+birthday|kartik\s+purnima`,
    rule: hindu('guruNanakJayanti'),
  },
  {
    names: String.raw`(?:guru\s+)?ravi\s*das(?:s)?\s+(?:jayanti|birthday)|magha\s+purnima`,
    rule: hindu('ravidasJayanti'),
  },
  { names: String.raw`(?:maharishi\s+)?valmiki\s+jayanti|pargat\s+diwas`, rule: hindu('valmikiJayanti') },
  {
    names: String.raw`guru\s+gobind\s+singh(?:\s+ji)?(?:'s)?\s+(?:jayanti|birthday|gurpurab)`,
    rule: hindu('guruGobindSinghJayanti'),
  },
  {
    names: String.raw`(?:swami\s+|maharishi\s+)?dayan(?:an)?da\s+saraswati\s+jayanti|saraswati\s+jayanti`,
    rule: hindu('dayanandaJayanti'),
  },
  { names: String.raw`(?:thiru\s*)?onam|thiruvonam`, rule: hindu('onam') },
  {
    names: String.raw`(?:rabindra(?:nath)?|tagore)\s+jayanti|rabindra\s+jayanti|pochishe\s+boishakh`,
    rule: hindu('rabindraJayanti'),
  },
  {
    names: String.raw`makara?\s+sankranth?i|sankranth?i|uttarayan|thai\s+pongal|pongal`,
    rule: hindu('makarSankranti'),
  },
  {
    names: String.raw`bh?og[iy](?:\s+pandigai)?|lohri`,
    rule: (y) => addDays(hinduFestival('makarSankranti', y), -1),
  },
  {
    names: String.raw`maattu\s+pongal|mattu\s+pongal|kanuma`,
    rule: (y) => addDays(hinduFestival('makarSankranti', y), 1),
  },
  {
    names: String.raw`kaanum\s+pongal|kanni\s+pongal|kanum\s+pongal`,
    rule: (y) => addDays(hinduFestival('makarSankranti', y), 2),
  },
  {
    names: String.raw`baisakhi|vaisakhi|vaishakhi|bohag\s+bihu|rongali\s+bihu|puthandu|vishu|pohela\s+boishakh`,
    rule: hindu('vaisakhi'),
  },
];

const NAMES = HOLIDAYS.map((h) => `(${h.names})`);
const PATTERN = new RegExp(
  String.raw`\b(?:(this|next|last|coming|upcoming|previous|the\s+last|the\s+next)\s+)?(?:the\s+)?(?:${NAMES.join('|')})(?:\s+(?:of\s+|in\s+)?(\d{4})|\s+of\s+(this|next|last)\s+year)?(?![\w'])`,
  'i',
);
const FIRST_NAME_GROUP = 2;

type Context = Parameters<chrono.Parser['extract']>[0];

export const holidayParser: chrono.Parser = {
  pattern: () => PATTERN,
  extract: (context: Context, m: RegExpMatchArray) => {
    const index = NAMES.findIndex((_, i) => m[FIRST_NAME_GROUP + i] !== undefined);
    const holiday = HOLIDAYS[index];
    if (!holiday) return null;
    const yearGroup = m[FIRST_NAME_GROUP + NAMES.length];
    const yearRelative = m[FIRST_NAME_GROUP + NAMES.length + 1];
    const modifier = (m[1] ?? '').toLowerCase().replace(/\s+/g, ' ');
    const r = context.reference.getDateWithAdjustedTimezone();
    const today = Date.UTC(r.getFullYear(), r.getMonth(), r.getDate());
    let date: Date | null = null;
    if (yearGroup) date = holiday.rule(Number(yearGroup));
    else if (yearRelative) {
      const step = yearRelative.toLowerCase() === 'next' ? 1 : yearRelative.toLowerCase() === 'last' ? -1 : 0;
      date = holiday.rule(r.getFullYear() + step);
    } else if (modifier === 'last' || modifier === 'previous' || modifier === 'the last') {
      // The most recent one before today.
      for (let y = r.getFullYear(); y >= r.getFullYear() - 2 && !date; y--) {
        const d = holiday.rule(y);
        if (d && d.getTime() < today) date = d;
      }
    } else {
      // Bare, "this", "next", "coming": the coming one (today counts).
      for (let y = r.getFullYear(); y <= r.getFullYear() + 2 && !date; y++) {
        const d = holiday.rule(y);
        if (d && d.getTime() >= today) date = d;
      }
    }
    if (!date) return null;
    return context
      .createParsingComponents({
        year: date.getUTCFullYear(),
        month: date.getUTCMonth() + 1,
        day: date.getUTCDate(),
      })
      .addTag('parser/HolidayParser');
  },
};
