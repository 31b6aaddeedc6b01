import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALAW_SILENCE,
  alawDecode,
  alawDecodeByte,
  alawEncode,
  alawEncodeSample,
  MULAW_SILENCE,
  mulawDecode,
  mulawDecodeByte,
  mulawEncode,
  mulawEncodeSample,
} from '../../src/audio/g711.ts';

/** protocols.md §3: decoded magnitudes for bytes 0x80–0xFF; byte b < 0x80 decodes to −decode(b | 0x80). */
const MULAW_POSITIVE = `
32124 31100 30076 29052 28028 27004 25980 24956 23932 22908 21884 20860 19836 18812 17788 16764
15996 15484 14972 14460 13948 13436 12924 12412 11900 11388 10876 10364 9852 9340 8828 8316
7932 7676 7420 7164 6908 6652 6396 6140 5884 5628 5372 5116 4860 4604 4348 4092
3900 3772 3644 3516 3388 3260 3132 3004 2876 2748 2620 2492 2364 2236 2108 1980
1884 1820 1756 1692 1628 1564 1500 1436 1372 1308 1244 1180 1116 1052 988 924
876 844 812 780 748 716 684 652 620 588 556 524 492 460 428 396
372 356 340 324 308 292 276 260 244 228 212 196 180 164 148 132
120 112 104 96 88 80 72 64 56 48 40 32 24 16 8 0`
  .trim()
  .split(/\s+/)
  .map(Number);

/** ITU-T G.711 A-law decoder output for codes 0x00–0xFF (as produced by the ITU/Sun reference, and Python audioop). */
const ALAW_TABLE = [
  -5504, -5248, -6016, -5760, -4480, -4224, -4992, -4736, -7552, -7296, -8064, -7808, -6528, -6272, -7040,
  -6784, -2752, -2624, -3008, -2880, -2240, -2112, -2496, -2368, -3776, -3648, -4032, -3904, -3264, -3136,
  -3520, -3392, -22016, -20992, -24064, -23040, -17920, -16896, -19968, -18944, -30208, -29184, -32256,
  -31232, -26112, -25088, -28160, -27136, -11008, -10496, -12032, -11520, -8960, -8448, -9984, -9472, -15104,
  -14592, -16128, -15616, -13056, -12544, -14080, -13568, -344, -328, -376, -360, -280, -264, -312, -296,
  -472, -456, -504, -488, -408, -392, -440, -424, -88, -72, -120, -104, -24, -8, -56, -40, -216, -200, -248,
  -232, -152, -136, -184, -168, -1376, -1312, -1504, -1440, -1120, -1056, -1248, -1184, -1888, -1824, -2016,
  -1952, -1632, -1568, -1760, -1696, -688, -656, -752, -720, -560, -528, -624, -592, -944, -912, -1008, -976,
  -816, -784, -880, -848, 5504, 5248, 6016, 5760, 4480, 4224, 4992, 4736, 7552, 7296, 8064, 7808, 6528, 6272,
  7040, 6784, 2752, 2624, 3008, 2880, 2240, 2112, 2496, 2368, 3776, 3648, 4032, 3904, 3264, 3136, 3520, 3392,
  22016, 20992, 24064, 23040, 17920, 16896, 19968, 18944, 30208, 29184, 32256, 31232, 26112, 25088, 28160,
  27136, 11008, 10496, 12032, 11520, 8960, 8448, 9984, 9472, 15104, 14592, 16128, 15616, 13056, 12544, 14080,
  13568, 344, 328, 376, 360, 280, 264, 312, 296, 472, 456, 504, 488, 408, 392, 440, 424, 88, 72, 120, 104, 24,
  8, 56, 40, 216, 200, 248, 232, 152, 136, 184, 168, 1376, 1312, 1504, 1440, 1120, 1056, 1248, 1184, 1888,
  1824, 2016, 1952, 1632, 1568, 1760, 1696, 688, 656, 752, 720, 560, 528, 624, 592, 944, 912, 1008, 976, 816,
  784, 880, 848,
];

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();

describe('G.711 µ-law', () => {
  it('decodes all 256 codes to the reference table', () => {
    assert.equal(MULAW_POSITIVE.length, 128);
    for (let b = 0; b < 256; b++) {
      const magnitude = MULAW_POSITIVE[(b | 0x80) - 0x80]!;
      const expected = b >= 0x80 ? magnitude : 0 - magnitude || 0;
      assert.equal(mulawDecodeByte(b), expected, `byte 0x${b.toString(16)}`);
    }
  });

  it('encodes the listed test vectors (exp_lut variant)', () => {
    const vectors: Array<[number, number, number]> = [
      [0, 0xff, 0],
      [1, 0xff, 0],
      [2, 0xff, 0],
      [-1, 0x7f, 0],
      [-2, 0x7f, 0],
      [8, 0xfe, 8],
      [-8, 0x7e, -8],
      [100, 0xf2, 104],
      [-100, 0x72, -104],
      [1000, 0xce, 988],
      [-1000, 0x4e, -988],
      [5000, 0xab, 5116],
      [-5000, 0x2b, -5116],
      [30000, 0x82, 30076],
      [32124, 0x80, 32124],
      [32635, 0x80, 32124],
      [32767, 0x80, 32124],
      [-32124, 0x00, -32124],
      [-32635, 0x00, -32124],
      [-32768, 0x00, -32124],
    ];
    for (const [input, byte, decoded] of vectors) {
      assert.equal(mulawEncodeSample(input), byte, `encode ${input}`);
      assert.equal(mulawDecodeByte(byte), decoded, `decode 0x${byte.toString(16)}`);
    }
  });

  it('is idempotent: decode(encode(decode(b))) == decode(b) for every byte', () => {
    for (let b = 0; b < 256; b++) {
      assert.equal(mulawDecodeByte(mulawEncodeSample(mulawDecodeByte(b))), mulawDecodeByte(b));
    }
  });

  it('encodes the 1 kHz sine at 8 kHz and decodes the digital milliwatt', () => {
    const sine = new Int16Array([0, 5657, 8000, 5657, 0, -5657, -8000, -5657]);
    assert.equal(hex(mulawEncode(sine)), 'FFA9A0A9FF292029');
    const milliwatt = Uint8Array.from([0x1e, 0x0b, 0x0b, 0x1e, 0x9e, 0x8b, 0x8b, 0x9e]);
    assert.deepEqual(
      Array.from(mulawDecode(milliwatt)),
      [-8828, -20860, -20860, -8828, 8828, 20860, 20860, 8828],
    );
  });

  it('a silent 20 ms Twilio frame is 160 × 0xFF and decodes to zeros', () => {
    const frame = mulawEncode(new Int16Array(160));
    assert.equal(frame.length, 160);
    assert.ok(frame.every((b) => b === MULAW_SILENCE));
    assert.ok(mulawDecode(frame).every((s) => s === 0));
  });

  it('round-trip error stays within half a quantization step of each segment', () => {
    for (let x = -32768; x <= 32767; x++) {
      const y = mulawDecodeByte(mulawEncodeSample(x));
      const clipped = Math.max(-32635, Math.min(32635, x));
      const magnitude = Math.abs(clipped);
      const step = magnitude < 124 ? 8 : 2 ** (Math.floor(Math.log2((magnitude + 132) >> 7)) + 4);
      assert.ok(Math.abs(y - clipped) <= step, `x=${x} y=${y} step=${step}`);
    }
  });

  it('writes into a caller-supplied buffer without allocating a new one', () => {
    const out = new Uint8Array(4);
    assert.equal(mulawEncode(new Int16Array([0, 1000, -1000, 32767]), out), out);
    assert.equal(hex(out), 'FFCE4E80');
    const pcm = new Int16Array(4);
    assert.equal(mulawDecode(out, pcm), pcm);
    assert.deepEqual(Array.from(pcm), [0, 988, -988, 32124]);
  });
});

describe('G.711 A-law', () => {
  it('decodes all 256 codes to the ITU reference table', () => {
    assert.equal(ALAW_TABLE.length, 256);
    assert.deepEqual(Array.from(alawDecode(Uint8Array.from({ length: 256 }, (_, b) => b))), ALAW_TABLE);
  });

  it('silence is 0xD5 and the extremes decode to ±32256', () => {
    assert.equal(alawEncodeSample(0), ALAW_SILENCE);
    assert.equal(alawDecodeByte(0xd5), 8);
    assert.equal(alawDecodeByte(0x55), -8);
    assert.equal(alawEncodeSample(-8), 0x55);
    assert.equal(alawEncodeSample(32767), 0xaa);
    assert.equal(alawEncodeSample(-32768), 0x2a);
    assert.equal(alawDecodeByte(0xaa), 32256);
    assert.equal(alawDecodeByte(0x2a), -32256);
  });

  it('decodes the A-law digital milliwatt 34 21 21 34 B4 A1 A1 B4', () => {
    const milliwatt = Uint8Array.from([0x34, 0x21, 0x21, 0x34, 0xb4, 0xa1, 0xa1, 0xb4]);
    assert.deepEqual(
      Array.from(alawDecode(milliwatt)),
      [-8960, -20992, -20992, -8960, 8960, 20992, 20992, 8960],
    );
  });

  it('every code survives decode → encode unchanged (A-law has no duplicate zero)', () => {
    for (let b = 0; b < 256; b++)
      assert.equal(alawEncodeSample(alawDecodeByte(b)), b, `byte 0x${b.toString(16)}`);
  });

  it('encodes PCM frames', () => {
    assert.equal(hex(alawEncode(new Int16Array([0, -8, 1000, -1000]))), 'D555FA7A');
  });
});
