import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createConfiguredSynthesizer } from '../../src/speech/engines.ts';
import { isSpeechError } from '../../src/speech/errors.ts';
import { createEspeakWasmSynthesizer } from '../../src/speech/espeak-wasm-tts.ts';
import { createProcessSynthesizer } from '../../src/speech/process-tts.ts';
import { loadSherpaSynthesizer } from '../../src/speech/sherpa-tts.ts';
import { type SpeechSynthesizer, type SynthesisChunk, splitSentences } from '../../src/speech/synthesizer.ts';
import { requireProgram, rms } from './fixtures.ts';

const REPLY =
  'Lead added for Rohan Sharma from Gurgaon. His phone is nine eight seven six five four three two one zero. Shall I book a site visit?';
const scratch = await mkdtemp(join(tmpdir(), 'rooman-tts-'));
after(() => rm(scratch, { recursive: true, force: true }));

test('replies are split into sentences; initials, decimals and long clauses are handled', () => {
  assert.deepEqual(splitSentences('Done! Shall I call Mr. A. Verma at 3.30? Yes; fine.\nBye'), [
    'Done!',
    'Shall I call Mr. A. Verma at 3.30?',
    'Yes;',
    'fine.',
    'Bye',
  ]);
  const long = `${'one two three four five, '.repeat(12)}end.`;
  const parts = splitSentences(long, 80);
  assert.ok(parts.length > 2 && parts.every((p) => p.length <= 80), JSON.stringify(parts));
  assert.equal(parts.join(' '), long);
});

async function collect(tts: SpeechSynthesizer, text: string, signal?: AbortSignal) {
  const started = performance.now();
  const chunks: Array<SynthesisChunk & { at: number }> = [];
  for await (const chunk of tts.synthesize(text, signal ? { signal } : {})) {
    chunks.push({ ...chunk, at: performance.now() - started });
  }
  return { chunks, total: performance.now() - started };
}

async function checkSynthesizer(tts: SpeechSynthesizer, expectedRate: number): Promise<void> {
  assert.equal(tts.sampleRate, expectedRate);
  const { chunks, total } = await collect(tts, REPLY);
  assert.equal(chunks.length, 3, 'one chunk per sentence');
  for (const c of chunks) {
    assert.equal(c.sampleRate, expectedRate);
    assert.ok(c.samples.length > expectedRate * 0.3, `sentence ${c.sentenceIndex} is too short`);
    assert.ok(rms(c.samples) > 300, `sentence ${c.sentenceIndex} is silent (rms ${rms(c.samples)})`);
  }
  assert.deepEqual(
    chunks.map((c) => c.sentenceIndex),
    [0, 1, 2],
  );
  // The first sentence is out before the whole reply is done.
  assert.ok(chunks[0]!.at < total * 0.8, `first chunk at ${chunks[0]!.at} ms of ${total} ms`);

  const controller = new AbortController();
  const aborted: SynthesisChunk[] = [];
  for await (const chunk of tts.synthesize(REPLY, { signal: controller.signal })) {
    aborted.push(chunk);
    controller.abort();
  }
  assert.equal(aborted.length, 1, 'abort stops synthesis after the chunk being played');
}

test('the built-in espeak-ng WASM voice: non-silent 22.05 kHz PCM, sentence by sentence, abortable', async () => {
  await checkSynthesizer(await createEspeakWasmSynthesizer(), 22_050);
});

test('festival HTS voice through text2wave: 16 kHz PCM, sentence by sentence, abortable', async () => {
  requireProgram('text2wave', 'festival festvox-us-slt-hts');
  await checkSynthesizer(await createProcessSynthesizer({ engine: 'festival' }), 16_000);
});

test('flite voice slt: 16 kHz PCM, sentence by sentence, abortable', async () => {
  requireProgram('flite', 'flite');
  await checkSynthesizer(await createProcessSynthesizer({ engine: 'flite' }), 16_000);
});

test('an abort during a festival sentence kills the process at once', async () => {
  requireProgram('text2wave', 'festival festvox-us-slt-hts');
  const tts = await createProcessSynthesizer({ engine: 'festival' });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const { chunks, total } = await collect(
    tts,
    `${'This is a rather long sentence about a site visit, '.repeat(6)}.`,
    controller.signal,
  );
  assert.equal(chunks.length, 0);
  assert.ok(total < 1000, `abort took ${total} ms`);
});

test('a neural voice that was not pulled is a clear error naming the pull command', async () => {
  await assert.rejects(
    loadSherpaSynthesizer({ modelsDir: scratch, model: 'kokoro-en-v0_19' }),
    (e) => isSpeechError(e, 'MODEL_MISSING') && /rooman models pull kokoro-en-v0_19/.test(e.message),
  );
  await assert.rejects(
    loadSherpaSynthesizer({ modelsDir: scratch, model: 'sherpa-kws-zipformer-gigaspeech-3.3M' }),
    (e) => isSpeechError(e, 'WRONG_MODEL_KIND'),
  );
  await assert.rejects(
    createConfiguredSynthesizer({ modelsDir: scratch, stt: undefined, tts: 'sherpa' }),
    (e) => isSpeechError(e, 'MODEL_MISSING') && /no neural voice is installed/.test(e.message),
  );
  await assert.rejects(
    createConfiguredSynthesizer({
      modelsDir: scratch,
      stt: undefined,
      tts: 'sherpa:vits-piper-en_US-amy-low',
    }),
    (e) => isSpeechError(e, 'MODEL_MISSING'),
  );
});

test('ROOMAN_TTS picks the engine: espeak by default, none, or a Debian program', async () => {
  assert.equal(
    (await createConfiguredSynthesizer({ modelsDir: scratch, stt: undefined, tts: 'espeak' }))?.name,
    'espeak-wasm:en-us',
  );
  assert.equal(
    await createConfiguredSynthesizer({ modelsDir: scratch, stt: undefined, tts: 'none' }),
    undefined,
  );
  requireProgram('flite', 'flite');
  assert.equal(
    (await createConfiguredSynthesizer({ modelsDir: scratch, stt: undefined, tts: 'flite' }))?.name,
    'flite:slt',
  );
});
