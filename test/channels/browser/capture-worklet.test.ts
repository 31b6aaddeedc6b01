/**
 * The browser's capture worklet (web/js/audio-capture-worklet.js) run in Node: the AudioWorklet global scope is
 * three names (AudioWorkletProcessor, registerProcessor, sampleRate), given here in a vm context; the processor
 * code is the file as the browser loads it. Checks what the Chromium test cannot see: 20 ms frames of 320 samples,
 * speech-band tones kept, tones above 8 kHz not folded back into the band the recognizer hears.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';

const WORKLET = join(dirname(fileURLToPath(import.meta.url)), '../../../web/js/audio-capture-worklet.js');

interface Processor {
  process(inputs: Float32Array[][]): boolean;
  port: { onmessage: ((event: { data: unknown }) => void) | null; postMessage(data: unknown): void };
}

async function captureAt(rate: number) {
  const frames: Int16Array[] = [];
  let Ctor: (new () => Processor) | undefined;
  class AudioWorkletProcessor {
    port = {
      onmessage: null,
      postMessage: (data: unknown) => frames.push(new Int16Array(data as ArrayBuffer)),
    };
  }
  runInNewContext(await readFile(WORKLET, 'utf8'), {
    AudioWorkletProcessor,
    sampleRate: rate,
    registerProcessor: (_name: string, ctor: new () => Processor) => {
      Ctor = ctor;
    },
    Math,
    Float32Array,
    Int16Array,
  });
  assert.ok(Ctor, 'the worklet registered no processor');
  const processor = new Ctor();
  /** Feeds `seconds` of a sine in 128-sample render quanta; returns the 16 kHz output. */
  const feed = (hz: number, seconds: number, amplitude = 0.5) => {
    frames.length = 0;
    const total = Math.round(rate * seconds);
    for (let at = 0; at < total; at += 128) {
      const quantum = new Float32Array(128);
      for (let i = 0; i < 128; i++) quantum[i] = amplitude * Math.sin((2 * Math.PI * hz * (at + i)) / rate);
      processor.process([[quantum]]);
    }
    const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
    let o = 0;
    for (const f of frames) {
      out.set(f, o);
      o += f.length;
    }
    return { out, frames: [...frames] };
  };
  return { feed, processor };
}

const rmsOf = (s: Int16Array) => Math.sqrt(s.reduce((a, v) => a + v * v, 0) / Math.max(1, s.length)) / 32768;

for (const rate of [48_000, 44_100]) {
  test(`${rate} Hz microphone → 16 kHz PCM16 in 20 ms frames, no aliasing`, async () => {
    const { feed } = await captureAt(rate);
    const speech = feed(1000, 1);
    assert.ok(
      speech.frames.every((f) => f.length === 320),
      'every frame is 320 samples',
    );
    assert.ok(Math.abs(speech.out.length - 16_000) <= 320, `${speech.out.length} samples for 1 s`);
    const kept = rmsOf(speech.out.subarray(800));
    assert.ok(Math.abs(kept - 0.5 / Math.SQRT2) < 0.02, `1 kHz came out at RMS ${kept.toFixed(3)}`);
    // 12 kHz would fold to 4 kHz, right in the speech band, without the low-pass.
    const above = rmsOf(feed(12_000, 1).out.subarray(800));
    const db = 20 * Math.log10(above / kept);
    console.log(`# ${rate} Hz: 12 kHz tone at ${db.toFixed(1)} dB after capture`);
    assert.ok(db < -40, `12 kHz leaked at ${db.toFixed(1)} dB`);
  });
}

test('muted, the worklet still sends frames, of silence', async () => {
  const { feed, processor } = await captureAt(48_000);
  processor.port.onmessage?.({ data: { muted: true } });
  const { out, frames } = feed(1000, 0.5);
  assert.ok(frames.length >= 24);
  assert.equal(rmsOf(out), 0);
});
