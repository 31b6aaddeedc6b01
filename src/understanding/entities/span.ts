/**
 * The text extractors read, with the parts already taken by an earlier extractor blanked out (same length, so
 * offsets stay valid): once "john@example.com" is an e-mail, "john" is not looked at again as a person.
 */
export class MaskedText {
  readonly original: string;
  #masked: string;

  constructor(text: string) {
    this.original = text;
    this.#masked = text;
  }

  get text(): string {
    return this.#masked;
  }

  /** Blank out [start, end). */
  take(start: number, end: number): void {
    if (end <= start) return;
    this.#masked = this.#masked.slice(0, start) + ' '.repeat(end - start) + this.#masked.slice(end);
  }
}
