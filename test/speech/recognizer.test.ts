import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createConfiguredRecognizer } from '../../src/speech/engines.ts';
import { isSpeechError } from '../../src/speech/errors.ts';
import { findModel } from '../../src/speech/model-registry.ts';
import type { RecognitionResult, SpeechRecognizer } from '../../src/speech/recognizer.ts';
import { loadSherpaRecognizer } from '../../src/speech/sherpa-recognizer.ts';
import { corpusWer } from '../../src/speech/wer.ts';
import { FESTIVAL_SET, FIXED_ENCODER_SHA256, festivalSpeech, KWS_MODEL, SHARED_MODELS } from './fixtures.ts';

const CHUNK = 1600; // 100 ms at 16 kHz
let recognizer: SpeechRecognizer;
let scratch: string;

before(async () => {
  recognizer = await loadSherpaRecognizer({ modelsDir: SHARED_MODELS, model: KWS_MODEL });
  scratch = await mkdtemp(join(tmpdir(), 'rooman-stt-'));
});
after(() => rm(scratch, { recursive: true, force: true }));

function transcribe(audio: Int16Array | Float32Array): {
  partials: RecognitionResult[];
  final: RecognitionResult;
} {
  const stream = recognizer.createStream();
  const partials: RecognitionResult[] = [];
  for (let i = 0; i < audio.length; i += CHUNK) partials.push(...stream.accept(audio.subarray(i, i + CHUNK)));
  const final = stream.finish();
  stream.close();
  return { partials, final };
}

test('a CRM command streamed in 100 ms chunks gives growing partials, then a final with the gist', async () => {
  const audio = await festivalSpeech(FESTIVAL_SET[0]!);
  const { partials, final } = transcribe(audio);
  assert.ok(partials.length >= 3, `expected several partials, got ${partials.length}`);
  assert.ok(partials.every((p) => !p.isFinal));
  // Partials arrive while audio is still coming in, well before its end.
  assert.ok(
    partials[0]!.audioSeconds < audio.length / 16_000 - 1,
    'first partial only at the end of the audio',
  );
  assert.equal(final.isFinal, true);
  assert.match(final.text, /new lead/);
  assert.match(final.text, /nine eight seven six five four three two one zero/);
});

test('PCM16 and Float32 input give the same transcript', async () => {
  const pcm = await festivalSpeech(FESTIVAL_SET[2]!);
  const float = Float32Array.from(pcm, (s) => s / 32768);
  assert.equal(transcribe(float).final.text, transcribe(pcm).final.text);
});

test('reset() drops the utterance in progress; the stream then recognises the next one alone', async () => {
  const first = await festivalSpeech('cancel my meeting on friday');
  const second = await festivalSpeech(FESTIVAL_SET[4]!);
  const stream = recognizer.createStream();
  for (let i = 0; i < first.length; i += CHUNK) stream.accept(first.subarray(i, i + CHUNK));
  assert.match(stream.partial(), /meeting/);
  stream.reset();
  assert.equal(stream.partial(), '');
  for (let i = 0; i < second.length; i += CHUNK) stream.accept(second.subarray(i, i + CHUNK));
  const final = stream.finish();
  assert.match(final.text, /lead/);
  assert.doesNotMatch(final.text, /meeting|friday/);
  // finish() also readies the stream for another utterance.
  for (let i = 0; i < first.length; i += CHUNK) stream.accept(first.subarray(i, i + CHUNK));
  assert.match(stream.finish().text, /meeting/);
});

test('lookahead() gives the words still in the look-ahead without ending the utterance', async () => {
  const first = await festivalSpeech('my number is nine eight seven six');
  const rest = await festivalSpeech('five four three two one zero');
  const stream = recognizer.createStream();
  // 20 ms frames, as a call feeds them; the partial lags the audio by the model's chunk and look-ahead.
  for (let i = 0; i < first.length; i += 320) stream.accept(first.subarray(i, i + 320));
  const behind = stream.partial();
  const ahead = stream.lookahead();
  assert.equal(ahead.isFinal, false);
  assert.match(ahead.text, /seven six$/, `partial "${behind}", look-ahead "${ahead.text}"`);
  assert.ok(ahead.text.length >= behind.length);
  // The utterance goes on: the rest lands in the same final.
  for (let i = 0; i < rest.length; i += 320) stream.accept(rest.subarray(i, i + 320));
  const final = stream.finish();
  assert.match(final.text, /seven six five four three two one zero/);
  stream.close();
});

test(`WER on ${FESTIVAL_SET.length} festival HTS sentences is at most 0.40`, async () => {
  const pairs = [];
  for (const reference of FESTIVAL_SET) {
    pairs.push({ reference, hypothesis: transcribe(await festivalSpeech(reference)).final.text });
  }
  const wer = corpusWer(pairs);
  assert.ok(
    wer <= 0.4,
    `WER ${wer.toFixed(3)}:\n${pairs.map((p) => `  ${p.reference}\n→ ${p.hypothesis}`).join('\n')}`,
  );
});

test('the post-processing hook sees raw text and shapes what callers get', async () => {
  const withHook = await loadSherpaRecognizer({
    modelsDir: SHARED_MODELS,
    model: KWS_MODEL,
    postProcess: (raw, { isFinal }) => (isFinal ? raw.replace(/\bnew lead\b/, 'NEW_LEAD') : raw),
  });
  const stream = withHook.createStream();
  const audio = await festivalSpeech(FESTIVAL_SET[0]!);
  for (let i = 0; i < audio.length; i += CHUNK) stream.accept(audio.subarray(i, i + CHUNK));
  const final = stream.finish();
  assert.match(final.text, /NEW_LEAD/);
  assert.match(final.rawText, /new lead/);
});

test('a missing model is a clear error naming the pull command', async () => {
  await assert.rejects(
    loadSherpaRecognizer({ modelsDir: scratch, model: KWS_MODEL }),
    (e) =>
      isSpeechError(e, 'MODEL_MISSING') &&
      /rooman models pull sherpa-kws-zipformer-gigaspeech-3\.3M/.test(e.message),
  );
  await assert.rejects(loadSherpaRecognizer({ modelsDir: scratch, model: 'no-such-model' }), (e) =>
    isSpeechError(e, 'UNKNOWN_MODEL'),
  );
  await assert.rejects(loadSherpaRecognizer({ modelsDir: scratch, model: 'silero-vad-v5' }), (e) =>
    isSpeechError(e, 'WRONG_MODEL_KIND'),
  );
});

test('a file the engine is known to crash on is refused by checksum before the engine sees it', async () => {
  // The published encoder itself is not on this machine, so the refusal list names the file we do have.
  const entry = findModel(KWS_MODEL)!;
  const registry = [
    { ...entry, refused: [{ sha256: FIXED_ENCODER_SHA256, reason: 'it aborts the engine' }] },
  ];
  await assert.rejects(
    loadSherpaRecognizer({ modelsDir: SHARED_MODELS, model: KWS_MODEL, registry }),
    (e) =>
      isSpeechError(e, 'MODEL_REFUSED') && /encoder\.int8\.fixed\.onnx: it aborts the engine/.test(e.message),
  );
  // The real entry refuses the published int8 encoder and points at the patched one.
  assert.match(entry.refused[0]!.reason, /encoder\.int8\.fixed\.onnx/);
  assert.equal(entry.refused[0]!.sha256, entry.files.find((f) => f.name === 'encoder.int8.onnx')!.sha256);
});

test('hotwords without the model vocabulary are a clear error, not a silently ignored list', async () => {
  await assert.rejects(
    loadSherpaRecognizer({ modelsDir: SHARED_MODELS, model: KWS_MODEL, hotwords: ['site visit'] }),
    (e) => isSpeechError(e, 'ENGINE_UNAVAILABLE') && /bpe\.vocab/.test(e.message),
  );
});

test('ROOMAN_STT: default is the installed model, none without one; sherpa without one is an error', async () => {
  const found = await createConfiguredRecognizer({ modelsDir: SHARED_MODELS, stt: undefined, tts: 'none' });
  assert.equal(found?.name, KWS_MODEL);
  assert.equal(
    await createConfiguredRecognizer({ modelsDir: scratch, stt: undefined, tts: 'none' }),
    undefined,
  );
  assert.equal(
    await createConfiguredRecognizer({ modelsDir: SHARED_MODELS, stt: 'none', tts: 'none' }),
    undefined,
  );
  await assert.rejects(createConfiguredRecognizer({ modelsDir: scratch, stt: 'sherpa', tts: 'none' }), (e) =>
    isSpeechError(e, 'MODEL_MISSING'),
  );
});
