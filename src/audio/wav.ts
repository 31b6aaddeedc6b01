/**
 * WAV (RIFF) files holding 16-bit PCM, mono or stereo, at any rate: fixtures, recordings, TTS output. Anything else
 * (float, 8/24-bit, µ-law-in-WAV, more channels) is refused with a message that says what the file is, so a wrong
 * file fails loudly instead of playing as noise.
 */
import { RoomanError } from '../core/errors.ts';

export interface WavAudio {
  sampleRate: number;
  channels: 1 | 2;
  /** Interleaved when stereo. */
  samples: Int16Array;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** The PCM sub-format GUID's tail (00000001-0000-0010-8000-00AA00389B71, after the 2-byte format code). */
const KSDATAFORMAT_PCM_TAIL = Buffer.from('000000001000800000aa00389b71', 'hex');

const FORMAT_NAMES: Record<number, string> = {
  3: 'IEEE float',
  6: 'A-law',
  7: 'µ-law',
  17: 'IMA ADPCM',
  85: 'MP3',
};

function unsupported(details: string): RoomanError {
  return new RoomanError('UNSUPPORTED_MEDIA_TYPE', `WAV: ${details}`);
}

/** Reads a RIFF/WAVE file of 16-bit PCM. The samples are copied out, so the input buffer may be reused. */
export function readWav(bytes: Uint8Array): WavAudio {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (
    buf.length < 12 ||
    buf.toString('latin1', 0, 4) !== 'RIFF' ||
    buf.toString('latin1', 8, 12) !== 'WAVE'
  ) {
    const head = buf.toString('latin1', 0, 4);
    throw unsupported(
      `not a RIFF/WAVE file (starts with ${JSON.stringify(head)})${head === 'RIFX' ? ': big-endian RIFX is not supported' : ''}`,
    );
  }
  let format: { sampleRate: number; channels: number } | null = null;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('latin1', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = parseFormat(buf.subarray(body, Math.min(buf.length, body + size)));
    } else if (id === 'data') {
      if (!format) throw unsupported('data chunk before the fmt chunk');
      // Streamed WAVs (sox/ffmpeg writing to a pipe) leave the size at 0 or 0xFFFFFFFF: take what is there.
      const available = buf.length - body;
      const length = size === 0 || size > available ? available : size;
      const usable = length - (length % (2 * format.channels));
      const samples = new Int16Array(usable / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = buf.readInt16LE(body + i * 2);
      return { sampleRate: format.sampleRate, channels: format.channels as 1 | 2, samples };
    }
    offset = body + size + (size % 2); // chunks are padded to even sizes
  }
  throw unsupported(format ? 'no data chunk' : 'no fmt chunk');
}

function parseFormat(fmt: Buffer): { sampleRate: number; channels: number } {
  if (fmt.length < 16) throw unsupported(`fmt chunk too short (${fmt.length} bytes)`);
  let code = fmt.readUInt16LE(0);
  const channels = fmt.readUInt16LE(2);
  const sampleRate = fmt.readUInt32LE(4);
  const bits = fmt.readUInt16LE(14);
  if (code === WAVE_FORMAT_EXTENSIBLE) {
    if (fmt.length < 40) throw unsupported('WAVE_FORMAT_EXTENSIBLE fmt chunk too short');
    const subFormat = fmt.readUInt16LE(24);
    if (!fmt.subarray(26, 40).equals(KSDATAFORMAT_PCM_TAIL))
      throw unsupported('extensible format with an unknown sub-format GUID');
    code = subFormat;
  }
  if (code !== WAVE_FORMAT_PCM) {
    throw unsupported(
      `format ${FORMAT_NAMES[code] ?? `0x${code.toString(16).padStart(4, '0')}`} is not supported; only 16-bit PCM is`,
    );
  }
  if (bits !== 16) throw unsupported(`${bits}-bit PCM is not supported; only 16-bit PCM is`);
  if (channels !== 1 && channels !== 2)
    throw unsupported(`${channels} channels are not supported; only mono or stereo`);
  if (sampleRate <= 0) throw unsupported(`sample rate ${sampleRate}`);
  return { sampleRate, channels };
}

/** A canonical 44-byte-header PCM16 WAV. */
export function writeWav(audio: WavAudio): Buffer {
  const dataBytes = audio.samples.length * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'latin1');
  out.write('fmt ', 12, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  out.writeUInt16LE(audio.channels, 22);
  out.writeUInt32LE(audio.sampleRate, 24);
  out.writeUInt32LE(audio.sampleRate * audio.channels * 2, 28); // byte rate
  out.writeUInt16LE(audio.channels * 2, 32); // block align
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < audio.samples.length; i++) out.writeInt16LE(audio.samples[i]!, 44 + i * 2);
  return out;
}
