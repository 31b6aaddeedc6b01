/**
 * PCM16 frames: signed 16-bit little-endian mono samples, the one format every channel speaks inside Rooman
 * (browser 16/24 kHz, Twilio after µ-law decoding at 8 kHz, Gemini Live 16 kHz in / 24 kHz out).
 *
 * Samples are handled as `Int16Array` views over the bytes that arrived, never copied when the bytes allow it: an
 * Int16Array needs an even byte offset and a little-endian machine (every platform Node supports today is LE; the
 * big-endian branch stays so a port cannot silently swap bytes).
 */

/** The audio rates Rooman moves between. */
export type SampleRate = 8000 | 16000 | 24000 | 48000;

export const BYTES_PER_SAMPLE = 2;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Samples in `ms` milliseconds at `sampleRate` (20 ms at 8 kHz = 160). */
export function samplesPerFrame(sampleRate: number, ms: number): number {
  const n = (sampleRate * ms) / 1000;
  if (!Number.isInteger(n) || n <= 0) {
    throw new RangeError(`${ms} ms at ${sampleRate} Hz is not a whole number of samples`);
  }
  return n;
}

/** PCM16 bytes in `ms` milliseconds at `sampleRate` (20 ms at 16 kHz = 640). */
export const bytesPerFrame = (sampleRate: number, ms: number): number =>
  samplesPerFrame(sampleRate, ms) * BYTES_PER_SAMPLE;

/** Duration of `samples` samples in milliseconds. */
export const durationMs = (samples: number, sampleRate: number): number => (samples * 1000) / sampleRate;

/**
 * The PCM16LE bytes as samples. A view (no copy) when the bytes are 2-byte aligned on a little-endian host, else a
 * copy. An odd trailing byte is an error here: use a FrameChunker for streams that split samples across chunks.
 */
export function pcm16FromBytes(bytes: Uint8Array): Int16Array {
  if (bytes.byteLength % BYTES_PER_SAMPLE !== 0) {
    throw new RangeError(`PCM16 needs an even number of bytes, got ${bytes.byteLength}`);
  }
  const count = bytes.byteLength / BYTES_PER_SAMPLE;
  if (LITTLE_ENDIAN_HOST && bytes.byteOffset % BYTES_PER_SAMPLE === 0) {
    return new Int16Array(bytes.buffer, bytes.byteOffset, count);
  }
  const out = new Int16Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

/** The samples as PCM16LE bytes: a view over the same memory on little-endian hosts (Buffer, for sockets). */
export function pcm16ToBytes(samples: Int16Array): Buffer {
  if (LITTLE_ENDIAN_HOST) return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, i * 2);
  return out;
}

/** Int16 → float in [-1, 1), the format ONNX models take. Writes into `out` when given (hot paths reuse one). */
export function int16ToFloat32(samples: Int16Array, out = new Float32Array(samples.length)): Float32Array {
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / 32768;
  return out;
}

/** Float in [-1, 1] → Int16, rounded and clipped. */
export function float32ToInt16(samples: Float32Array, out = new Int16Array(samples.length)): Int16Array {
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round(samples[i]! * 32768);
    out[i] = Math.min(32767, Math.max(-32768, v));
  }
  return out;
}

/** Root mean square of the samples in dBFS (full-scale sine ≈ −3 dBFS; digital silence = −Infinity). */
export function rmsDbfs(samples: Int16Array): number {
  if (samples.length === 0) return Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    sum += s * s;
  }
  return 20 * Math.log10(Math.sqrt(sum / samples.length) / 32768);
}

/** Downmixes interleaved stereo to mono by averaging the two channels. */
export function stereoToMono(interleaved: Int16Array): Int16Array {
  const out = new Int16Array(interleaved.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = (interleaved[2 * i]! + interleaved[2 * i + 1]!) >> 1;
  return out;
}

/**
 * Turns byte chunks of any size (WebSocket messages, decoded base64 payloads) into frames of exactly `frameBytes`,
 * keeping the remainder, odd bytes included, for the next chunk. Frames that lie wholly inside one chunk are views
 * into it (no copy); a frame that straddles chunks is assembled in a buffer of its own.
 *
 * A returned frame stays valid while its chunk does; the chunker never writes into a frame after handing it out.
 */
export class FrameChunker {
  readonly frameBytes: number;
  private pending: Uint8Array;
  private pendingLength = 0;

  constructor(frameBytes: number) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) {
      throw new RangeError(`frame size must be a positive whole number of bytes, got ${frameBytes}`);
    }
    this.frameBytes = frameBytes;
    this.pending = new Uint8Array(frameBytes);
  }

  /** Bytes held back, waiting for the rest of a frame. */
  get buffered(): number {
    return this.pendingLength;
  }

  /** The whole frames that `chunk` completes, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let offset = 0;
    if (this.pendingLength > 0) {
      const take = Math.min(this.frameBytes - this.pendingLength, chunk.byteLength);
      this.pending.set(chunk.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      offset = take;
      if (this.pendingLength < this.frameBytes) return frames;
      frames.push(this.pending);
      // The completed frame now belongs to the caller; later bytes go to a fresh buffer.
      this.pending = new Uint8Array(this.frameBytes);
      this.pendingLength = 0;
    }
    while (chunk.byteLength - offset >= this.frameBytes) {
      frames.push(chunk.subarray(offset, offset + this.frameBytes));
      offset += this.frameBytes;
    }
    if (offset < chunk.byteLength) {
      this.pending.set(chunk.subarray(offset), 0);
      this.pendingLength = chunk.byteLength - offset;
    }
    return frames;
  }

  /** The held-back bytes padded with zeros (silence in PCM16) to a whole frame, or null when nothing is held. */
  flush(): Uint8Array | null {
    if (this.pendingLength === 0) return null;
    const frame = this.pending;
    frame.fill(0, this.pendingLength);
    this.pending = new Uint8Array(this.frameBytes);
    this.pendingLength = 0;
    return frame;
  }

  /** Drops held-back bytes (barge-in: the rest of the old audio must not leak into the next frame). */
  clear(): void {
    this.pendingLength = 0;
  }
}

/** Splits samples into frames of `frameSamples` (views, no copy); the last frame may be shorter. */
export function* framesOf(samples: Int16Array, frameSamples: number): Generator<Int16Array> {
  for (let i = 0; i < samples.length; i += frameSamples) yield samples.subarray(i, i + frameSamples);
}

export interface FramePacerOptions {
  frameMs: number;
  /** Milliseconds on a monotonic clock; injectable so tests need not wait. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
}

/**
 * Sends frames at real-time pace (one per `frameMs`), scheduling against the start time rather than the previous
 * frame so timer jitter does not accumulate into drift. Used when a peer expects audio at playback speed.
 */
export async function* paceFrames<T>(frames: Iterable<T> | AsyncIterable<T>, options: FramePacerOptions) {
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? defaultSleep;
  const start = now();
  let index = 0;
  for await (const frame of frames) {
    if (options.signal?.aborted) return;
    const due = start + index * options.frameMs;
    const wait = due - now();
    if (wait > 0) await sleep(wait, options.signal);
    if (options.signal?.aborted) return;
    yield frame;
    index++;
  }
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
