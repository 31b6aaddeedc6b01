/**
 * Splits phrases into the model's own BPE pieces (from tokens.txt), for sherpa-onnx hotwords/keywords files. The
 * Node binding cannot encode English text itself without a bpe.vocab the small models do not ship, and a naive
 * greedy merge picks splits the model never produces (measured: 0 keyword hits); the split with the fewest pieces
 * matches what the BPE encoder does for ordinary words.
 */
import { readFile } from 'node:fs/promises';

/** SentencePiece marks a word start with U+2581. */
const WORD_START = '\u2581';

export async function readTokens(path: string): Promise<Set<string>> {
  const text = await readFile(path, 'utf8');
  const pieces = new Set<string>();
  for (const line of text.split('\n')) {
    const piece = line.trim().split(/\s+/)[0];
    if (piece) pieces.add(piece);
  }
  return pieces;
}

/** One word (already uppercased as the model's tokens are) → fewest pieces, or undefined when none covers it. */
export function splitWord(word: string, pieces: ReadonlySet<string>): string[] | undefined {
  const text = WORD_START + word;
  const best: Array<string[] | undefined> = [[]];
  for (let end = 1; end <= text.length; end++) {
    for (let start = 0; start < end; start++) {
      const prefix = best[start];
      const piece = text.slice(start, end);
      if (!prefix || !pieces.has(piece)) continue;
      const candidate = [...prefix, piece];
      const current = best[end];
      if (!current || candidate.length < current.length) best[end] = candidate;
    }
  }
  return best[text.length];
}

/** A phrase → space-separated pieces, or undefined when a word cannot be spelled with the model's pieces. */
export function toPieces(phrase: string, pieces: ReadonlySet<string>): string | undefined {
  const out: string[] = [];
  for (const word of phrase
    .toUpperCase()
    .split(/[^A-Z0-9']+/)
    .filter(Boolean)) {
    const split = splitWord(word, pieces);
    if (!split) return undefined;
    out.push(...split);
  }
  return out.length > 0 ? out.join(' ') : undefined;
}
