/**
 * Keypad input as a turn: digits are collected until `#` (or a pause) and handed over as one text turn ("9876543210"),
 * the way a phone menu reads an account or phone number. `*` starts the entry again.
 */

export interface DtmfOptions {
  onDigits: (digits: string) => void;
  /** Silence after the last key that ends the entry (default 2 s). */
  pauseMs?: number;
  /** Longer entries are cut here (default 32). */
  maxDigits?: number;
}

export class DtmfCollector {
  readonly #onDigits: (digits: string) => void;
  readonly #pauseMs: number;
  readonly #maxDigits: number;
  #digits = '';
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: DtmfOptions) {
    this.#onDigits = options.onDigits;
    this.#pauseMs = options.pauseMs ?? 2000;
    this.#maxDigits = options.maxDigits ?? 32;
  }

  press(key: string): void {
    this.#cancelTimer();
    if (key === '#') {
      this.#submit();
      return;
    }
    if (key === '*') {
      this.#digits = '';
      return;
    }
    if (this.#digits.length < this.#maxDigits) this.#digits += key;
    this.#timer = setTimeout(() => this.#submit(), this.#pauseMs);
    this.#timer.unref?.();
  }

  stop(): void {
    this.#cancelTimer();
    this.#digits = '';
  }

  #submit(): void {
    this.#cancelTimer();
    const digits = this.#digits;
    this.#digits = '';
    if (digits) this.#onDigits(digits);
  }

  #cancelTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
