/**
 * `rooman models pull/list` against a real HTTP server on loopback that serves a release archive built here from the
 * model files in shared/models, in the publisher's layout (one top folder, k2-fsa's file names).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { runModelsCommand } from '../../src/cli/commands/models.ts';
import { isSpeechError } from '../../src/speech/errors.ts';
import { MANIFEST_FILE } from '../../src/speech/model-pull.ts';
import { findModel, type ModelEntry } from '../../src/speech/model-registry.ts';
import { loadSherpaRecognizer } from '../../src/speech/sherpa-recognizer.ts';
import { FIXED_ENCODER_SHA256, festivalSpeech, KWS_MODEL, SHARED_MODELS } from '../speech/fixtures.ts';

const ARCHIVE = 'sherpa-onnx-kws-zipformer-gigaspeech-3.3M-2024-01-01-mobile.tar.bz2';
const TOP = 'sherpa-onnx-kws-zipformer-gigaspeech-3.3M-2024-01-01-mobile';

/**
 * The real registry entry, except that this mirror publishes the graph-patched encoder under the release's encoder
 * name (the published one is not on this machine): the rest of the entry, names and checksums, is the real one.
 */
const real = findModel(KWS_MODEL)!;
const entry: ModelEntry = {
  ...real,
  files: real.files.map((f) =>
    f.name === 'encoder.int8.onnx'
      ? { ...f, name: 'encoder.int8.fixed.onnx', sha256: FIXED_ENCODER_SHA256, bytes: 3_998_831 }
      : f,
  ),
};
const registry = [entry, findModel('sherpa-onnx-streaming-zipformer-en-20M-2023-02-17')!];

let work: string;
let server: Server;
let baseUrl: string;
const archives = new Map<string, Buffer>();
const requests: Array<{ url: string; range: string | undefined }> = [];
/** When set, the next response is cut off after this many bytes (an interrupted download). */
let cutAfter: number | undefined;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'rooman-models-'));
  const build = async (name: string, corrupt: boolean) => {
    const root = join(work, `build-${name}`);
    await mkdir(join(root, TOP), { recursive: true });
    const from = join(SHARED_MODELS, KWS_MODEL);
    await copyFile(
      join(from, 'encoder.int8.fixed.onnx'),
      join(root, TOP, 'encoder-epoch-12-avg-2-chunk-16-left-64.int8.onnx'),
    );
    await copyFile(
      join(from, 'decoder.onnx'),
      join(root, TOP, 'decoder-epoch-12-avg-2-chunk-16-left-64.onnx'),
    );
    await copyFile(
      join(from, 'joiner.int8.onnx'),
      join(root, TOP, 'joiner-epoch-12-avg-2-chunk-16-left-64.int8.onnx'),
    );
    const tokens = await readFile(join(from, 'tokens.txt'));
    if (corrupt) tokens[10] = tokens[10]! ^ 0x01; // one flipped bit
    await writeFile(join(root, TOP, 'tokens.txt'), tokens);
    await writeFile(join(root, TOP, 'README.md'), 'test archive\n');
    execFileSync('tar', ['-cjf', join(work, name), '-C', root, TOP]);
    archives.set(name, await readFile(join(work, name)));
  };
  await build('good.tar.bz2', false);
  await build('corrupt.tar.bz2', true);

  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ url: path, range: req.headers.range });
    const body =
      path === `/good/${ARCHIVE}`
        ? archives.get('good.tar.bz2')
        : path === `/corrupt/${ARCHIVE}`
          ? archives.get('corrupt.tar.bz2')
          : undefined;
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) start = Number(range[1]);
    const slice = body.subarray(start);
    res.writeHead(range ? 206 : 200, {
      'content-length': String(slice.length),
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    if (cutAfter !== undefined) {
      const cut = cutAfter;
      cutAfter = undefined;
      res.write(slice.subarray(0, cut), () => res.destroy());
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(work, { recursive: true, force: true });
});

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { stdout, stderr, text: () => ({ out, err }) };
}

async function pull(modelsDir: string, mirror: string, ...extra: string[]) {
  const io = capture();
  const code = await runModelsCommand(['pull', KWS_MODEL, '--dir', modelsDir, ...extra], {
    stdout: io.stdout,
    stderr: io.stderr,
    modelsDir: '/nonexistent/unused',
    baseUrl: `${baseUrl}/${mirror}`,
    registry,
  });
  return { code, ...io.text() };
}

test('pull downloads from the mirror with progress, verifies, installs; the model then recognises speech', async () => {
  const dir = join(work, 'models-ok');
  requests.length = 0;
  const { code, out, err } = await pull(dir, 'good');
  assert.equal(code, 0, err);
  assert.match(out, /installed sherpa-kws-zipformer-gigaspeech-3\.3M/);
  assert.match(out, /tokens\.txt {2}sha256 fd2ded4050a55d2b/);
  // Plain progress lines (stderr is not a terminal): percentages, bytes and a rate, ending at 100 %.
  assert.match(err, /\d+% [\d.]+ MB \/ [\d.]+ MB [\d.]+ MB\/s/);
  assert.match(err, /100% /);
  assert.deepEqual(
    requests.map((r) => r.url),
    [`/good/${ARCHIVE}`],
  );
  const model = join(dir, KWS_MODEL);
  for (const f of [
    'encoder.int8.fixed.onnx',
    'decoder.onnx',
    'joiner.int8.onnx',
    'tokens.txt',
    MANIFEST_FILE,
  ]) {
    await stat(join(model, f));
  }
  await assert.rejects(stat(join(model, 'README.md')), 'only the files the registry names are installed');

  const recognizer = await loadSherpaRecognizer({ modelsDir: dir, model: KWS_MODEL, registry });
  const stream = recognizer.createStream();
  const audio = await festivalSpeech('add a new lead from delhi');
  for (let i = 0; i < audio.length; i += 1600) stream.accept(audio.subarray(i, i + 1600));
  assert.match(stream.finish().text, /new lead/);

  // Idempotent: a second pull sees the install and does not download again.
  const again = await pull(dir, 'good');
  assert.equal(again.code, 0);
  assert.match(again.out, /already installed/);
  assert.equal(requests.length, 1);

  const list = capture();
  assert.equal(await runModelsCommand(['list', '--dir', dir], { ...list, modelsDir: dir, registry }), 0);
  assert.match(
    list.text().out,
    /sherpa-kws-zipformer-gigaspeech-3\.3M\s+stt-transducer\s+\d+ MB\s+pinned\s+yes/,
  );
  assert.match(
    list.text().out,
    /sherpa-onnx-streaming-zipformer-en-20M-2023-02-17\s+stt-transducer\s+\d+ MB\s+unpinned\s+no/,
  );
});

test('one corrupted byte in the archive: refused with both checksums, nothing installed', async () => {
  const dir = join(work, 'models-corrupt');
  const { code, err } = await pull(dir, 'corrupt');
  assert.equal(code, 1);
  assert.match(
    err,
    /Checksum mismatch for tokens\.txt: expected sha256 fd2ded40\w+, got [0-9a-f]{64}\. Nothing was installed/,
  );
  await assert.rejects(stat(join(dir, KWS_MODEL)));
});

test('an archive checksum that does not match deletes the download and installs nothing', async () => {
  const dir = join(work, 'models-archive-sha');
  const pinned = { ...entry, source: { ...entry.source, sha256: 'a'.repeat(64) } } as ModelEntry;
  const io = capture();
  const code = await runModelsCommand(['pull', KWS_MODEL, '--dir', dir, '--base-url', `${baseUrl}/good`], {
    ...io,
    modelsDir: dir,
    registry: [pinned],
  });
  assert.equal(code, 1);
  assert.match(
    io.text().err,
    /Checksum mismatch for sherpa-onnx-kws-zipformer-gigaspeech-3\.3M-2024-01-01-mobile\.tar\.bz2/,
  );
  await assert.rejects(stat(join(dir, '.downloads', `${ARCHIVE}.part`)));
  await assert.rejects(stat(join(dir, KWS_MODEL)));
});

test('an interrupted download resumes with a Range request', async () => {
  const dir = join(work, 'models-resume');
  requests.length = 0;
  cutAfter = 1_000_000;
  const first = await pull(dir, 'good');
  assert.equal(first.code, 1, 'the cut-off download fails');
  await assert.rejects(stat(join(dir, KWS_MODEL)), 'nothing is installed from a partial download');
  const partSize = (await stat(join(dir, '.downloads', `${ARCHIVE}.part`))).size;
  assert.ok(partSize > 100_000 && partSize <= 1_000_000, `kept ${partSize} bytes`);

  const second = await pull(dir, 'good');
  assert.equal(second.code, 0, second.err);
  assert.match(second.err, /resuming/);
  assert.equal(requests.at(-1)?.range, `bytes=${partSize}-`);
  await stat(join(dir, KWS_MODEL, 'encoder.int8.fixed.onnx'));
});

test('a 404, an unknown name and an unpinned model are clear errors', async () => {
  const dir = join(work, 'models-errors');
  const missing = await pull(dir, 'nowhere');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /HTTP 404 Not Found for http:\/\/127\.0\.0\.1:\d+\/nowhere\/sherpa-onnx-kws/);

  const io = capture();
  assert.equal(
    await runModelsCommand(['pull', 'nope', '--dir', dir], { ...io, modelsDir: dir, registry }),
    2,
  );
  assert.match(io.text().err, /Unknown model 'nope'/);

  requests.length = 0;
  const unpinned = capture();
  const code = await runModelsCommand(
    [
      'pull',
      'sherpa-onnx-streaming-zipformer-en-20M-2023-02-17',
      '--dir',
      dir,
      '--base-url',
      `${baseUrl}/good`,
    ],
    { ...unpinned, modelsDir: dir, registry },
  );
  assert.equal(code, 1);
  assert.match(unpinned.text().err, /No checksum is pinned .* --allow-unpinned/);
  assert.equal(requests.length, 0, 'nothing is downloaded before the check');

  const usage = capture();
  assert.equal(await runModelsCommand(['pull'], { ...usage, modelsDir: dir }), 2);
  assert.equal(await runModelsCommand(['frobnicate'], { ...usage, modelsDir: dir }), 2);
});

test('loading a registry model that was never pulled says which command installs it', async () => {
  await assert.rejects(
    loadSherpaRecognizer({ modelsDir: join(work, 'empty'), model: KWS_MODEL }),
    (e) => isSpeechError(e, 'MODEL_MISSING') && /rooman models pull/.test(e.message),
  );
});
