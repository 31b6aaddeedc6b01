import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { framesOf, samplesPerFrame } from '../../src/audio/pcm.ts';
import { Resampler, resample } from '../../src/audio/resampler.ts';

function tone(rate: number, hz: number, seconds: number, amplitude = 10000): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++)
    out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

/** RMS of the middle of a signal, away from the filter's start-up and the end. */
function steadyRms(samples: Int16Array, rate: number): number {
  const skip = Math.round(rate * 0.05);
  const part = samples.subarray(skip, samples.length - skip);
  let sum = 0;
  for (const s of part) sum += s * s;
  return Math.sqrt(sum / part.length);
}

const db = (ratio: number) => 20 * Math.log10(ratio);

function streamInFrames(input: Int16Array, from: number, to: number, frameMs = 20): Int16Array {
  const r = new Resampler(from, to);
  const parts: Int16Array[] = [];
  for (const frame of framesOf(input, samplesPerFrame(from, frameMs))) parts.push(r.process(frame));
  return concat(parts);
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const PAIRS: Array<[number, number]> = [
  [8000, 16000],
  [16000, 8000],
  [16000, 24000],
  [24000, 16000],
  [24000, 8000],
  [8000, 24000],
  [48000, 16000],
  [16000, 48000],
  [48000, 8000],
  [24000, 48000],
];

describe('Resampler', () => {
  it('a 1 kHz tone survives 16 → 8 → 16 kHz within ±1 dB', () => {
    const input = tone(16000, 1000, 1);
    const down = resample(input, 16000, 8000);
    const back = resample(down, 8000, 16000);
    assert.equal(down.length, 8000);
    assert.equal(back.length, 16000);
    const change = db(steadyRms(back, 16000) / steadyRms(input, 16000));
    assert.ok(Math.abs(change) <= 1, `level change ${change.toFixed(2)} dB`);
  });

  it('keeps the telephone band (300–3400 Hz) flat within ±1 dB going 16 → 8 kHz', () => {
    for (const hz of [300, 1000, 2000, 3000, 3400]) {
      const input = tone(16000, hz, 0.5);
      const change = db(steadyRms(resample(input, 16000, 8000), 8000) / steadyRms(input, 16000));
      assert.ok(Math.abs(change) <= 1, `${hz} Hz changed ${change.toFixed(2)} dB`);
    }
  });

  it('attenuates a 6 kHz tone by at least 40 dB going 16 → 8 kHz (no aliasing to 2 kHz)', () => {
    const input = tone(16000, 6000, 1);
    const attenuation = -db(steadyRms(resample(input, 16000, 8000), 8000) / steadyRms(input, 16000));
    assert.ok(attenuation >= 40, `only ${attenuation.toFixed(1)} dB`);
  });

  it('attenuates a 10 kHz tone by at least 40 dB going 48 → 16 kHz', () => {
    const input = tone(48000, 10000, 1);
    const attenuation = -db(steadyRms(resample(input, 48000, 16000), 16000) / steadyRms(input, 48000));
    assert.ok(attenuation >= 40, `only ${attenuation.toFixed(1)} dB`);
  });

  it('attenuates a 5 kHz tone by at least 40 dB going 24 → 8 kHz (Gemini output to Twilio)', () => {
    const input = tone(24000, 5000, 1);
    const attenuation = -db(steadyRms(resample(input, 24000, 8000), 8000) / steadyRms(input, 24000));
    assert.ok(attenuation >= 40, `only ${attenuation.toFixed(1)} dB`);
  });

  it('leaves no images when upsampling 8 → 16 kHz: a 1 kHz tone comes out as the ideal delayed sine', () => {
    for (const [from, to] of PAIRS) {
      const r = new Resampler(from, to);
      const out = r.process(tone(from, 1000, 0.5));
      const delay = r.delaySeconds;
      let signal = 0;
      let error = 0;
      for (let n = Math.round(to * 0.05); n < out.length - Math.round(to * 0.05); n++) {
        const ideal = 10000 * Math.sin(2 * Math.PI * 1000 * (n / to - delay));
        signal += ideal * ideal;
        error += (out[n]! - ideal) ** 2;
      }
      const snr = 10 * Math.log10(signal / error);
      assert.ok(snr >= 40, `${from} → ${to}: SNR ${snr.toFixed(1)} dB against the ideal delayed sine`);
    }
  });

  it('streaming in 20 ms frames gives exactly the one-shot output for every rate pair', () => {
    for (const [from, to] of PAIRS) {
      const input = tone(from, 440, 0.7, 12000);
      for (let i = 0; i < input.length; i += 97) input[i] = (input[i]! + 7919 * (i % 5)) | 0;
      const oneShot = resample(input, from, to);
      const streamed = streamInFrames(input, from, to);
      assert.equal(streamed.length, oneShot.length, `${from} → ${to} length`);
      assert.deepEqual(streamed, oneShot, `${from} → ${to} samples`);
      assert.equal(oneShot.length, Math.round((input.length * to) / from));
    }
  });

  it('is identical for odd, uneven chunk sizes too', () => {
    const input = tone(24000, 700, 0.5);
    const oneShot = resample(input, 24000, 16000);
    const r = new Resampler(24000, 16000);
    const parts: Int16Array[] = [];
    const sizes = [1, 7, 480, 3, 1000, 2, 333];
    for (let i = 0, s = 0; i < input.length; s++) {
      const size = sizes[s % sizes.length]!;
      parts.push(r.process(input.subarray(i, i + size)));
      i += size;
    }
    assert.deepEqual(concat(parts), oneShot);
  });

  it('writes into a caller buffer, gives exact frame sizes, and resets between streams', () => {
    const r = new Resampler(24000, 8000);
    const out = new Int16Array(160);
    const frame = tone(24000, 500, 0.02);
    assert.equal(r.outputLength(480), 160);
    const written = r.process(frame, out);
    assert.equal(written.buffer, out.buffer);
    assert.equal(written.length, 160);
    const first = Array.from(written);
    r.reset();
    assert.deepEqual(Array.from(r.process(frame)), first);
  });

  it('flush lets the last real samples out of the filter', () => {
    const r = new Resampler(8000, 16000);
    const input = tone(8000, 1000, 0.1);
    const main = r.process(input);
    const tail = r.flush();
    const delaySamples = Math.round(r.delaySeconds * 16000);
    assert.ok(tail.length >= delaySamples, `tail ${tail.length} < delay ${delaySamples}`);
    // The tail continues the tone: its start is loud, not silence.
    let peak = 0;
    for (const s of tail.subarray(0, delaySamples)) peak = Math.max(peak, Math.abs(s));
    assert.ok(peak > 5000);
    assert.equal(main.length, 1600);
  });

  it('refuses unusable rates with a clear error', () => {
    assert.throws(() => new Resampler(0, 16000), /positive integers/);
    assert.throws(() => new Resampler(44100, 16000), /too large/);
  });
});

describe('the Twilio ↔ Gemini bridge, 20 ms at a time (protocols.md §2.6)', () => {
  it('µ-law 160 B → PCM16 8 kHz 320 B → 16 kHz 640 B, and 24 kHz 960 B → 8 kHz 320 B → µ-law 160 B', async () => {
    const { mulawDecode, mulawEncode } = await import('../../src/audio/g711.ts');
    const { pcm16ToBytes } = await import('../../src/audio/pcm.ts');
    const inbound = new Resampler(8000, 16000);
    const outbound = new Resampler(24000, 8000);
    const caller = tone(8000, 500, 0.2);
    const agent = tone(24000, 500, 0.2);
    for (let f = 0; f < 10; f++) {
      const ulaw = mulawEncode(caller.subarray(f * 160, f * 160 + 160));
      assert.equal(ulaw.length, 160);
      const narrow = mulawDecode(ulaw);
      assert.equal(pcm16ToBytes(narrow).length, 320);
      assert.equal(pcm16ToBytes(inbound.process(narrow)).length, 640);
      const down = outbound.process(agent.subarray(f * 480, f * 480 + 480));
      assert.equal(pcm16ToBytes(down).length, 320);
      assert.equal(mulawEncode(down).length, 160);
    }
  });
});
