/**
 * Phone numbers in running text: Indian mobiles in every way people write or say them (98765 43210, 98-765-43210,
 * +91-9876543210, 09876543210, 0091 9876543210, "nine eight seven…" once normalised), and foreign numbers written with
 * a + or 00 country code. Output is E.164. A bare 10-digit number that is not a valid Indian mobile (an order number,
 * 1234567890) is not a phone; an Indian landline counts only when written with its 0 / 91 / +91 prefix.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { normalisePhone } from '../../core/phone.ts';

export interface FoundPhone {
  e164: string;
  /** Character offsets of the number in the text searched. */
  start: number;
  end: number;
}

/** Digits with the separators people put between groups; "(0)" after a country code is dropped later. */
const CANDIDATE = /(?:\(\s*\+?\d+\s*\)\s*|\+\s?)?\d[\d \-().,]*\d/g;
const GROUP_SPLIT = /[\s\-().,]+/;
const SPOKEN_PLUS = /\bplus\s+(?=\d)/gi;

/** Labels that make a number something other than a phone, unless a phone word comes after them. */
const NOT_A_PHONE_LABEL =
  /\b(?:order|invoice|account|acct|pnr|ticket|booking|reference|ref|transaction|txn|card|aadhaar|aadhar|pan|gst|gstin|ifsc|policy|serial|tracking|otp|pin|id)\b/gi;
const PHONE_WORD = /\b(?:phone|mobile|cell|contact|call|whatsapp|ph|tel|telephone|dial|reach|text|sms)\b/gi;

function lastIndexOf(pattern: RegExp, text: string): number {
  let last = -1;
  for (const m of text.matchAll(pattern)) last = m.index;
  return last;
}

interface Group {
  digits: string;
  start: number;
  end: number;
}

export function findPhones(text: string): FoundPhone[] {
  const source = text.includes('plus') ? text.replace(SPOKEN_PLUS, '+') : text;
  const found: FoundPhone[] = [];
  for (const m of source.matchAll(CANDIDATE)) {
    const start = m.index;
    const raw = m[0];
    const before = source.slice(Math.max(0, start - 40), start);
    const label = lastIndexOf(NOT_A_PHONE_LABEL, before);
    if (label >= 0 && lastIndexOf(PHONE_WORD, before) < label) continue;
    // A number glued to letters on either side ("342-86221d", "P0-001") is a code, not a phone.
    const after = source[start + raw.length];
    const prev = source[start - 1];
    if (
      (after && /[A-Za-z]/.test(after) && !/^x\d/i.test(source.slice(start + raw.length))) ||
      (prev && /[A-Za-z0-9*=]/.test(prev))
    )
      continue;
    found.push(...phonesInCandidate(raw, start));
  }
  return found;
}

/** The longest valid runs of whole digit groups inside one candidate, left to right. */
function phonesInCandidate(raw: string, offset: number): FoundPhone[] {
  const groups: Group[] = [];
  const intlPrefix = /^\(?\s*\+/.test(raw);
  const cleaned = raw.replace(/\(0\)/g, '   ');
  let pos = 0;
  for (const piece of cleaned.split(GROUP_SPLIT)) {
    const at = cleaned.indexOf(piece, pos);
    pos = at + piece.length;
    const digits = piece.replace(/\D/g, '');
    if (digits) groups.push({ digits, start: at, end: at + piece.length });
  }
  const out: FoundPhone[] = [];
  let first = 0;
  while (first < groups.length) {
    let matched = false;
    for (let last = groups.length; last > first; last--) {
      const slice = groups.slice(first, last);
      const digits = slice.map((g) => g.digits).join('');
      if (digits.length < 7 || digits.length > 15) continue;
      const e164 = validate(digits, intlPrefix && first === 0);
      if (e164) {
        out.push({ e164, start: offset + slice[0]!.start, end: offset + slice[slice.length - 1]!.end });
        first = last;
        matched = true;
        break;
      }
    }
    if (!matched) first++;
  }
  return out;
}

function validate(digits: string, plus: boolean): string | null {
  if (plus || digits.startsWith('00')) {
    const intl = plus ? `+${digits}` : `+${digits.slice(2)}`;
    return normalisePhone(intl)?.e164 ?? null;
  }
  const phone = normalisePhone(digits, 'IN');
  if (phone?.country !== 'IN') return null;
  // Ten digits starting 6–9 is an Indian mobile as people say it; libphonenumber files some such prefixes as
  // landlines dialled without their 0 (80… Bengaluru, 79… Ahmedabad), which no one says without the 0.
  if (/^[6-9]\d{9}$/.test(phone.national)) return phone.e164;
  const type = parsePhoneNumberFromString(digits, 'IN')?.getType();
  if (type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE') return phone.e164;
  // A landline or service number is only taken with its trunk or country prefix written out.
  if (digits.startsWith('0') || (digits.startsWith('91') && digits.length === 12)) return phone.e164;
  return null;
}

/** Every phone number in the text, E.164, in order of appearance. */
export function extractPhones(text: string): string[] {
  return findPhones(text).map((p) => p.e164);
}
