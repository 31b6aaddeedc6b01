/**
 * The load bench in small (bench/twilio.ts runs 50 streams × 60 s): 10 concurrent media streams for 5 s on loopback,
 * through the real webhook, signatures, bridge and pacer. Every stream's outbound frames arrive whole, in order, at
 * real-time pace. Lateness is a performance figure (target: none over 20 ms, `npm run bench -- --only twilio`); here
 * only what a correct pacer guarantees even on a loaded two-core CI machine is asserted: the typical frame on time,
 * and no stall of a second.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runMediaLoad } from '../../../bench/twilio.ts';

test('10 streams × 5 s: every outbound frame arrives, in order, paced in real time', async () => {
  const result = await runMediaLoad({ streams: 10, seconds: 5 });
  console.log(`# ${JSON.stringify(result)}`);
  assert.deepEqual(result.problems, []);
  assert.equal(result.out_of_order, 0);
  assert.ok(
    result.frames_received >= result.frames_expected_min,
    `${result.frames_received} frames for ${result.frames_expected_min} expected at real time`,
  );
  // Paced, not dumped: the announcer queues 2 s ahead, so a dump would deliver far more than real time allows.
  const runSeconds = result.seconds + 2 + 1;
  assert.ok(
    result.frames_received <= result.streams * runSeconds * 50,
    `${result.frames_received} frames: not paced`,
  );
  assert.ok(result.p50_lateness_ms <= 50, `the median frame arrived ${result.p50_lateness_ms} ms late`);
  assert.ok(result.max_lateness_ms <= 1000, `a frame arrived ${result.max_lateness_ms} ms late: a stall`);
  assert.ok(
    result.marks_echoed > result.streams * result.seconds * 5,
    `only ${result.marks_echoed} marks echoed`,
  );
  // The announcer never falls behind (its first two seconds are said as it starts), so each stream is one unbroken
  // run; audio dropped while the session started would leave the queue running dry and restarting every second.
  assert.ok(
    result.server_runs < result.streams * 2,
    `${result.server_runs} runs for ${result.streams} streams`,
  );
  // Both ends agree on what they saw: the server's frames all arrived.
  assert.ok(result.frames_received >= result.frames_out_in_window);
});
