/**
 * Dates of Hindu festivals from first principles, as a panchang computes them: the lunar day (tithi, each 12° of the
 * Moon's elongation from the Sun) prevailing at the festival's time of day in the right lunar month (amanta months
 * named by the sidereal sign the Sun is in at the new moon that starts them; a month without a solar ingress is an
 * adhika month, skipped), and solar festivals from the Sun's sidereal ingress (Lahiri ayanamsa). Sun and Moon
 * positions use the truncated series of Meeus, Astronomical Algorithms ch. 25 and 47 (errors of a few arc minutes,
 * a few minutes of time at a tithi's edge). Times are for New Delhi (Onam: Kochi), in IST.
 */

const DEG = Math.PI / 180;
const DAY = 86_400_000;
const IST = 330 * 60_000;

function norm(deg: number): number {
  const d = deg % 360;
  return d < 0 ? d + 360 : d;
}

function centuries(t: number): number {
  return (t / DAY + 2440587.5 - 2451545.0) / 36525;
}

/** Apparent tropical longitude of the Sun, degrees. */
export function sunLongitude(t: number): number {
  const T = centuries(t);
  const L0 = 280.46646 + 36000.76983 * T + 0.0003032 * T * T;
  const M = (357.52911 + 35999.05029 * T - 0.0001537 * T * T) * DEG;
  const C =
    (1.914602 - 0.004817 * T - 0.000014 * T * T) * Math.sin(M) +
    (0.019993 - 0.000101 * T) * Math.sin(2 * M) +
    0.000289 * Math.sin(3 * M);
  const omega = (125.04 - 1934.136 * T) * DEG;
  return norm(L0 + C - 0.00569 - 0.00478 * Math.sin(omega));
}

/** [D, M, M', F, coefficient in 1e-6 degrees] of the Moon's longitude series (Meeus table 47.A, largest terms). */
const MOON_TERMS: ReadonlyArray<readonly [number, number, number, number, number]> = [
  [0, 0, 1, 0, 6288774],
  [2, 0, -1, 0, 1274027],
  [2, 0, 0, 0, 658314],
  [0, 0, 2, 0, 213618],
  [0, 1, 0, 0, -185116],
  [0, 0, 0, 2, -114332],
  [2, 0, -2, 0, 58793],
  [2, -1, -1, 0, 57066],
  [2, 0, 1, 0, 53322],
  [2, -1, 0, 0, 45758],
  [0, 1, -1, 0, -40923],
  [1, 0, 0, 0, -34720],
  [0, 1, 1, 0, -30383],
  [2, 0, 0, -2, 15327],
  [0, 0, 1, 2, -12528],
  [0, 0, 1, -2, 10980],
  [4, 0, -1, 0, 10675],
  [0, 0, 3, 0, 10034],
  [4, 0, -2, 0, 8548],
  [2, 1, -1, 0, -7888],
  [2, 1, 0, 0, -6766],
  [1, 0, -1, 0, -5163],
  [1, 1, 0, 0, 4987],
  [2, -1, 1, 0, 4036],
  [2, 0, 2, 0, 3994],
  [4, 0, 0, 0, 3861],
  [2, 0, -3, 0, 3665],
  [0, 1, -2, 0, -2689],
  [2, 0, -1, 2, -2602],
  [2, -1, -2, 0, 2390],
  [1, 0, 1, 0, -2348],
  [2, -2, 0, 0, 2236],
  [0, 1, 2, 0, -2120],
  [0, 2, 0, 0, -2069],
  [2, -2, -1, 0, 2048],
  [2, 0, 1, -2, -1773],
  [2, 0, 0, 2, -1595],
  [4, -1, -1, 0, 1215],
  [0, 0, 2, 2, -1110],
  [3, 0, -1, 0, -892],
  [2, 1, 1, 0, -810],
  [4, -1, -2, 0, 759],
  [0, 2, -1, 0, -713],
  [2, 2, -1, 0, -700],
  [2, 1, -2, 0, 691],
  [2, -1, 0, -2, 596],
  [4, 0, 1, 0, 549],
  [0, 0, 4, 0, 537],
  [4, -1, 0, 0, 520],
  [1, 0, -2, 0, -487],
  [2, 1, 0, -2, -399],
  [0, 0, 2, -2, -381],
  [1, 1, 1, 0, 351],
  [3, 0, -2, 0, -340],
  [4, 0, -3, 0, 330],
  [2, -1, 2, 0, 327],
  [0, 2, 1, 0, -323],
  [1, 1, -1, 0, 299],
  [2, 0, 3, 0, 294],
];

/** Apparent tropical longitude of the Moon (without nutation, which cancels in the elongation), degrees. */
export function moonLongitude(t: number): number {
  const T = centuries(t);
  const T2 = T * T;
  const T3 = T2 * T;
  const T4 = T3 * T;
  const Lp = 218.3164477 + 481267.88123421 * T - 0.0015786 * T2 + T3 / 538841 - T4 / 65194000;
  const D = (297.8501921 + 445267.1114034 * T - 0.0018819 * T2 + T3 / 545868 - T4 / 113065000) * DEG;
  const M = (357.5291092 + 35999.0502909 * T - 0.0001536 * T2 + T3 / 24490000) * DEG;
  const Mp = (134.9633964 + 477198.8675055 * T + 0.0087414 * T2 + T3 / 69699 - T4 / 14712000) * DEG;
  const F = (93.272095 + 483202.0175233 * T - 0.0036539 * T2 - T3 / 3526000 + T4 / 863310000) * DEG;
  const E = 1 - 0.002516 * T - 0.0000074 * T2;
  let sum = 0;
  for (const [d, m, mp, f, c] of MOON_TERMS) {
    const scale = m === 0 ? 1 : Math.abs(m) === 1 ? E : E * E;
    sum += c * scale * Math.sin(d * D + m * M + mp * Mp + f * F);
  }
  const A1 = (119.75 + 131.849 * T) * DEG;
  const A2 = (53.09 + 479264.29 * T) * DEG;
  sum += 3958 * Math.sin(A1) + 1962 * Math.sin(Lp * DEG - F) + 318 * Math.sin(A2);
  return norm(Lp + sum / 1e6);
}

/** Lahiri ayanamsa, degrees. */
function ayanamsa(t: number): number {
  return 23.85282 + centuries(t) * 1.396971;
}

export function siderealSun(t: number): number {
  return norm(sunLongitude(t) - ayanamsa(t));
}

function siderealMoon(t: number): number {
  return norm(moonLongitude(t) - ayanamsa(t));
}

function elongation(t: number): number {
  return norm(moonLongitude(t) - sunLongitude(t));
}

/** 1…30: 1–15 the bright half (15 = full moon), 16–30 the dark half (30 = new moon). */
export function tithiAt(t: number): number {
  return Math.floor(elongation(t) / 12) + 1;
}

/** The new moon at or before t. */
function previousNewMoon(t: number): number {
  let x = t - (elongation(t) / 12.19) * DAY;
  for (let i = 0; i < 5; i++) {
    let e = elongation(x);
    if (e > 180) e -= 360;
    x -= (e / 12.19) * DAY;
  }
  return x;
}

/**
 * The amanta lunar month t falls in: 1 = Chaitra … 12 = Phalguna, named by the Sun's sidereal sign at the new moon
 * that began it (Sun in Pisces → Chaitra); `adhika` when no ingress happens before the next new moon.
 */
export function lunarMonthAt(t: number): { month: number; adhika: boolean } {
  const start = previousNewMoon(t);
  const next = previousNewMoon(start + 32 * DAY);
  const signStart = Math.floor(siderealSun(start) / 30);
  const signNext = Math.floor(siderealSun(next) / 30);
  return { month: ((signStart + 1) % 12) + 1, adhika: signStart === signNext };
}

interface Place {
  lat: number;
  lon: number;
}
const DELHI: Place = { lat: 28.6139, lon: 77.209 };
const KOCHI: Place = { lat: 9.9312, lon: 76.2673 };

/** Sunrise (or sunset) at a place on the IST calendar day starting at `dayStartIst` (UTC ms of 00:00 IST). */
function sunEvent(dayStartIst: number, place: Place, rising: boolean): number {
  const noonGuess = dayStartIst + 12 * 3_600_000 + IST - (place.lon / 15) * 3_600_000;
  const lambda = sunLongitude(noonGuess) * DEG;
  const eps = 23.4393 * DEG;
  const dec = Math.asin(Math.sin(eps) * Math.sin(lambda));
  // Equation of time from the mean longitude and the right ascension.
  const T = centuries(noonGuess);
  const L0 = norm(280.46646 + 36000.76983 * T);
  const ra = norm(Math.atan2(Math.cos(eps) * Math.sin(lambda), Math.cos(lambda)) / DEG);
  let eot = L0 - 0.0057183 - ra;
  eot = ((eot + 540) % 360) - 180;
  const solarNoonUtc = dayStartIst + IST + (12 - place.lon / 15 - eot / 15) * 3_600_000;
  const lat = place.lat * DEG;
  const cosH = (Math.sin(-0.833 * DEG) - Math.sin(lat) * Math.sin(dec)) / (Math.cos(lat) * Math.cos(dec));
  const H = Math.acos(Math.max(-1, Math.min(1, cosH))) / DEG;
  return solarNoonUtc + ((rising ? -H : H) / 15) * 3_600_000;
}

/** When in the day a festival's tithi must prevail. */
type Moment = 'sunrise' | 'noon' | 'afternoon' | 'sunset' | 'lateDusk' | 'evening' | 'midnight';

function momentOf(dayStartIst: number, moment: Moment, place: Place = DELHI): number {
  switch (moment) {
    case 'sunrise':
      return sunEvent(dayStartIst, place, true) + 5 * 60_000;
    case 'noon':
      return dayStartIst + 12 * 3_600_000;
    case 'afternoon':
      return dayStartIst + 15 * 3_600_000;
    case 'sunset':
      return sunEvent(dayStartIst, place, false) + 45 * 60_000;
    case 'lateDusk':
      return sunEvent(dayStartIst, place, false) + 90 * 60_000;
    case 'evening':
      return dayStartIst + 20 * 3_600_000 + 30 * 60_000;
    case 'midnight':
      return dayStartIst + 24 * 3_600_000 - 60_000;
  }
}

interface TithiRule {
  month: number;
  tithi: number;
  at: Moment;
  /** Gregorian search window [month, day] … [month, day]. */
  from: readonly [number, number];
  to: readonly [number, number];
  /** Days to add to the day found. */
  shift?: number;
}

const TITHI_FESTIVALS = {
  diwali: { month: 7, tithi: 30, at: 'sunset', from: [10, 10], to: [11, 20] },
  dhanteras: { month: 7, tithi: 28, at: 'lateDusk', from: [10, 8], to: [11, 18] },
  narakaChaturdashi: { month: 7, tithi: 29, at: 'sunrise', from: [10, 9], to: [11, 19] },
  govardhanPuja: { month: 8, tithi: 1, at: 'sunrise', from: [10, 11], to: [11, 22] },
  bhaiDooj: { month: 8, tithi: 2, at: 'afternoon', from: [10, 12], to: [11, 23] },
  karvaChauth: { month: 7, tithi: 19, at: 'evening', from: [10, 1], to: [11, 12] },
  holikaDahan: { month: 12, tithi: 15, at: 'sunset', from: [2, 25], to: [4, 5] },
  holi: { month: 12, tithi: 15, at: 'sunset', from: [2, 25], to: [4, 5], shift: 1 },
  janmashtami: { month: 5, tithi: 23, at: 'midnight', from: [8, 1], to: [9, 15] },
  vasantPanchami: { month: 11, tithi: 5, at: 'noon', from: [1, 15], to: [2, 20] },
  mahavirJayanti: { month: 1, tithi: 13, at: 'sunrise', from: [3, 20], to: [4, 30] },
  ugadi: { month: 1, tithi: 1, at: 'sunrise', from: [3, 10], to: [4, 20] },
  ramNavami: { month: 1, tithi: 9, at: 'noon', from: [3, 18], to: [4, 28] },
  hanumanJayanti: { month: 1, tithi: 15, at: 'sunrise', from: [3, 22], to: [5, 2] },
  mahaShivaratri: { month: 11, tithi: 29, at: 'midnight', from: [2, 8], to: [3, 15] },
  rakshaBandhan: { month: 5, tithi: 15, at: 'sunrise', from: [7, 20], to: [8, 31] },
  ganeshChaturthi: { month: 6, tithi: 4, at: 'noon', from: [8, 18], to: [9, 25] },
  navratri: { month: 7, tithi: 1, at: 'sunrise', from: [9, 15], to: [10, 25] },
  dussehra: { month: 7, tithi: 10, at: 'afternoon', from: [9, 24], to: [11, 3] },
  guruNanakJayanti: { month: 8, tithi: 15, at: 'sunrise', from: [10, 25], to: [12, 3] },
  ravidasJayanti: { month: 11, tithi: 15, at: 'sunrise', from: [1, 20], to: [2, 28] },
  valmikiJayanti: { month: 7, tithi: 15, at: 'sunrise', from: [9, 25], to: [11, 2] },
  guruGobindSinghJayanti: { month: 10, tithi: 7, at: 'sunrise', from: [1, 1], to: [12, 31] },
  dayanandaJayanti: { month: 11, tithi: 25, at: 'sunrise', from: [1, 28], to: [3, 10] },
} satisfies Record<string, TithiRule>;

type SolarFestival = 'makarSankranti' | 'vaisakhi' | 'rabindraJayanti' | 'onam';
export type HinduFestival = keyof typeof TITHI_FESTIVALS | SolarFestival;

const cache = new Map<string, Date | null>();

/** 00:00 IST of a Gregorian date, as UTC ms. */
function istMidnight(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) - IST;
}

function tithiFestival(rule: TithiRule, year: number): Date | null {
  const first = istMidnight(year, rule.from[0], rule.from[1]);
  const last = istMidnight(year, rule.to[0], rule.to[1]);
  let previousTithi = 0;
  for (let day = first; day <= last; day += DAY) {
    const at = momentOf(day, rule.at);
    const tithi = tithiAt(at);
    // The tithi prevails at the moment, or it began and ended between two such moments (a skipped tithi).
    const skipped =
      previousTithi !== 0 && previousTithi < rule.tithi && tithi > rule.tithi && tithi - previousTithi <= 2;
    previousTithi = tithi;
    if (tithi !== rule.tithi && !skipped) continue;
    const lunar = lunarMonthAt(at);
    if (lunar.month !== rule.month || lunar.adhika) continue;
    const d = new Date(day + IST);
    return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + (rule.shift ?? 0)));
  }
  return null;
}

/** The IST instant the Sun's sidereal longitude reaches `target` degrees, searched from `from`. */
function ingress(from: number, target: number): number {
  let t = from;
  for (let i = 0; i < 8; i++) {
    let diff = target - siderealSun(t);
    diff = ((diff + 540) % 360) - 180;
    t += (diff / 0.9856) * DAY;
  }
  return t;
}

function istDate(t: number): Date {
  const d = new Date(t + IST);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

function solarFestival(festival: SolarFestival, year: number): Date | null {
  switch (festival) {
    case 'makarSankranti': {
      const t = ingress(istMidnight(year, 1, 14), 270);
      const day = istDate(t);
      // An ingress after sunset is kept the next day.
      const sunset = sunEvent(day.getTime() - IST, DELHI, false);
      return t > sunset ? new Date(day.getTime() + DAY) : day;
    }
    case 'vaisakhi':
      return istDate(ingress(istMidnight(year, 4, 14), 0));
    case 'rabindraJayanti': {
      // 25 Boishakh: the Bengali solar month starts the day after the Sun enters Aries.
      const t = ingress(istMidnight(year, 4, 14), 0);
      return new Date(istDate(t).getTime() + 25 * DAY);
    }
    case 'onam': {
      // Thiruvonam: the Moon in the Shravana asterism (280°–293°20′) after sunrise, in the solar month of Leo.
      for (let day = istMidnight(year, 8, 10); day <= istMidnight(year, 9, 20); day += DAY) {
        const at = sunEvent(day, KOCHI, true) + 2.4 * 3_600_000;
        const sun = siderealSun(at);
        if (sun < 120 || sun >= 150) continue;
        const moon = siderealMoon(at);
        if (moon >= 280 && moon < 293 + 1 / 3) return istDate(at);
      }
      return null;
    }
  }
}

/** The Gregorian date (UTC midnight) of a Hindu festival in a year, or null if it does not fall in it. */
export function hinduFestival(festival: HinduFestival, year: number): Date | null {
  const key = `${festival}:${year}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const rule = (TITHI_FESTIVALS as Record<string, TithiRule>)[festival];
  const date = rule ? tithiFestival(rule, year) : solarFestival(festival as SolarFestival, year);
  cache.set(key, date);
  return date;
}
