/**
 * Text-to-speech, engine-neutral. `synthesize` yields PCM16 chunks sentence by sentence, so playback starts after
 * the first sentence rather than the whole reply, and an AbortSignal (barge-in: the caller started talking) stops
 * synthesis between chunks and kills any engine process at once. An aborted synthesis ends quietly: the iterator
 * simply finishes, since being interrupted is the normal course of a conversation, not an error.
 */

export interface SynthesisChunk {
  /** Mono PCM16 at `sampleRate`. */
  samples: Int16Array;
  sampleRate: number;
  /** Which sentence of the text this audio belongs to (0-based), for captions and barge-in bookkeeping. */
  sentenceIndex: number;
  sentence: string;
}

export interface SynthesizeOptions {
  signal?: AbortSignal;
}

export interface SpeechSynthesizer {
  /** Engine and voice, e.g. `espeak-wasm:en-us`, `festival:cmu_us_slt_arctic_hts`. */
  readonly name: string;
  /** Every chunk this synthesizer yields is at this rate. */
  readonly sampleRate: number;
  synthesize(text: string, options?: SynthesizeOptions): AsyncIterable<SynthesisChunk>;
}

/**
 * Splits a reply into sentences at . ! ? ; and line breaks. Decimal points and single-letter initials ("A. Verma")
 * do not end a sentence. Very long sentences are cut at commas so the first audio never waits on a paragraph.
 */
export function splitSentences(text: string, maxChars = 180): string[] {
  const parts: string[] = [];
  const pattern = /[^.!?;\n]*(?:[.!?;]+|\n|$)/g;
  let pending = '';
  for (const match of text.matchAll(pattern)) {
    const piece = match[0];
    if (!piece) continue;
    pending += piece;
    const trimmed = pending.trim();
    // "3.5", "A." (an initial), "Dr." inside a sentence: keep going.
    if (/\d\.$/.test(trimmed) && /^\d/.test(text.slice((match.index ?? 0) + piece.length))) continue;
    if (/(^|\s)([A-Z]|Dr|Mr|Mrs|Ms|St)\.$/.test(trimmed)) continue;
    if (trimmed) parts.push(trimmed);
    pending = '';
  }
  if (pending.trim()) parts.push(pending.trim());
  return parts.flatMap((s) => (s.length <= maxChars ? [s] : splitAtCommas(s, maxChars)));
}

function splitAtCommas(sentence: string, maxChars: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const clause of sentence.split(/(?<=,)\s+/)) {
    if (current && current.length + clause.length + 1 > maxChars) {
      out.push(current);
      current = clause;
    } else current = current ? `${current} ${clause}` : clause;
  }
  if (current) out.push(current);
  return out;
}

/** Float32 [-1, 1] → PCM16 with clipping. */
export function floatToPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]!));
    out[i] = s < 0 ? Math.round(s * 32768) : Math.round(s * 32767);
  }
  return out;
}

/** Yields to the event loop, so an abort from a timer or socket can land between two synchronous engine calls. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
