import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Endpointer, isLikelyIncomplete } from '../../src/audio/endpointer.ts';
import { EnergyVad } from '../../src/audio/energy-vad.ts';
import { framesOf } from '../../src/audio/pcm.ts';
import type { VadEvent } from '../../src/audio/vad.ts';

const start = (ms: number): VadEvent => ({
  type: 'speech-start',
  startMs: ms,
  detectedAtMs: ms + 60,
  probability: 0.9,
});
const end = (from: number, ms: number): VadEvent => ({
  type: 'speech-end',
  startMs: from,
  endMs: ms,
  detectedAtMs: ms + 300,
  probability: 0.9,
});

describe('isLikelyIncomplete', () => {
  it('waits inside entities being dictated', () => {
    for (const text of [
      'my number is nine eight seven six',
      'nine eight seven six five four three two one',
      'call me on 98765',
      'it is nine eight double seven',
      'schedule it on the twenty',
      'my name is',
      'a new lead named',
      'send it to rohan at gmail dot',
      'send it to rohan at gmail',
      'rohan@',
      'add a lead from',
      'Rohan Sharma and',
      'the visit is at five',
      'my number is nine',
      'call me on 9',
      'um',
    ]) {
      assert.equal(isLikelyIncomplete(text), true, text);
    }
  });

  it('lets finished sentences go', () => {
    for (const text of [
      '',
      'my number is nine eight seven six five four three two one zero',
      'phone 9876543210',
      'plus nine one 98765 43210',
      'schedule a team meeting for tomorrow at ten AM',
      'cancel all meetings on September twentieth',
      'my name is Rohan Sharma',
      'send it to rohan at gmail dot com',
      'update lead status to won.',
      'yes',
      // A lone digit word after an ordinary word is a recogniser slip, not a number begun.
      'update the lead status to one',
      'but they the leads channistic while i five',
    ]) {
      assert.equal(isLikelyIncomplete(text), false, text);
    }
  });
});

describe('Endpointer', () => {
  it('ends a finished turn after the normal silence, measured from the end of speech', () => {
    const ep = new Endpointer();
    assert.equal(ep.deadlineMs(), null, 'nothing heard yet');
    ep.onVad(start(1000));
    ep.onTranscript('update lead status to won');
    assert.equal(ep.deadlineMs(), null, 'still speaking');
    ep.onVad(end(1000, 2400));
    assert.equal(ep.deadlineMs(), 2700);
    assert.equal(ep.poll(2699), null);
    assert.deepEqual(ep.poll(2700), {
      atMs: 2700,
      speechEndMs: 2400,
      silenceMs: 300,
      transcript: 'update lead status to won',
      waitedForMore: false,
    });
    assert.equal(ep.poll(5000), null, 'reported once');
  });

  it('waits longer while a phone number is being dictated, and the caller finishing it ends the turn sooner', () => {
    const ep = new Endpointer();
    ep.onVad(start(0));
    ep.onTranscript('my number is nine eight seven six');
    ep.onVad(end(0, 2000));
    assert.equal(ep.deadlineMs(), 3500);
    assert.equal(ep.poll(2600), null, 'the usual short silence is not enough mid-number');
    ep.onVad(start(2900));
    assert.equal(ep.poll(3600), null, 'the caller went on');
    ep.onTranscript('my number is nine eight seven six five four three two one zero');
    ep.onVad(end(2900, 4700));
    assert.equal(ep.poll(4999), null);
    const turn = ep.poll(5000);
    assert.ok(turn);
    assert.equal(turn.waitedForMore, false);
    assert.equal(turn.speechEndMs, 4700);
  });

  it('a more precise speech end (the energy detector under Silero) moves the deadline earlier, never later', () => {
    const ep = new Endpointer();
    ep.onVad(start(0));
    ep.onTranscript('cancel my meeting on friday');
    ep.refineSpeechEnd(1500);
    assert.equal(ep.deadlineMs(), null, 'ignored while the caller speaks');
    ep.onVad(end(0, 2100));
    assert.equal(ep.deadlineMs(), 2400);
    ep.refineSpeechEnd(2200);
    assert.equal(ep.deadlineMs(), 2400, 'never later');
    ep.refineSpeechEnd(2000);
    assert.equal(ep.deadlineMs(), 2300);
    assert.equal(ep.poll(2300)?.speechEndMs, 2000);
  });

  it('an incomplete turn still ends after the longer timeout', () => {
    const ep = new Endpointer({ silenceMs: 400, incompleteSilenceMs: 1200 });
    ep.onVad(start(0));
    ep.onTranscript('my name is');
    ep.onVad(end(0, 800));
    assert.equal(ep.poll(1999), null);
    const turn = ep.poll(2000);
    assert.equal(turn?.silenceMs, 1200);
    assert.equal(turn?.waitedForMore, true);
  });

  it('takes a custom isLikelyIncomplete hook', () => {
    const seen: string[] = [];
    const ep = new Endpointer({
      isLikelyIncomplete: (text) => {
        seen.push(text);
        return text.endsWith('...');
      },
    });
    ep.onVad(start(0));
    ep.onTranscript('well...');
    ep.onVad(end(0, 1000));
    assert.equal(ep.deadlineMs(), 2500);
    ep.onTranscript('well, yes');
    assert.equal(ep.deadlineMs(), 1300);
    assert.deepEqual(seen, ['well...', 'well, yes']);
  });

  it('works on the events of a real VAD over audio', () => {
    // 1.2 s of a voiced burst, then silence; the energy VAD ends speech at 1.5 s and says so 300 ms later.
    const rate = 16000;
    const audio = new Int16Array(rate * 3);
    for (let i = Math.round(0.3 * rate); i < Math.round(1.5 * rate); i++)
      audio[i] = Math.round(6000 * Math.sin((2 * Math.PI * 180 * i) / rate));
    const vad = new EnergyVad({ sampleRate: rate });
    const ep = new Endpointer();
    ep.onTranscript('cancel the meeting');
    let turn = null;
    let clockMs = 0;
    for (const frame of framesOf(audio, 320)) {
      for (const event of vad.push(frame)) ep.onVad(event);
      clockMs += 20;
      turn ??= ep.poll(clockMs);
    }
    assert.ok(turn);
    assert.equal(turn.speechEndMs, 1500);
    assert.equal(turn.atMs, 1800);
  });
});
