/**
 * G.711 companding: µ-law (PCMU, what Twilio sends) and A-law (PCMA, European trunks), by lookup table.
 *
 * Encoding indexes a 64 KiB table by the sample's 16 bits; decoding a 256-entry table. Both are built once at load
 * (a few milliseconds) so the per-frame work is one load per sample.
 *
 * µ-law uses the classic "exp_lut" encoder (sox, the Linux kernel, the `alawmulaw` npm package): BIAS 0x84, CLIP
 * 32635, no zero trap. Python's audioop differs by one code on 381 negative boundary inputs; decoders agree exactly
 * (docs: protocols.md §3). A-law follows the ITU/Sun reference (13-bit magnitude, even bits inverted with 0x55).
 */

const MULAW_BIAS = 0x84;
const MULAW_CLIP = 32635;

function encodeMulawSample(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = sample < 0 ? -sample : sample;
  if (magnitude > MULAW_CLIP) magnitude = MULAW_CLIP;
  magnitude += MULAW_BIAS;
  // Segment = position of the highest set bit among bits 7…14.
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function decodeMulawByte(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

const ALAW_SEGMENT_ENDS = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function encodeAlawSample(sample: number): number {
  let pcm = sample >> 3; // A-law works on 13 bits
  let mask: number;
  if (pcm >= 0) {
    mask = 0xd5; // sign bit set (positive) plus the even-bit inversion 0x55
  } else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  let segment = 0;
  while (segment < 8 && pcm > ALAW_SEGMENT_ENDS[segment]!) segment++;
  if (segment >= 8) return 0x7f ^ mask;
  const mantissa = segment < 2 ? (pcm >> 1) & 0x0f : (pcm >> segment) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

function decodeAlawByte(byte: number): number {
  const a = byte ^ 0x55;
  let t = (a & 0x0f) << 4;
  const segment = (a & 0x70) >> 4;
  if (segment === 0) t += 8;
  else if (segment === 1) t += 0x108;
  else t = (t + 0x108) << (segment - 1);
  return a & 0x80 ? t : -t;
}

function buildEncodeTable(encode: (sample: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  // Indexed by the sample's 16 bits as unsigned: index = sample & 0xFFFF.
  for (let i = 0; i < 65536; i++) table[i] = encode(i < 32768 ? i : i - 65536);
  return table;
}

function buildDecodeTable(decode: (byte: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let b = 0; b < 256; b++) table[b] = decode(b);
  return table;
}

const MULAW_ENCODE = buildEncodeTable(encodeMulawSample);
const MULAW_DECODE = buildDecodeTable(decodeMulawByte);
const ALAW_ENCODE = buildEncodeTable(encodeAlawSample);
const ALAW_DECODE = buildDecodeTable(decodeAlawByte);

/** The byte a silent µ-law sample encodes to (a silent 20 ms Twilio frame is 160 of these). */
export const MULAW_SILENCE = 0xff;
/** The byte a silent A-law sample encodes to. */
export const ALAW_SILENCE = 0xd5;

/** PCM16 → µ-law, one byte per sample; writes into `out` when given. */
export function mulawEncode(samples: Int16Array, out = new Uint8Array(samples.length)): Uint8Array {
  for (let i = 0; i < samples.length; i++) out[i] = MULAW_ENCODE[samples[i]! & 0xffff]!;
  return out;
}

/** µ-law → PCM16; writes into `out` when given. */
export function mulawDecode(bytes: Uint8Array, out = new Int16Array(bytes.length)): Int16Array {
  for (let i = 0; i < bytes.length; i++) out[i] = MULAW_DECODE[bytes[i]!]!;
  return out;
}

/** PCM16 → A-law, one byte per sample; writes into `out` when given. */
export function alawEncode(samples: Int16Array, out = new Uint8Array(samples.length)): Uint8Array {
  for (let i = 0; i < samples.length; i++) out[i] = ALAW_ENCODE[samples[i]! & 0xffff]!;
  return out;
}

/** A-law → PCM16; writes into `out` when given. */
export function alawDecode(bytes: Uint8Array, out = new Int16Array(bytes.length)): Int16Array {
  for (let i = 0; i < bytes.length; i++) out[i] = ALAW_DECODE[bytes[i]!]!;
  return out;
}

/** One sample each way, for tests and tables; frames should use the array functions. */
export const mulawEncodeSample = (sample: number): number => MULAW_ENCODE[sample & 0xffff]!;
export const mulawDecodeByte = (byte: number): number => MULAW_DECODE[byte & 0xff]!;
export const alawEncodeSample = (sample: number): number => ALAW_ENCODE[sample & 0xffff]!;
export const alawDecodeByte = (byte: number): number => ALAW_DECODE[byte & 0xff]!;
