import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readWav, writeWav } from '../../src/audio/wav.ts';
import { RoomanError } from '../../src/core/errors.ts';
import { requireTool } from './speech-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'rooman-wav-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function header(fields: {
  code: number;
  channels: number;
  rate: number;
  bits: number;
  extra?: Buffer;
}): Buffer {
  const extra = fields.extra ?? Buffer.alloc(0);
  const fmt = Buffer.alloc(16 + extra.length);
  fmt.writeUInt16LE(fields.code, 0);
  fmt.writeUInt16LE(fields.channels, 2);
  fmt.writeUInt32LE(fields.rate, 4);
  fmt.writeUInt32LE((fields.rate * fields.channels * fields.bits) / 8, 8);
  fmt.writeUInt16LE((fields.channels * fields.bits) / 8, 12);
  fmt.writeUInt16LE(fields.bits, 14);
  extra.copy(fmt, 16);
  return fmt;
}

function riff(chunks: Array<[string, Buffer]>): Buffer {
  const parts: Buffer[] = [];
  for (const [id, body] of chunks) {
    const head = Buffer.alloc(8);
    head.write(id, 0, 'latin1');
    head.writeUInt32LE(body.length, 4);
    parts.push(head, body);
    if (body.length % 2) parts.push(Buffer.alloc(1));
  }
  const all = Buffer.concat(parts);
  const top = Buffer.alloc(12);
  top.write('RIFF', 0, 'latin1');
  top.writeUInt32LE(all.length + 4, 4);
  top.write('WAVE', 8, 'latin1');
  return Buffer.concat([top, all]);
}

describe('WAV', () => {
  it('round-trips mono and stereo PCM16 at any rate', () => {
    for (const [rate, channels] of [
      [8000, 1],
      [22050, 2],
      [48000, 1],
    ] as const) {
      const samples = Int16Array.from({ length: 200 }, (_, i) => ((i * 331) % 65536) - 32768);
      const back = readWav(writeWav({ sampleRate: rate, channels, samples }));
      assert.equal(back.sampleRate, rate);
      assert.equal(back.channels, channels);
      assert.deepEqual(back.samples, samples);
    }
  });

  it('writes a canonical 44-byte header that sox reads', () => {
    requireTool('sox');
    const file = join(dir, 'tone.wav');
    const samples = Int16Array.from({ length: 16000 }, (_, i) => Math.round(8000 * Math.sin(i / 5)));
    const bytes = writeWav({ sampleRate: 16000, channels: 1, samples });
    assert.equal(bytes.length, 44 + 32000);
    execFileSync('sh', ['-c', `cat > ${file}`], { input: bytes });
    const info = execFileSync('soxi', [file], { encoding: 'utf8' });
    assert.match(info, /Channels\s*: 1/);
    assert.match(info, /Sample Rate\s*: 16000/);
    assert.match(info, /Duration\s*: 00:00:01.00 = 16000 samples/);
    assert.match(info, /16-bit Signed Integer PCM/);
  });

  it('reads what sox writes, skipping LIST chunks, with WAVE_FORMAT_EXTENSIBLE too', () => {
    requireTool('sox');
    const plain = join(dir, 'sox.wav');
    execFileSync('sox', ['-n', '-r', '24000', '-c', '2', '-b', '16', plain, 'synth', '0.1', 'sine', '440']);
    const read = readWav(readFileSync(plain));
    assert.equal(read.sampleRate, 24000);
    assert.equal(read.channels, 2);
    assert.equal(read.samples.length, 2 * 2400);

    // A hand-built extensible header with a LIST chunk before the data.
    const guidTail = Buffer.from('000000001000800000aa00389b71', 'hex');
    const extra = Buffer.alloc(24);
    extra.writeUInt16LE(22, 0); // cbSize
    extra.writeUInt16LE(16, 2); // valid bits
    extra.writeUInt32LE(4, 4); // channel mask
    extra.writeUInt16LE(1, 8); // sub-format: PCM
    guidTail.copy(extra, 10);
    const data = Buffer.from(new Int16Array([1, -2, 3]).buffer);
    const file = riff([
      ['fmt ', header({ code: 0xfffe, channels: 1, rate: 16000, bits: 16, extra })],
      ['LIST', Buffer.from('INFOISFT\x05\x00\x00\x00sox!\x00', 'latin1')],
      ['data', data],
    ]);
    assert.deepEqual(Array.from(readWav(file).samples), [1, -2, 3]);
  });

  it('accepts a streamed WAV whose data size was never filled in', () => {
    const wav = writeWav({ sampleRate: 8000, channels: 1, samples: new Int16Array([5, 6, 7]) });
    wav.writeUInt32LE(0xffffffff, 40);
    assert.deepEqual(Array.from(readWav(wav).samples), [5, 6, 7]);
  });

  it('refuses other formats with a clear error', () => {
    const cases: Array<[Buffer, string]> = [
      [
        riff([
          ['fmt ', header({ code: 3, channels: 1, rate: 16000, bits: 32 })],
          ['data', Buffer.alloc(8)],
        ]),
        'IEEE float',
      ],
      [
        riff([
          ['fmt ', header({ code: 7, channels: 1, rate: 8000, bits: 8 })],
          ['data', Buffer.alloc(8)],
        ]),
        'µ-law',
      ],
      [
        riff([
          ['fmt ', header({ code: 1, channels: 1, rate: 16000, bits: 24 })],
          ['data', Buffer.alloc(6)],
        ]),
        '24-bit',
      ],
      [
        riff([
          ['fmt ', header({ code: 1, channels: 6, rate: 48000, bits: 16 })],
          ['data', Buffer.alloc(12)],
        ]),
        '6 channels',
      ],
      [riff([['fmt ', header({ code: 1, channels: 1, rate: 16000, bits: 16 })]]), 'no data chunk'],
      [Buffer.from('OggS\x00\x02 not a wav at all', 'latin1'), 'not a RIFF/WAVE file'],
    ];
    for (const [bytes, message] of cases) {
      assert.throws(
        () => readWav(bytes),
        (error: unknown) =>
          error instanceof RoomanError &&
          error.type === 'UNSUPPORTED_MEDIA_TYPE' &&
          error.message.includes(message),
        message,
      );
    }
  });
});
