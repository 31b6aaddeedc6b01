import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bytesPerFrame,
  FrameChunker,
  float32ToInt16,
  int16ToFloat32,
  paceFrames,
  pcm16FromBytes,
  pcm16ToBytes,
  rmsDbfs,
  samplesPerFrame,
  stereoToMono,
} from '../../src/audio/pcm.ts';

describe('PCM16 frames', () => {
  it('knows the frame sizes of every channel (protocols.md §2.6, §1.9)', () => {
    assert.equal(samplesPerFrame(8000, 20), 160);
    assert.equal(bytesPerFrame(8000, 20), 320);
    assert.equal(bytesPerFrame(16000, 20), 640);
    assert.equal(bytesPerFrame(24000, 20), 960);
    assert.throws(() => samplesPerFrame(22050, 1), /whole number/);
  });

  it('views little-endian bytes as samples without copying', () => {
    const bytes = Buffer.from([0x01, 0x00, 0xff, 0x7f, 0x00, 0x80, 0xff, 0xff]);
    const samples = pcm16FromBytes(bytes);
    assert.deepEqual(Array.from(samples), [1, 32767, -32768, -1]);
    assert.equal(samples.buffer, bytes.buffer, 'a view over the same memory');
    const back = pcm16ToBytes(samples);
    assert.equal(back.buffer, bytes.buffer);
    assert.deepEqual(back, bytes);
  });

  it('copies when the bytes start at an odd offset, and refuses an odd byte count', () => {
    const backing = new Uint8Array([9, 0x02, 0x00, 0x00, 0x80]);
    const samples = pcm16FromBytes(backing.subarray(1));
    assert.deepEqual(Array.from(samples), [2, -32768]);
    assert.notEqual(samples.buffer, backing.buffer);
    assert.throws(() => pcm16FromBytes(new Uint8Array(3)), /even number of bytes/);
  });

  it('converts to float and back exactly', () => {
    const samples = new Int16Array([0, 1, -1, 32767, -32768, 12345]);
    assert.deepEqual(float32ToInt16(int16ToFloat32(samples)), samples);
    assert.deepEqual(Array.from(float32ToInt16(new Float32Array([2, -2]))), [32767, -32768]);
  });

  it('measures level in dBFS and downmixes stereo', () => {
    assert.equal(rmsDbfs(new Int16Array(160)), Number.NEGATIVE_INFINITY);
    const square = new Int16Array(160).map((_, i) => (i % 2 ? 16384 : -16384));
    assert.ok(Math.abs(rmsDbfs(square) - -6.02) < 0.01);
    assert.deepEqual(Array.from(stereoToMono(new Int16Array([100, 300, -5, -7]))), [200, -6]);
  });
});

describe('FrameChunker', () => {
  it('turns arbitrary chunks, odd sizes included, into exact frames and keeps the remainder', () => {
    const all = Uint8Array.from({ length: 2000 }, (_, i) => i & 0xff);
    const chunker = new FrameChunker(320);
    const frames: Uint8Array[] = [];
    const sizes = [1, 319, 3, 641, 77, 500, 459];
    let offset = 0;
    for (const size of sizes) {
      frames.push(...chunker.push(all.subarray(offset, offset + size)));
      offset += size;
    }
    assert.equal(offset, 2000);
    assert.equal(frames.length, 6);
    assert.equal(chunker.buffered, 80);
    assert.ok(frames.every((f) => f.length === 320));
    const joined = Buffer.concat(frames);
    assert.deepEqual(new Uint8Array(joined), all.subarray(0, 1920));
    const last = chunker.flush();
    assert.ok(last);
    assert.deepEqual(last.subarray(0, 80), all.subarray(1920));
    assert.ok(
      last.subarray(80).every((b) => b === 0),
      'padded with silence',
    );
    assert.equal(chunker.flush(), null);
  });

  it('hands out views for frames inside one chunk and never overwrites a frame it returned', () => {
    const chunker = new FrameChunker(4);
    const chunk = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const [first] = chunker.push(chunk);
    assert.equal(first!.buffer, chunk.buffer);
    const [assembled] = chunker.push(new Uint8Array([7, 8, 9, 10]));
    assert.deepEqual(Array.from(assembled!), [5, 6, 7, 8]);
    chunker.push(new Uint8Array([11, 12, 13]));
    assert.deepEqual(Array.from(assembled!), [5, 6, 7, 8], 'still intact after later pushes');
    chunker.clear();
    assert.equal(chunker.buffered, 0);
  });

  it('keeps samples whole when a chunk ends halfway through one', () => {
    const chunker = new FrameChunker(bytesPerFrame(8000, 20));
    const pcm = pcm16ToBytes(new Int16Array(200).map((_, i) => i * 100 - 10000));
    const frames = [...chunker.push(pcm.subarray(0, 161)), ...chunker.push(pcm.subarray(161))];
    assert.equal(frames.length, 1);
    assert.deepEqual(
      Array.from(pcm16FromBytes(frames[0]!)),
      Array.from({ length: 160 }, (_, i) => i * 100 - 10000),
    );
  });
});

describe('paceFrames', () => {
  it('schedules against the start time so late timers do not add up to drift', async () => {
    let clock = 0;
    const sleeps: number[] = [];
    const paced: Array<[number, number]> = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      clock += ms + 3; // every timer fires 3 ms late
    };
    for await (const frame of paceFrames([0, 1, 2, 3, 4], { frameMs: 20, now: () => clock, sleep })) {
      paced.push([frame, clock]);
    }
    assert.deepEqual(
      paced.map(([f]) => f),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(sleeps, [20, 17, 17, 17], 'each wait shortened by the previous lateness');
    assert.equal(paced.at(-1)![1], 83, 'the last frame is 3 ms late, not 4 × 3 ms');
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    for await (const frame of paceFrames([1, 2, 3], { frameMs: 5, signal: controller.signal })) {
      seen.push(frame);
      controller.abort();
    }
    assert.deepEqual(seen, [1]);
  });
});
