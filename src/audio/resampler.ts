/**
 * Streaming sample-rate conversion between exact rational rates (8, 16, 24, 48 kHz and any pair whose ratio reduces
 * to small integers) with a polyphase windowed-sinc FIR low-pass.
 *
 * One filter, designed at the common rate L·fin (L/M = fout/fin in lowest terms), does both jobs: it removes the
 * images that upsampling by L creates and the content above the output's Nyquist that decimating by M would alias.
 * Only the taps that meet non-zero input are evaluated (the polyphase trick), so the cost is about
 * taps/L multiply-adds per output sample.
 *
 * Each Resampler is one stream: it keeps the last input samples and its output phase between calls, so 20 ms frames
 * come out sample-identical to converting the whole recording at once (no clicks at frame boundaries). The filter is
 * linear phase; its delay is `delaySeconds`.
 *
 * Why not an npm library: the well-known ones are either linear/cubic interpolators with no anti-alias filter
 * (aliasing is exactly what 24→8 kHz for Twilio must avoid) or wrap libsamplerate/speex natively. sherpa-onnx's
 * `LinearResampler` is linear interpolation too. A 150-line FIR meets the attenuation targets and runs hundreds of
 * times faster than real time (see bench/audio.ts).
 */

export interface ResamplerOptions {
  /** Stop-band attenuation the Kaiser window aims for, in dB (default 60). */
  stopbandDb?: number;
  /**
   * Width of the transition band as a fraction of the lower Nyquist frequency (default 0.15: for 16→8 kHz the
   * pass band ends at 3.4 kHz, the telephone band edge, and the stop band starts at 4 kHz).
   */
  transition?: number;
}

const designCache = new Map<string, Float32Array>();

export class Resampler {
  readonly inputRate: number;
  readonly outputRate: number;
  /** Upsampling factor L and decimation factor M (fout/fin = L/M in lowest terms). */
  readonly up: number;
  readonly down: number;
  /** Taps per polyphase branch. */
  readonly tapsPerPhase: number;
  /** Group delay of the filter, in seconds of output. */
  readonly delaySeconds: number;

  /** coefficients[p * K + k] = h[p + k·L] · L: branch p, tap k (against input x[i − k]). */
  private readonly coefficients: Float32Array;
  /** Last K−1 input samples followed by the current chunk. */
  private buffer: Float32Array;
  /** Position of the next output sample, in units of 1/L input sample, relative to the current chunk's start. */
  private nextPosition = 0;

  constructor(inputRate: number, outputRate: number, options: ResamplerOptions = {}) {
    if (!Number.isInteger(inputRate) || !Number.isInteger(outputRate) || inputRate <= 0 || outputRate <= 0) {
      throw new RangeError(`sample rates must be positive integers, got ${inputRate} → ${outputRate}`);
    }
    const g = gcd(inputRate, outputRate);
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    this.up = outputRate / g;
    this.down = inputRate / g;
    if (this.up > 64 || this.down > 64) {
      throw new RangeError(
        `${inputRate} → ${outputRate} Hz needs a ${this.up}/${this.down} filter bank; too large`,
      );
    }
    const stopbandDb = options.stopbandDb ?? 60;
    const transition = options.transition ?? 0.15;
    const key = `${this.up}/${this.down}/${stopbandDb}/${transition}`;
    let prototype = designCache.get(key);
    if (!prototype) {
      prototype = designLowPass(this.up, this.down, stopbandDb, transition);
      designCache.set(key, prototype);
    }
    const L = this.up;
    const K = Math.ceil(prototype.length / L);
    this.tapsPerPhase = K;
    this.coefficients = new Float32Array(L * K);
    for (let p = 0; p < L; p++) {
      for (let k = 0; k < K; k++) this.coefficients[p * K + k] = (prototype[p + k * L] ?? 0) * L;
    }
    this.delaySeconds = (prototype.length - 1) / 2 / (inputRate * L);
    this.buffer = new Float32Array(K - 1 + 4096);
  }

  /** Output samples that `inputSamples` more input will produce (exact, given the current phase). */
  outputLength(inputSamples: number): number {
    const limit = inputSamples * this.up; // positions below this have their input sample available
    return this.nextPosition >= limit ? 0 : Math.ceil((limit - this.nextPosition) / this.down);
  }

  /**
   * Converts one chunk. Writes into `out` when it is given and long enough (see `outputLength`), else allocates;
   * returns the written part.
   */
  process(input: Int16Array, out?: Int16Array): Int16Array {
    const L = this.up;
    const M = this.down;
    const K = this.tapsPerPhase;
    const history = K - 1;
    const count = this.outputLength(input.length);
    const target = out && out.length >= count ? out.subarray(0, count) : new Int16Array(count);

    if (this.buffer.length < history + input.length) {
      const grown = new Float32Array(history + input.length);
      grown.set(this.buffer.subarray(0, history));
      this.buffer = grown;
    }
    const buf = this.buffer;
    for (let i = 0; i < input.length; i++) buf[history + i] = input[i]!;

    const coefficients = this.coefficients;
    let position = this.nextPosition;
    for (let n = 0; n < count; n++) {
      const i = Math.floor(position / L);
      const phase = position - i * L;
      const base = phase * K;
      // x[i − k] lives at buf[history + i − k]
      let j = history + i;
      let sum = 0;
      for (let k = 0; k < K; k++, j--) sum += coefficients[base + k]! * buf[j]!;
      const v = Math.round(sum);
      target[n] = Math.min(32767, Math.max(-32768, v));
      position += M;
    }
    this.nextPosition = position - input.length * L;
    // Keep the last K−1 samples (of history + chunk) as the next call's history.
    buf.copyWithin(0, input.length, input.length + history);
    return target;
  }

  /** The output still inside the filter: feeds silence through it so the last real samples come out. */
  flush(): Int16Array {
    const pad = Math.ceil(this.tapsPerPhase / 2) + 1;
    return this.process(new Int16Array(pad));
  }

  /** Forgets the stream (new call, or after barge-in when the old audio must not ring into the new). */
  reset(): void {
    this.buffer.fill(0);
    this.nextPosition = 0;
  }
}

/** Converts a whole recording in one call (same filter, same samples as streaming it in frames). */
export function resample(
  samples: Int16Array,
  inputRate: number,
  outputRate: number,
  options?: ResamplerOptions,
): Int16Array {
  if (inputRate === outputRate) return samples.slice();
  return new Resampler(inputRate, outputRate, options).process(samples);
}

/**
 * Kaiser-windowed sinc low-pass at the rate L·fin, cut off halfway through the transition band that ends at the
 * lower of the two Nyquist frequencies.
 */
function designLowPass(L: number, M: number, stopbandDb: number, transition: number): Float32Array {
  // Frequencies as fractions of the design rate L·fin; the lower Nyquist is 1/(2·max(L, M)).
  const nyquist = 1 / (2 * Math.max(L, M));
  const width = transition * nyquist;
  const cutoff = nyquist - width / 2;
  const beta =
    stopbandDb > 50
      ? 0.1102 * (stopbandDb - 8.7)
      : stopbandDb >= 21
        ? 0.5842 * (stopbandDb - 21) ** 0.4 + 0.07886 * (stopbandDb - 21)
        : 0;
  // Kaiser's length estimate; odd so the filter has a centre tap.
  let taps = Math.ceil((stopbandDb - 7.95) / (2.285 * 2 * Math.PI * width)) + 1;
  if (taps % 2 === 0) taps++;
  const h = new Float32Array(taps);
  const centre = (taps - 1) / 2;
  const i0Beta = besselI0(beta);
  let sum = 0;
  const values = new Float64Array(taps);
  for (let n = 0; n < taps; n++) {
    const t = n - centre;
    const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
    const r = t / centre;
    const window = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
    values[n] = sinc * window;
    sum += values[n]!;
  }
  // Unity gain at DC for each polyphase branch on average (the ·L in the coefficients restores level).
  for (let n = 0; n < taps; n++) h[n] = values[n]! / sum;
  return h;
}

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
