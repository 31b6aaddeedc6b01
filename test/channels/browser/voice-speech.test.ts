/**
 * Real speech over `/ws/voice`: festival's HTS voice streamed at real-time pace in 20 ms frames through the whole
 * server (sherpa 3.3M recognizer from ROOMAN_MODELS_DIR, eSpeak NG WASM replies resampled to 24 kHz). The
 * recognizer is weak (WER ≈ 0.2–0.3), so assertions are on what it gets right: partials arrive before the final,
 * the phone number, agent audio, and a barge-in that clears the agent's audio.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { loadConfig } from '../../../src/core/config.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { buildRooman, type Rooman } from '../../../src/server.ts';
import { festivalSpeech, SHARED_MODELS } from '../../speech/fixtures.ts';
import { VoiceClient } from './ws-client.ts';
import { WsLine } from './ws-line.ts';

let dataDir: string;
let rooman: Rooman;
let wsUrl: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rooman-voice-speech-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    ROOMAN_DATA_DIR: dataDir,
    ROOMAN_MODELS_DIR: SHARED_MODELS,
    LOG_LEVEL: 'silent',
    ROOMAN_LOG_FORMAT: 'json',
  });
  rooman = await buildRooman(config, { logger: silentLogger });
  await rooman.app.listen({ port: 0, host: '127.0.0.1' });
  wsUrl = `ws://127.0.0.1:${(rooman.app.server.address() as AddressInfo).port}/ws/voice`;
});

after(async () => {
  await rooman.close();
  await rm(dataDir, { recursive: true, force: true });
});

it('spoken request: partials, a final, the reply spoken at 24 kHz; speech over the reply clears it', async () => {
  const [request, interruption, silence] = await Promise.all([
    festivalSpeech(
      'add a new lead rohan sharma from gurgaon phone nine eight seven six five four three two one zero',
    ),
    festivalSpeech('no wait cancel my meeting on friday'),
    Promise.resolve(new Int16Array(16_000)),
  ]);
  const client = new VoiceClient(wsUrl);
  const ready = await client.event('ready');
  assert.equal(ready.speech_in, true, 'the server loaded no recognizer');
  const line = new WsLine(client.ws);
  line.start();
  try {
    const spokenAt = await line.say(request);
    await line.say(silence);
    const final = await client.event('user.final', (e) => e.source === 'speech', 10_000);
    const partials = client.events('user.partial');
    assert.ok(partials.length >= 3, `only ${partials.length} partials`);
    const finalIndex = client.events().indexOf(final);
    assert.ok(client.events().indexOf(partials[0]!) < finalIndex, 'the first partial came after the final');
    assert.match(String(final.text), /nine eight seven six five four three two one zero/i);
    const metrics = await client.event('turn.metrics', (m) => m.source === 'speech', 15_000);
    console.log(
      `# speech over /ws/voice: ${partials.length} partials; final "${final.text}"; ` +
        `speech end → first audio ${Math.round(Number(metrics.speech_end_to_first_audio_ms))} ms; ` +
        `first frame → final ${Math.round(client.received.find((r) => r.json === final)!.at - spokenAt)} ms`,
    );
    assert.ok(client.audioSamples() > 12_000, `only ${client.audioSamples()} samples of reply audio`);

    // Barge-in: the agent speaks (the session assumes real-time playback: no `played` reports), the caller talks.
    client.sendJson({
      type: 'text',
      text: 'Add a new lead: Meera Nair from Pune, phone 9822012345, source Instagram',
    });
    const turns = client.events('turn.metrics').length;
    await client.until(
      () =>
        client.events('state').at(-1)?.state === 'speaking' && client.events('turn.metrics').length > turns,
      'the agent speaking the second reply',
    );
    await new Promise((r) => setTimeout(r, 400));
    const bargeAt = await line.say(interruption);
    const clearAt = await client.until(
      () => client.received.find((r) => r.json?.type === 'clear' && r.at >= bargeAt)?.at,
      'a clear after the caller spoke',
      5_000,
    );
    console.log(`# barge-in over /ws/voice: speech start → clear ${Math.round(clearAt - bargeAt)} ms`);
    assert.ok(
      clearAt - bargeAt < 1500,
      `clear came ${Math.round(clearAt - bargeAt)} ms after the caller spoke`,
    );
  } finally {
    line.stop();
    client.sendJson({ type: 'hangup' });
    await client.closedWith();
  }
});
