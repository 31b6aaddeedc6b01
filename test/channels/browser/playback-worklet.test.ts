/**
 * The browser's playback worklet (web/js/audio-playback-worklet.js) run in Node (the AudioWorklet global scope
 * given in a vm context): chunks play in order, `clear` silences it within one render quantum and restarts the
 * played count, underruns are not counted as played, and every report names the clear it counts from.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';

const WORKLET = join(dirname(fileURLToPath(import.meta.url)), '../../../web/js/audio-playback-worklet.js');

interface Processor {
  process(inputs: unknown[], outputs: Float32Array[][]): boolean;
  port: { onmessage: ((event: { data: unknown }) => void) | null };
}

async function playback() {
  const reports: Array<{ played: number; idle: boolean; generation: number }> = [];
  let Ctor: (new () => Processor) | undefined;
  class AudioWorkletProcessor {
    // Copied: objects made inside the vm have that realm's prototypes.
    port = {
      onmessage: null,
      postMessage: (data: { played: number; idle: boolean; generation: number }) => reports.push({ ...data }),
    };
  }
  runInNewContext(await readFile(WORKLET, 'utf8'), {
    AudioWorkletProcessor,
    sampleRate: 24_000,
    registerProcessor: (_name: string, ctor: new () => Processor) => {
      Ctor = ctor;
    },
    Float32Array,
  });
  assert.ok(Ctor);
  const node = new Ctor();
  const send = (data: unknown) => node.port.onmessage?.({ data });
  const render = () => {
    const out = new Float32Array(128);
    node.process([], [[out]]);
    return out;
  };
  return { send, render, reports };
}

test('chunks play in order; clear silences at once and restarts the count; silence is not "played"', async () => {
  const { send, render, reports } = await playback();
  send(new Float32Array(200).fill(0.25));
  send(new Float32Array(200).fill(0.5));
  const first = render();
  assert.equal(first[0], 0.25);
  const second = render();
  assert.equal(second[71], 0.25);
  assert.equal(second[72], 0.5);
  // The page numbers its clears; the reports from then on carry that number (earlier ones are stale to the page).
  send({ clear: true, generation: 1 });
  assert.deepEqual(reports.at(-1), { played: 0, idle: true, generation: 1 });
  const after = render();
  assert.ok(
    after.every((v) => v === 0),
    'audio after clear',
  );
  // Underrun: nothing queued, nothing counted.
  for (let i = 0; i < 10; i++) render();
  send(new Float32Array(100).fill(0.1));
  render();
  assert.deepEqual(reports.at(-1), { played: 100, idle: true, generation: 1 });
});
