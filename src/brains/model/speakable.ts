/**
 * A model's reply made safe to speak, whatever the model did with the instruction: a lead id becomes its short
 * spelled reference, an ISO time becomes words in the organisation's zone, a phone number is said digit by digit,
 * and markdown marks that a voice would read out are dropped. Replies that already follow the rules pass unchanged.
 */
import { speakDate, speakDateTime, speakDigits, speakLeadRef, speakPhone } from '../local/speech.ts';

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})/g;
const ISO_DATE = /\b\d{4}-\d{2}-\d{2}\b/g;
const DIGIT_RUN = /\+?\d[\d -]{4,}\d/g;

export function speakable(text: string, timeZone: string, now: Date): string {
  return text
    .replace(UUID, (id) => speakLeadRef(id))
    .replace(ISO_INSTANT, (iso) => speakDateTime(iso, timeZone, now))
    .replace(ISO_DATE, (ymd) => speakDate(ymd, now, timeZone))
    .replace(DIGIT_RUN, (run) => {
      const digits = run.replace(/\D/g, '');
      if (digits.length < 6) return run; // amounts, years and times stay as they are
      if (run.startsWith('+')) return speakPhone(`+${digits}`);
      return digits.length === 10 ? speakPhone(`+91${digits}`) : speakDigits(digits);
    })
    .replace(/\*\*|__|`/g, '')
    .replace(/^\s*[-*#]+\s+/gm, '')
    .trim();
}
