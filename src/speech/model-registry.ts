/**
 * The speech models Rooman knows how to fetch and load: where each comes from (the publisher's own release), what
 * the loader needs from it, its checksums and licence. `rooman models pull NAME` installs an entry into
 * `ROOMAN_MODELS_DIR/NAME/`; the loaders read the same directory, so the two must agree on file names. That
 * agreement lives here.
 *
 * Checksums: a sha256 is pinned only where it was verified (the files of the 3.3M model, which were checked byte
 * for byte). Entries whose release archive could not be downloaded on the build machines carry `null`, and pulling
 * them needs `--allow-unpinned` (the computed digests are printed and written to the install's manifest).
 */
import { z } from 'zod';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

export const ModelFile = z.object({
  /** Name inside the installed model directory (what the loader opens). */
  name: z.string().min(1),
  /** Base name of the archive member (found in any folder of the archive), or a URL for `files` sources. */
  source: z.string().min(1),
  /** A directory copied whole (e.g. Piper's `espeak-ng-data/`); it has no single checksum. */
  directory: z.boolean().default(false),
  sha256: Sha256.nullable(),
  bytes: z.number().int().positive().nullable(),
});
export type ModelFile = z.infer<typeof ModelFile>;

export const ModelSource = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('archive'),
    url: z.url({ protocol: /^https$/ }),
    format: z.enum(['tar.bz2', 'tar.gz']),
    sha256: Sha256.nullable(),
  }),
  z.object({ type: z.literal('files') }),
]);

export const ModelKind = z.enum(['stt-transducer', 'vad-silero', 'tts-vits', 'tts-kokoro']);
export type ModelKind = z.infer<typeof ModelKind>;

export const ModelEntry = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/),
  kind: ModelKind,
  description: z.string(),
  licence: z.string(),
  /** Download size, for the listing and the free-space check (approximate when the archive was not measured). */
  downloadBytes: z.number().int().positive(),
  source: ModelSource,
  /** Installed by `pull`. */
  files: z.array(ModelFile).min(1),
  /**
   * Files the loader looks for in place of a role, best first: the first one present wins. Lets a locally
   * repaired file (the patched 3.3M encoder) take precedence over the published one.
   */
  roles: z.record(z.string(), z.array(z.string()).min(1)),
  /** Files the engine is known to crash on (a native abort would kill the process): refused by checksum. */
  refused: z.array(z.object({ sha256: Sha256, reason: z.string() })).default([]),
  notes: z.string().optional(),
});
export type ModelEntry = z.infer<typeof ModelEntry>;

const K2 = 'https://github.com/k2-fsa/sherpa-onnx/releases/download';

const ENTRIES: z.input<typeof ModelEntry>[] = [
  {
    name: 'sherpa-kws-zipformer-gigaspeech-3.3M',
    kind: 'stt-transducer',
    description:
      'English streaming zipformer2 transducer, 3.3M parameters (k2-fsa KWS model, GigaSpeech, BPE-500). Tiny: good for short commands only (WER 0.28 on festival HTS speech).',
    licence: 'Apache-2.0 (k2-fsa/sherpa-onnx, icefall PR #1428)',
    downloadBytes: 5_300_000,
    source: {
      type: 'archive',
      url: `${K2}/kws-models/sherpa-onnx-kws-zipformer-gigaspeech-3.3M-2024-01-01-mobile.tar.bz2`,
      format: 'tar.bz2',
      sha256: null,
    },
    files: [
      {
        name: 'encoder.int8.onnx',
        source: 'encoder-epoch-12-avg-2-chunk-16-left-64.int8.onnx',
        sha256: '7d5a25fbc14b423074fe0c58e1be388ccf3f1a815c649980232a0c47f81875e4',
        bytes: 4_000_908,
      },
      {
        name: 'decoder.onnx',
        source: 'decoder-epoch-12-avg-2-chunk-16-left-64.onnx',
        sha256: 'f61ebd3eed3773a44d088d53dfae92dbb6aec4839f4dcaee2d402414741663a3',
        bytes: 1_063_189,
      },
      {
        name: 'joiner.int8.onnx',
        source: 'joiner-epoch-12-avg-2-chunk-16-left-64.int8.onnx',
        sha256: 'eae9da0c7e1e6c6a3f4cc42d167899c388f6c6701b94cb96320e4f55df79624c',
        bytes: 163_380,
      },
      {
        name: 'tokens.txt',
        source: 'tokens.txt',
        sha256: 'fd2ded4050a55d2b1578870ba8697d02371980217806b7558bd0a5cc60f3ba53',
        bytes: 5_006,
      },
    ],
    roles: {
      // The patched encoder (a graph edit of the published one, no weights changed) is what sherpa-onnx 1.13.8 runs.
      encoder: ['encoder.int8.fixed.onnx', 'encoder.int8.onnx'],
      decoder: ['decoder.onnx'],
      joiner: ['joiner.int8.onnx'],
      tokens: ['tokens.txt'],
    },
    refused: [
      {
        sha256: '7d5a25fbc14b423074fe0c58e1be388ccf3f1a815c649980232a0c47f81875e4',
        reason:
          "the published int8 encoder aborts sherpa-onnx 1.13.8 (Reshape '/downsample/Reshape_1' {17,1,128} vs {8,2,1,128}). " +
          'Put the graph-patched encoder.int8.fixed.onnx (sha256 dbf6c1a2516a3b4d1a85ab235dddd326f52734fcf53481462caa8abf08a84bf5, ' +
          'each /downsample*/Reshape_1 reading its Concat_1 first input; no weights changed) next to it',
      },
    ],
    notes:
      'Checksums are those of the -mobile archive’s files as copied into a public repository that bundles that archive (its NOTICE names it); the member names follow k2-fsa’s naming and were not seen in the archive itself.',
  },
  {
    name: 'sherpa-onnx-streaming-zipformer-en-20M-2023-02-17',
    kind: 'stt-transducer',
    description: 'English streaming zipformer transducer, 20M parameters (LibriSpeech). Small and fast.',
    licence: 'Apache-2.0 (k2-fsa/sherpa-onnx)',
    downloadBytes: 128_000_000,
    source: {
      type: 'archive',
      url: `${K2}/asr-models/sherpa-onnx-streaming-zipformer-en-20M-2023-02-17.tar.bz2`,
      format: 'tar.bz2',
      sha256: null,
    },
    files: [
      {
        name: 'encoder-epoch-99-avg-1.int8.onnx',
        source: 'encoder-epoch-99-avg-1.int8.onnx',
        sha256: null,
        bytes: null,
      },
      {
        name: 'decoder-epoch-99-avg-1.onnx',
        source: 'decoder-epoch-99-avg-1.onnx',
        sha256: null,
        bytes: null,
      },
      {
        name: 'joiner-epoch-99-avg-1.int8.onnx',
        source: 'joiner-epoch-99-avg-1.int8.onnx',
        sha256: null,
        bytes: null,
      },
      { name: 'tokens.txt', source: 'tokens.txt', sha256: null, bytes: null },
    ],
    roles: {
      encoder: ['encoder-epoch-99-avg-1.int8.onnx'],
      decoder: ['decoder-epoch-99-avg-1.onnx'],
      joiner: ['joiner-epoch-99-avg-1.int8.onnx'],
      tokens: ['tokens.txt'],
    },
  },
  {
    name: 'sherpa-onnx-streaming-zipformer-en-2023-06-26',
    kind: 'stt-transducer',
    description:
      'English streaming zipformer transducer, ~70M parameters (LibriSpeech + GigaSpeech), chunk 16 / left 64. The accurate choice.',
    licence: 'Apache-2.0 (k2-fsa/sherpa-onnx)',
    downloadBytes: 310_000_000,
    source: {
      type: 'archive',
      url: `${K2}/asr-models/sherpa-onnx-streaming-zipformer-en-2023-06-26.tar.bz2`,
      format: 'tar.bz2',
      sha256: null,
    },
    files: [
      {
        name: 'encoder-epoch-99-avg-1-chunk-16-left-64.int8.onnx',
        source: 'encoder-epoch-99-avg-1-chunk-16-left-64.int8.onnx',
        sha256: null,
        bytes: null,
      },
      {
        name: 'decoder-epoch-99-avg-1-chunk-16-left-64.onnx',
        source: 'decoder-epoch-99-avg-1-chunk-16-left-64.onnx',
        sha256: null,
        bytes: null,
      },
      {
        name: 'joiner-epoch-99-avg-1-chunk-16-left-64.int8.onnx',
        source: 'joiner-epoch-99-avg-1-chunk-16-left-64.int8.onnx',
        sha256: null,
        bytes: null,
      },
      { name: 'tokens.txt', source: 'tokens.txt', sha256: null, bytes: null },
    ],
    roles: {
      encoder: ['encoder-epoch-99-avg-1-chunk-16-left-64.int8.onnx'],
      decoder: ['decoder-epoch-99-avg-1-chunk-16-left-64.onnx'],
      joiner: ['joiner-epoch-99-avg-1-chunk-16-left-64.int8.onnx'],
      tokens: ['tokens.txt'],
    },
  },
  {
    name: 'silero-vad-v5',
    kind: 'vad-silero',
    description: 'Silero VAD v5 (16 kHz / 8 kHz), 2.3 MB; run through sherpa-onnx Vad.',
    licence: 'MIT (snakers4/silero-vad)',
    downloadBytes: 2_327_524,
    source: { type: 'files' },
    files: [
      {
        name: 'silero_vad.onnx',
        source: `${K2}/asr-models/silero_vad.onnx`,
        // The v5 file as shipped in npm packages (verified); k2-fsa's copy is expected to be the same v5 export.
        sha256: null,
        bytes: null,
      },
    ],
    roles: { model: ['silero_vad.onnx'] },
  },
  {
    name: 'vits-piper-en_US-amy-low',
    kind: 'tts-vits',
    description:
      'Piper VITS English voice "amy" (low, 16 kHz), packaged for sherpa-onnx with espeak-ng-data.',
    licence: 'Piper voice: see MODEL_CARD in the archive (dataset licence); packaging Apache-2.0',
    downloadBytes: 64_000_000,
    source: {
      type: 'archive',
      url: `${K2}/tts-models/vits-piper-en_US-amy-low.tar.bz2`,
      format: 'tar.bz2',
      sha256: null,
    },
    files: [
      { name: 'en_US-amy-low.onnx', source: 'en_US-amy-low.onnx', sha256: null, bytes: null },
      { name: 'tokens.txt', source: 'tokens.txt', sha256: null, bytes: null },
      { name: 'espeak-ng-data', source: 'espeak-ng-data', directory: true, sha256: null, bytes: null },
    ],
    roles: { model: ['en_US-amy-low.onnx'], tokens: ['tokens.txt'], dataDir: ['espeak-ng-data'] },
  },
  {
    name: 'kokoro-en-v0_19',
    kind: 'tts-kokoro',
    description: 'Kokoro 82M English TTS (11 voices, 24 kHz), packaged for sherpa-onnx.',
    licence: 'Apache-2.0 (hexgrad/Kokoro-82M)',
    downloadBytes: 320_000_000,
    source: {
      type: 'archive',
      url: `${K2}/tts-models/kokoro-en-v0_19.tar.bz2`,
      format: 'tar.bz2',
      sha256: null,
    },
    files: [
      { name: 'model.onnx', source: 'model.onnx', sha256: null, bytes: null },
      { name: 'voices.bin', source: 'voices.bin', sha256: null, bytes: null },
      { name: 'tokens.txt', source: 'tokens.txt', sha256: null, bytes: null },
      { name: 'espeak-ng-data', source: 'espeak-ng-data', directory: true, sha256: null, bytes: null },
    ],
    roles: {
      model: ['model.onnx'],
      voices: ['voices.bin'],
      tokens: ['tokens.txt'],
      dataDir: ['espeak-ng-data'],
    },
  },
];

/** Every known model, validated once at load so a typo in this file fails the first test that imports it. */
export const MODEL_REGISTRY: readonly ModelEntry[] = ENTRIES.map((e) => ModelEntry.parse(e));

/** The default speech-recognition model: the only one obtainable on machines without internet. */
export const DEFAULT_STT_MODEL = 'sherpa-kws-zipformer-gigaspeech-3.3M';

export function findModel(
  name: string,
  registry: readonly ModelEntry[] = MODEL_REGISTRY,
): ModelEntry | undefined {
  return registry.find((m) => m.name === name);
}

/** True when every installed file has a pinned checksum, or the archive itself has one. */
export function isPinned(entry: ModelEntry): boolean {
  if (entry.source.type === 'archive' && entry.source.sha256) return true;
  return entry.files.every((f) => f.directory || f.sha256 !== null);
}
