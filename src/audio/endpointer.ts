/**
 * End of the caller's turn: VAD silence long enough, where "long enough" depends on what was said so far.
 *
 * People pause mid-entity: "my number is nine eight seven… six five…", "on the twenty… fifth", "my name is… Rohan",
 * "rohan at gmail dot… com". Answering after the usual short silence cuts them off, so while the words so far
 * look unfinished the endpointer waits longer (default 1.5 s instead of 0.3 s). The check is a hook,
 * `isLikelyIncomplete`, with a cheap built-in heuristic; an STT or brain with a better idea can replace it.
 *
 * The endpointer owns no timer: the session feeds it VAD events and partial transcripts, asks `deadlineMs()` when to
 * look again, and calls `poll(now)`. Times are the VAD's stream milliseconds.
 */
import { DIGIT_WORDS, TENS_WORDS, UNIT_WORDS } from '../core/number-words.ts';
import type { VadEvent } from './vad.ts';

export interface EndpointerOptions {
  /**
   * Silence that ends a turn whose words look finished (default 300 ms: the caller feels everything added here, and
   * the entity-aware wait below is what keeps dictation safe, not a long base silence).
   */
  silenceMs?: number;
  /** Silence that ends a turn whose words look unfinished (default 1500 ms). */
  incompleteSilenceMs?: number;
  /** Whether the transcript so far probably stops mid-phrase (default: `isLikelyIncomplete`). */
  isLikelyIncomplete?: (partialTranscript: string) => boolean;
}

export interface EndOfTurn {
  /** When the turn was declared over. */
  atMs: number;
  /** Where the caller's speech stopped. */
  speechEndMs: number;
  /** The silence waited for: `silenceMs` or `incompleteSilenceMs`. */
  silenceMs: number;
  transcript: string;
  /** True when the longer wait applied because the words looked unfinished. */
  waitedForMore: boolean;
}

export class Endpointer {
  private readonly silenceMs: number;
  private readonly incompleteSilenceMs: number;
  private readonly incomplete: (partialTranscript: string) => boolean;
  private speaking = false;
  private heardSpeech = false;
  private speechEndMs: number | null = null;
  private transcript = '';
  private transcriptIncomplete = false;

  constructor(options: EndpointerOptions = {}) {
    this.silenceMs = options.silenceMs ?? 300;
    this.incompleteSilenceMs = options.incompleteSilenceMs ?? 1500;
    this.incomplete = options.isLikelyIncomplete ?? isLikelyIncomplete;
  }

  /** Feed every VAD event of the caller's audio. */
  onVad(event: VadEvent): void {
    if (event.type === 'speech-start') {
      this.speaking = true;
      this.heardSpeech = true;
      this.speechEndMs = null;
    } else {
      this.speaking = false;
      this.speechEndMs = event.endMs;
    }
  }

  /**
   * A more precise end of the speech that just ended (the energy detector ends to the frame; Silero's end carries
   * ~100 ms of model hangover). Only ever moves the end earlier, and only while the caller is silent.
   */
  refineSpeechEnd(endMs: number): void {
    if (this.speaking || this.speechEndMs === null || endMs >= this.speechEndMs) return;
    this.speechEndMs = endMs;
  }

  /** The whole transcript of the turn so far (each partial replaces the previous one). */
  onTranscript(partialTranscript: string): void {
    this.transcript = partialTranscript;
    this.transcriptIncomplete = this.incomplete(partialTranscript);
  }

  /** The silence the current words call for. */
  currentSilenceMs(): number {
    return this.transcriptIncomplete ? this.incompleteSilenceMs : this.silenceMs;
  }

  /** When the turn ends if nothing else is heard; null while the caller speaks or before any speech. */
  deadlineMs(): number | null {
    if (this.speaking || !this.heardSpeech || this.speechEndMs === null) return null;
    return this.speechEndMs + this.currentSilenceMs();
  }

  /** The end of the turn, once, when its deadline has passed; the endpointer is then ready for the next turn. */
  poll(nowMs: number): EndOfTurn | null {
    const deadline = this.deadlineMs();
    if (deadline === null || nowMs < deadline) return null;
    const turn: EndOfTurn = {
      atMs: nowMs,
      speechEndMs: this.speechEndMs!,
      silenceMs: this.currentSilenceMs(),
      transcript: this.transcript,
      waitedForMore: this.transcriptIncomplete,
    };
    this.reset();
    return turn;
  }

  reset(): void {
    this.speaking = false;
    this.heardSpeech = false;
    this.speechEndMs = null;
    this.transcript = '';
    this.transcriptIncomplete = false;
  }
}

/** Digit words as callers say them, with 'oh' and 'o' for zero. */
const SPOKEN_DIGITS = new Set([...DIGIT_WORDS, 'oh', 'o']);
const REPEATERS: Record<string, number> = { double: 1, triple: 2 };
/** Number words that expect more after them ("twenty…", "two hundred…"); "ten" or "fifteen" can finish a time. */
const OPEN_NUMBER_WORDS = new Set([
  ...UNIT_WORDS.slice(10),
  ...TENS_WORDS.slice(2),
  'hundred',
  'thousand',
  'lakh',
  'lakhs',
  'crore',
]);
/** Words a finished sentence rarely ends with: prepositions, conjunctions, determiners, the glue of names/e-mails. */
const OPEN_ENDINGS = new Set([
  // prepositions
  'at',
  'on',
  'in',
  'to',
  'for',
  'from',
  'with',
  'by',
  'of',
  'about',
  'after',
  'before',
  'between',
  'until',
  'till',
  'into',
  'via',
  'around',
  // conjunctions
  'and',
  'or',
  'but',
  'because',
  'if',
  'then',
  'so',
  // determiners and possessives
  'a',
  'an',
  'the',
  'my',
  'his',
  'her',
  'their',
  'our',
  'your',
  'this',
  'that',
  'next',
  'is',
  'was',
  'are',
  'named',
  'called',
  // dictation glue
  'dot',
  'underscore',
  'dash',
  'hyphen',
  'plus',
  'point',
  // hesitations
  'um',
  'uh',
  'er',
  'erm',
  'hmm',
  'like',
]);
/** Words after which a single digit probably starts a number (a phone number, a time). */
const NUMBER_CUES = new Set([
  'number',
  'phone',
  'mobile',
  'contact',
  'whatsapp',
  'is',
  'at',
  'on',
  'dial',
  'plus',
  'no',
]);
const MAIL_HOSTS =
  /\b(at|@)\s*(gmail|yahoo|hotmail|outlook|rediffmail|rediff|icloud|protonmail|live|aol|zoho)\s*$/;

/**
 * Built-in guess whether a transcript stops in the middle of something: a digit run shorter than a phone number
 * (10 digits; a single digit only after a number cue such as "is" or "at"), a trailing number word that expects more ("on the twenty"), a trailing preposition/conjunction/
 * determiner ("my name is", "at gmail dot"), or an e-mail host without its domain ("at gmail").
 */
export function isLikelyIncomplete(partialTranscript: string): boolean {
  const text = partialTranscript
    .toLowerCase()
    .replace(/[^\p{L}\p{N}@\s]+/gu, ' ')
    .trim();
  if (!text) return false;
  const words = text.split(/\s+/);
  const digits = trailingDigitCount(words);
  // One digit alone is weak evidence: small recognisers hear "five" or "one" in the tail of ordinary words ("status
  // to qualified" → "…while i five"). It counts only after a word that introduces a number ("is five", "at nine").
  if (digits > 1 || (digits === 1 && NUMBER_CUES.has(words.at(-2) ?? ''))) return digits < 10;
  if (MAIL_HOSTS.test(text) || text.endsWith('@')) return true;
  const last = words.at(-1)!;
  return OPEN_NUMBER_WORDS.has(last) || OPEN_ENDINGS.has(last);
}

/** Digits said at the end: "98 76" → 4, "nine eight double seven" → 4. */
function trailingDigitCount(words: string[]): number {
  let count = 0;
  for (let i = words.length - 1; i >= 0; i--) {
    const word = words[i]!;
    if (/^\d+$/.test(word)) count += word.length;
    else if (SPOKEN_DIGITS.has(word)) count += 1;
    else if (word in REPEATERS && count > 0) count += REPEATERS[word]!;
    else break;
  }
  return count;
}
