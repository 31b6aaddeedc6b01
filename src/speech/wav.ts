/** Minimal RIFF/WAVE PCM16 reading and writing: enough for fixtures, benchmarks and debugging dumps. */

export interface Pcm16Audio {
  samples: Int16Array;
  sampleRate: number;
}

/** Reads mono or multi-channel 16-bit PCM WAV (first channel kept). Throws on anything else. */
export function parseWav(bytes: Uint8Array): Pcm16Audio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let offset = 12;
  let channels = 0;
  let sampleRate = 0;
  let bits = 0;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    // Streaming writers (festival to a pipe) leave the size as 0 or 0xFFFFFFFF: take the rest of the file.
    let size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      const format = view.getUint16(body, true);
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
      if (format !== 1 && format !== 0xfffe) throw new Error(`WAV format ${format} is not PCM`);
    } else if (id === 'data') {
      if (bits !== 16) throw new Error(`WAV has ${bits}-bit samples; 16-bit expected`);
      if (size === 0 || body + size > bytes.length) size = bytes.length - body;
      const frames = Math.floor(size / (2 * channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = view.getInt16(body + i * 2 * channels, true);
      return { samples, sampleRate };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('WAV has no data chunk');
}

export function encodeWav(audio: Pcm16Audio): Uint8Array {
  const data = audio.samples.length * 2;
  const out = new Uint8Array(44 + data);
  const view = new DataView(out.buffer);
  const put = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  view.setUint32(4, 36 + data, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  put(36, 'data');
  view.setUint32(40, data, true);
  for (let i = 0; i < audio.samples.length; i++) view.setInt16(44 + i * 2, audio.samples[i]!, true);
  return out;
}
