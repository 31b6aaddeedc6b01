import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRateConverter } from '../../../src/channels/browser/rate-converter.ts';

function tone(hz: number, rate: number, seconds: number): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(10_000 * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

/** Frequency from upward zero crossings, away from the filter's start-up. */
function frequency(samples: Int16Array, rate: number): number {
  const from = Math.floor(samples.length / 4);
  const to = Math.floor((samples.length * 3) / 4);
  let crossings = 0;
  for (let i = from + 1; i < to; i++) if (samples[i - 1]! < 0 && samples[i]! >= 0) crossings++;
  return (crossings * rate) / (to - from);
}

for (const inputRate of [22_050, 16_000, 24_000, 44_100]) {
  test(`${inputRate} Hz → 24 kHz in 20 ms chunks keeps length and pitch`, () => {
    const converter = createRateConverter(inputRate, 24_000);
    const input = tone(440, inputRate, 1);
    const chunk = Math.round(inputRate / 50);
    const parts: Int16Array[] = [];
    for (let i = 0; i < input.length; i += chunk) parts.push(converter.process(input.subarray(i, i + chunk)));
    parts.push(converter.flush());
    const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    assert.ok(Math.abs(out.length - 24_000) < 120, `${out.length} samples out of 1 s`);
    assert.ok(Math.abs(frequency(out, 24_000) - 440) < 5, `pitch ${frequency(out, 24_000)} Hz`);
  });
}
