/**
 * The last second or so of caller audio, kept while the recogniser is not being fed. VAD start detection lags the
 * real start of speech (minimum speech run, model look-ahead: ~350 ms for Silero), so when speech starts the session
 * replays the audio from a little before the start the VAD reports, and the first syllables are not lost. One preallocated buffer: writing a frame allocates nothing.
 */
export class PreRoll {
  readonly #ring: Int16Array;
  /** Next write position. */
  #at = 0;
  /** Samples held (≤ capacity). */
  #held = 0;

  constructor(capacitySamples: number) {
    this.#ring = new Int16Array(Math.max(1, capacitySamples));
  }

  get held(): number {
    return this.#held;
  }

  write(frame: Int16Array): void {
    const ring = this.#ring;
    // A frame longer than the ring: only its tail fits.
    const src = frame.length > ring.length ? frame.subarray(frame.length - ring.length) : frame;
    const first = Math.min(src.length, ring.length - this.#at);
    ring.set(src.subarray(0, first), this.#at);
    if (first < src.length) ring.set(src.subarray(first), 0);
    this.#at = (this.#at + src.length) % ring.length;
    this.#held = Math.min(ring.length, this.#held + src.length);
  }

  /**
   * Hands the newest `samples` held (all, if fewer), oldest first, to `sink` in at most two views of the ring, then
   * forgets everything held. The views are valid until the next `write`.
   */
  drain(samples: number, sink: (samples: Int16Array) => void): void {
    const ring = this.#ring;
    const count = Math.max(0, Math.min(this.#held, Math.floor(samples)));
    const start = (this.#at - count + ring.length) % ring.length;
    const first = Math.min(count, ring.length - start);
    if (first > 0) sink(ring.subarray(start, start + first));
    if (first < count) sink(ring.subarray(0, count - first));
    this.clear();
  }

  clear(): void {
    this.#held = 0;
  }
}
