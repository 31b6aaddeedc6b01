/**
 * Text-to-speech through Debian engines run as processes: festival (`text2wave`, HTS voice cmu_us_slt_arctic_hts
 * when installed: the most natural voice available offline), flite (voice slt) and espeak-ng. They need
 * `apt-get install festival festvox-us-slt-hts flite espeak-ng`; the default engine (espeak-ng WASM) needs nothing.
 *
 * One process per sentence. flite cannot write WAV to a Node pipe (`-o /dev/stdout` fails), and text2wave buffers
 * the whole utterance anyway, so both write a temporary file; espeak-ng streams WAV on stdout.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav } from '../audio/wav.ts';
import { SpeechError } from './errors.ts';
import {
  type SpeechSynthesizer,
  type SynthesisChunk,
  type SynthesizeOptions,
  splitSentences,
} from './synthesizer.ts';

export type ProcessEngine = 'festival' | 'flite' | 'espeak-ng';

export interface ProcessTtsOptions {
  engine: ProcessEngine;
  /** festival: a voice function name without `voice_` (default cmu_us_slt_arctic_hts); flite: slt; espeak-ng: en-us. */
  voice?: string;
  /** Output rate. festival resamples itself (-F); flite slt and espeak-ng have fixed rates (16000, 22050). */
  sampleRate?: number;
}

const BINARIES: Record<ProcessEngine, string> = {
  festival: 'text2wave',
  flite: 'flite',
  'espeak-ng': 'espeak-ng',
};
const PACKAGES: Record<ProcessEngine, string> = {
  festival: 'festival festvox-us-slt-hts',
  flite: 'flite',
  'espeak-ng': 'espeak-ng',
};

/** Whether the engine's program is on PATH (`which` semantics, without a shell). */
export function processEngineAvailable(engine: ProcessEngine): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', `command -v ${BINARIES[engine]}`], (error) => resolve(!error));
  });
}

export async function createProcessSynthesizer(options: ProcessTtsOptions): Promise<SpeechSynthesizer> {
  const { engine } = options;
  if (!(await processEngineAvailable(engine))) {
    throw new SpeechError(
      'ENGINE_UNAVAILABLE',
      `${BINARIES[engine]} is not installed (Debian: apt-get install ${PACKAGES[engine]})`,
    );
  }
  const voice =
    options.voice ?? (engine === 'festival' ? 'cmu_us_slt_arctic_hts' : engine === 'flite' ? 'slt' : 'en-us');
  const sampleRate =
    engine === 'festival' ? (options.sampleRate ?? 16_000) : engine === 'flite' ? 16_000 : 22_050;
  return {
    name: `${engine}:${voice}`,
    sampleRate,
    synthesize: (text, opts) => synthesizeWith(engine, voice, sampleRate, text, opts ?? {}),
  };
}

async function* synthesizeWith(
  engine: ProcessEngine,
  voice: string,
  sampleRate: number,
  text: string,
  { signal }: SynthesizeOptions,
): AsyncGenerator<SynthesisChunk> {
  const sentences = splitSentences(text);
  const dir = await mkdtemp(join(tmpdir(), 'rooman-tts-'));
  try {
    for (const [sentenceIndex, sentence] of sentences.entries()) {
      if (signal?.aborted) return;
      const wav = await runOnce(engine, voice, sampleRate, sentence, dir, signal);
      if (!wav || signal?.aborted) return;
      const audio = readWav(wav);
      if (audio.channels !== 1)
        throw new Error(`${engine} produced ${audio.channels}-channel audio; mono was expected`);
      if (audio.sampleRate !== sampleRate) {
        throw new Error(`${engine} produced ${audio.sampleRate} Hz audio; ${sampleRate} Hz was expected`);
      }
      yield { samples: audio.samples, sampleRate, sentenceIndex, sentence };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One sentence → WAV bytes, or undefined when aborted (the process is killed). */
async function runOnce(
  engine: ProcessEngine,
  voice: string,
  sampleRate: number,
  sentence: string,
  dir: string,
  signal: AbortSignal | undefined,
): Promise<Uint8Array | undefined> {
  const out = join(dir, 'out.wav');
  let args: string[];
  if (engine === 'festival') {
    const input = join(dir, 'in.txt');
    await writeFile(input, sentence);
    args = ['-eval', `(voice_${voice})`, '-F', String(sampleRate), '-o', out, input];
  } else if (engine === 'flite') {
    args = ['-voice', voice, '-t', sentence, '-o', out];
  } else {
    args = ['-v', voice, '--stdout', sentence];
  }
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(BINARIES[engine], args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    child.stdout.on('data', (b: Buffer) => stdout.push(b));
    child.stderr.on('data', (b: Buffer) => stderr.push(b));
    child.on('error', (error) => (error.name === 'AbortError' ? resolve(null) : reject(error)));
    child.on('close', (c) => resolve(c));
  });
  if (signal?.aborted || code === null) return undefined;
  if (code !== 0) {
    throw new Error(`${BINARIES[engine]} exited with ${code}: ${Buffer.concat(stderr).toString().trim()}`);
  }
  return engine === 'espeak-ng' ? Buffer.concat(stdout) : readFile(out);
}
