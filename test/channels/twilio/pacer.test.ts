/**
 * The outbound pacer: frames leave in order, a mark right after the frame before it, at most `lead` frames ahead of
 * real time; a clear drops the queue; and the calls of one process share wake-ups (their runs sit on one 20 ms grid),
 * so N calls do not cost N timers per frame.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameClock, OutboundPacer } from '../../../src/channels/twilio/pacer.ts';

/** Waits (up to 5 s: a loaded machine runs timers late) until `done` holds. */
async function until(done: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !done() && Date.now() < deadline; )
    await new Promise((r) => setTimeout(r, 20));
}

const frames = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}-f${i}`);

test('frames in order, marks after their frame, paced: 25 frames take about (25 − lead) × 20 ms', async () => {
  const sent: Array<[string, number]> = [];
  const clock = new FrameClock();
  const pacer = new OutboundPacer({ send: (d) => sent.push([d, performance.now()]), clock, leadFrames: 2 });
  const start = performance.now();
  for (const [i, f] of frames(25, 'a').entries()) {
    pacer.pushFrame(f);
    if (i % 5 === 4) pacer.pushAfter(`a-mark${i}`);
  }
  // The lead goes at once (and the frame due at the grid instant before the start), the rest waits for its time.
  assert.ok(sent.length >= 3 && sent.length <= 4, `${sent.length} sent at once`);
  await until(() => sent.length === 30);
  const names = sent.map(([d]) => d);
  const expected: string[] = [];
  for (const [i, f] of frames(25, 'a').entries()) {
    expected.push(f);
    if (i % 5 === 4) expected.push(`a-mark${i}`);
  }
  assert.deepEqual(names, expected);
  const last = sent.at(-1)![1] - start;
  // Frame 24 is due (24 − 2) × 20 = 440 ms after the grid instant before the start (< 20 ms before it).
  assert.ok(last >= 420, `all 25 frames out after ${Math.round(last)} ms: not paced`);
  assert.equal(pacer.stats.framesSent, 25);
  assert.equal(pacer.queuedFrames, 0);
});

test('a clear drops what is queued; the next audio starts a new run', async () => {
  const sent: string[] = [];
  const pacer = new OutboundPacer({ send: (d) => sent.push(d), clock: new FrameClock(), leadFrames: 1 });
  for (const f of frames(20, 'b')) pacer.pushFrame(f);
  await new Promise((r) => setTimeout(r, 70));
  pacer.clear();
  const before = sent.length;
  assert.ok(before < 20, 'everything went out before the clear');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(sent.length, before, 'frames went out after the clear');
  pacer.pushFrame('c-f0');
  assert.equal(sent.at(-1), 'c-f0', 'a new run starts at once');
  assert.equal(pacer.stats.runs, 2);
  pacer.stop();
});

test('calls started at different moments share the clock’s wake-ups', async () => {
  const clock = new FrameClock();
  const sent = new Map<string, string[]>();
  const pacers: OutboundPacer[] = [];
  for (let p = 0; p < 5; p++) {
    const tag = `p${p}`;
    sent.set(tag, []);
    const pacer = new OutboundPacer({ send: (d) => sent.get(tag)!.push(d), clock, leadFrames: 2 });
    pacers.push(pacer);
    for (const f of frames(30, tag)) pacer.pushFrame(f);
    await new Promise((r) => setTimeout(r, 3));
  }
  await until(() => [...sent.values()].every((list) => list.length === 30));
  for (const [tag, list] of sent) assert.deepEqual(list, frames(30, tag), tag);
  // 28 paced frames each: ~28 shared ticks (a timer late under load adds a few), where one timer per call would
  // wake 5 × 28 = 140 times.
  assert.ok(clock.wakeups <= 56, `${clock.wakeups} wake-ups for 5 calls`);
  console.log('WAKE', clock.wakeups);
});

test('a queue that keeps being topped up does not keep what it sent', async () => {
  let sent = 0;
  // 1 ms frames, so the test is quick; the array compacts once more than 256 items were sent while more wait.
  const pacer = new OutboundPacer({ send: () => sent++, clock: new FrameClock(), frameMs: 1, leadFrames: 0 });
  for (let i = 0; i < 300; i++) pacer.pushFrame(`x${i}`);
  await until(() => sent >= 280);
  assert.ok(pacer.retained < 300 - 256, `the queue still holds ${pacer.retained} items`);
  await until(() => sent === 300);
  assert.equal(sent, 300);
});

test('audio queued as bytes goes out frame by frame, each message made as it leaves, tags after their frame', async () => {
  const sent: string[] = [];
  const made: number[] = [];
  const pacer = new OutboundPacer({
    send: (d) => sent.push(d),
    // The frame's message names its first byte, and says when it was made (it must be made as it goes out).
    frameMessage: (payload) => {
      made.push(performance.now());
      return `frame${payload[0]}x${payload.length}`;
    },
    tagMessage: (tag) => (tag === 'silent' ? undefined : `mark-${String(tag)}`),
    clock: new FrameClock(),
    frameBytes: 4,
  });
  const audio = new Uint8Array(40).map((_, i) => Math.floor(i / 4));
  pacer.pushAudio(audio.subarray(0, 28), [
    { afterFrame: 5, tag: 'a' },
    { afterFrame: 5, tag: 'silent' },
    { afterFrame: 7, tag: 'a-end' },
  ]);
  pacer.pushAudio(audio.subarray(28));
  pacer.pushAfter('mark-b');
  // The lead (3 frames, and the one due at the grid instant before the start) goes at once; nothing else is made
  // ahead of its time.
  assert.ok(sent.length >= 4 && sent.length <= 5, `${sent.length} sent at once`);
  assert.deepEqual(sent.slice(0, 4), ['frame0x4', 'frame1x4', 'frame2x4', 'frame3x4']);
  await until(() => sent.length === 13);
  assert.deepEqual(sent, [
    ...[0, 1, 2, 3, 4].map((i) => `frame${i}x4`),
    'mark-a',
    'frame5x4',
    'frame6x4',
    'mark-a-end',
    ...[7, 8, 9].map((i) => `frame${i}x4`),
    'mark-b',
  ]);
  assert.ok(made.at(-1)! - made[0]! >= 100, 'the messages were all made at once, not as they went out');
  // (Whether every frame left ahead of its playback is timing, a benchmark's business: bench/twilio.ts.)
  assert.throws(() => pacer.pushAudio(new Uint8Array(6)), /not whole 4-byte frames/);
  assert.throws(
    () => pacer.pushAudio(new Uint8Array(8), [{ afterFrame: 3, tag: 'x' }]),
    /after frame 3 of 2/,
  );
  assert.throws(
    () =>
      pacer.pushAudio(new Uint8Array(8), [
        { afterFrame: 2, tag: 'x' },
        { afterFrame: 1, tag: 'y' },
      ]),
    /in order/,
  );
  assert.throws(
    () => new OutboundPacer({ send: () => {}, clock: new FrameClock() }).pushAudio(new Uint8Array(160)),
    /frameMessage/,
  );
});

test('a clear from inside a send (a barge-in) stops that audio and its tags at once', async () => {
  const sent: string[] = [];
  const pacer: OutboundPacer = new OutboundPacer({
    send: (d) => {
      sent.push(d);
      if (d === 'frame1') pacer.clear();
    },
    frameMessage: (payload) => `frame${payload[0]}`,
    tagMessage: (tag) => `mark-${String(tag)}`,
    clock: new FrameClock(),
    frameBytes: 1,
  });
  pacer.pushAudio(new Uint8Array([0, 1, 2, 3, 4, 5]), [
    { afterFrame: 2, tag: 'lost' },
    { afterFrame: 6, tag: 'end' },
  ]);
  await new Promise((r) => setTimeout(r, 150));
  assert.deepEqual(sent, ['frame0', 'frame1']);
  assert.equal(pacer.queuedFrames, 0);
  // The next audio starts a new run at once.
  pacer.pushAudio(new Uint8Array([9]), [{ afterFrame: 1, tag: 'next' }]);
  assert.deepEqual(sent.slice(2), ['frame9', 'mark-next']);
});

test('a stall longer than the lead shows as frames behind their playback moment', async () => {
  const sent: string[] = [];
  const pacer = new OutboundPacer({ send: (d) => sent.push(d), clock: new FrameClock(), leadFrames: 3 });
  for (const f of frames(20, 's')) pacer.pushFrame(f);
  await until(() => sent.length >= 6);
  // The process stalls for 150 ms (a long collection, a descheduled machine): 60 ms of lead cannot cover it.
  for (const end = performance.now() + 150; performance.now() < end; );
  await until(() => sent.length === 20);
  assert.ok(pacer.stats.underruns > 0, 'no frame counted as late for playback');
  assert.ok(
    pacer.stats.maxPlaybackLatenessMs >= 50,
    `${pacer.stats.maxPlaybackLatenessMs} ms behind playback`,
  );
  assert.ok(pacer.stats.lateFrames > 0);
});
