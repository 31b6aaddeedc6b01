/** Word error rate: (substitutions + deletions + insertions) / reference words, on lowercased, unpunctuated text. */

export function normaliseForWer(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** Word-level Levenshtein distance. */
export function wordErrors(reference: readonly string[], hypothesis: readonly string[]): number {
  let previous = Array.from({ length: hypothesis.length + 1 }, (_, j) => j);
  for (let i = 1; i <= reference.length; i++) {
    const current = [i];
    for (let j = 1; j <= hypothesis.length; j++) {
      const same = reference[i - 1] === hypothesis[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + same);
    }
    previous = current;
  }
  return previous[hypothesis.length]!;
}

/** Corpus WER over pairs: total errors / total reference words (not the mean of per-sentence rates). */
export function corpusWer(pairs: ReadonlyArray<{ reference: string; hypothesis: string }>): number {
  let errors = 0;
  let words = 0;
  for (const { reference, hypothesis } of pairs) {
    const ref = normaliseForWer(reference);
    errors += wordErrors(ref, normaliseForWer(hypothesis));
    words += ref.length;
  }
  return words === 0 ? 0 : errors / words;
}
