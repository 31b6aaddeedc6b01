/**
 * Turns an utterance into a sparse, hashed feature vector for the intent classifier. Training and inference share
 * this one function, so any change here must bump FEATURE_VERSION and retrain (`npm run train`).
 *
 * Features: word unigrams, word bigrams (with start/end markers), character 3–5-grams inside each padded word, and
 * a coarse length bucket (dialogue acts are short). Identifiers that carry no intent (emails, uuids, ISO instants,
 * phone numbers, digits) are folded into shape tokens first so the model learns "a phone number", not "9876543210".
 */

export const FEATURE_VERSION = 1;

/** A sparse vector; indices may repeat (repeats add up), which keeps featurising allocation-light. */
export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
  length: number;
}

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[a-z]{2,}/giu;
const SPOKEN_EMAIL = /\b[a-z0-9.]+ (?:at the rate|at) [a-z0-9]+ dot (?:com|in|org|net|co)\b/g;
const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?/gi;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
/** A hex id prefix such as `a1b2c3d4`: mixed letters and digits, at least 6 characters. */
const HEX_ID = /\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{6,}\b/gi;
const PHONE = /\+?\d[\d\s().-]{6,}\d/g;
const DIGIT = /\d/g;
const NON_WORD = /[^\p{L}\p{N}]+/gu;

/** Lowercase, fold identifiers into shape tokens, drop apostrophes ("what's" → "whats"), keep letters and digits. */
export function canonicalise(text: string): string {
  return text
    .toLowerCase()
    .replace(EMAIL, ' xemailx ')
    .replace(SPOKEN_EMAIL, ' xemailx ')
    .replace(UUID, ' xuuidx ')
    .replace(ISO_INSTANT, ' xinstantx ')
    .replace(HEX_ID, ' xidx ')
    .replace(PHONE, ' xphonex ')
    .replace(DIGIT, '0')
    .replace(/['’‘`]/g, '')
    .replace(NON_WORD, ' ')
    .trim();
}

// FNV-1a, 32-bit, over UTF-16 code units; each feature family starts from its own seed so families never collide
// systematically.
const FNV_PRIME = 0x01000193;
const SEED_WORD = 0x811c9dc5;
const SEED_BIGRAM = 0x050c5d1f;
const SEED_CHAR = 0x2a3b4c5d;
const SEED_LENGTH = 0x1234567;
const BOUNDARY = 0x2502; // a code unit that canonical text never contains

function hashRange(s: string, start: number, end: number, seed: number): number {
  let h = seed;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

function mix(h: number, code: number): number {
  return Math.imul(h ^ code, FNV_PRIME) >>> 0;
}

/** Relative weights of the feature families, before the whole vector is scaled to unit length. */
const WEIGHT_WORD = 1;
const WEIGHT_BIGRAM = 0.8;
const WEIGHT_CHAR = 0.3;
const WEIGHT_LENGTH = 1;

function lengthBucket(words: number): number {
  if (words <= 1) return 1;
  if (words === 2) return 2;
  if (words <= 4) return 3;
  if (words <= 8) return 4;
  if (words <= 16) return 5;
  return 6;
}

export class Featuriser {
  readonly dim: number;
  private readonly mask: number;
  private indices = new Int32Array(512);
  private values = new Float32Array(512);
  private n = 0;

  constructor(dim: number) {
    if ((dim & (dim - 1)) !== 0) throw new Error('feature dimension must be a power of two');
    this.dim = dim;
    this.mask = dim - 1;
  }

  private push(hash: number, value: number): void {
    if (this.n === this.indices.length) {
      const indices = new Int32Array(this.n * 2);
      indices.set(this.indices);
      const values = new Float32Array(this.n * 2);
      values.set(this.values);
      this.indices = indices;
      this.values = values;
    }
    this.indices[this.n] = hash & this.mask;
    this.values[this.n] = value;
    this.n++;
  }

  /**
   * Featurises canonical text (see `canonicalise`). The returned vector views internal buffers that the next call
   * overwrites; copy it (`copyVector`) to keep it.
   */
  featurise(canonical: string): SparseVector {
    this.n = 0;
    // Word boundaries in the canonical text (single spaces between words).
    const s = canonical;
    const starts: number[] = [];
    const ends: number[] = [];
    let i = 0;
    while (i < s.length) {
      while (i < s.length && s.charCodeAt(i) === 32) i++;
      if (i >= s.length) break;
      const start = i;
      while (i < s.length && s.charCodeAt(i) !== 32) i++;
      starts.push(start);
      ends.push(i);
    }
    const words = starts.length;
    let prev = mix(SEED_BIGRAM, BOUNDARY);
    for (let w = 0; w < words; w++) {
      const a = starts[w]!;
      const b = ends[w]!;
      this.push(hashRange(s, a, b, SEED_WORD), WEIGHT_WORD);
      // Bigram: previous word (or the start marker), a boundary, this word.
      this.push(hashRange(s, a, b, mix(prev, BOUNDARY)), WEIGHT_BIGRAM);
      prev = hashRange(s, a, b, SEED_BIGRAM);
      // Character n-grams of the word padded with a boundary on each side.
      const len = b - a + 2;
      for (let n = 3; n <= 5; n++) {
        for (let p = 0; p + n <= len; p++) {
          let h = SEED_CHAR ^ n;
          for (let q = p; q < p + n; q++) {
            const code = q === 0 || q === len - 1 ? BOUNDARY : s.charCodeAt(a + q - 1);
            h = Math.imul(h ^ code, FNV_PRIME);
          }
          this.push(h >>> 0, WEIGHT_CHAR);
        }
      }
    }
    if (words > 0) this.push(mix(prev, BOUNDARY), WEIGHT_BIGRAM);
    this.push(mix(SEED_LENGTH, lengthBucket(words)), WEIGHT_LENGTH);

    let norm = 0;
    for (let k = 0; k < this.n; k++) norm += this.values[k]! * this.values[k]!;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let k = 0; k < this.n; k++) this.values[k] = this.values[k]! * scale;
    return { indices: this.indices, values: this.values, length: this.n };
  }
}

export function copyVector(v: SparseVector): SparseVector {
  return { indices: v.indices.slice(0, v.length), values: v.values.slice(0, v.length), length: v.length };
}
