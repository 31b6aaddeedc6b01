/**
 * A server with no speech-recognition model installed still takes calls: the log says why voice input is off,
 * `ready` says `speech_in: false`, and typed text over the socket is answered (and spoken).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { loadConfig } from '../../../src/core/config.ts';
import { createLogger } from '../../../src/core/logger.ts';
import { buildRooman } from '../../../src/server.ts';
import { VoiceClient } from './ws-client.ts';

test('no STT model: a clear log line, speech_in false, typed text still works', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'rooman-voice-nomodel-'));
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
  });
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    ROOMAN_DATA_DIR: dataDir,
    // An empty models folder: nothing installed.
    ROOMAN_MODELS_DIR: join(dataDir, 'models'),
    LOG_LEVEL: 'info',
    ROOMAN_LOG_FORMAT: 'json',
  });
  const rooman = await buildRooman(config, {
    logger: createLogger({ level: 'info', format: 'json', destination: stream }),
  });
  t.after(async () => {
    await rooman.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  await rooman.app.listen({ port: 0, host: '127.0.0.1' });
  const client = new VoiceClient(
    `ws://127.0.0.1:${(rooman.app.server.address() as AddressInfo).port}/ws/voice`,
  );
  const ready = await client.event('ready');
  assert.equal(ready.speech_in, false);
  const warning = lines.find((l) => /no speech-recognition model installed/.test(l.msg));
  assert.ok(warning, `no log line about the missing model: ${JSON.stringify(lines.map((l) => l.msg))}`);
  assert.match(warning.msg, /typed text only/);

  client.sendJson({ type: 'text', text: 'hello' });
  await client.event('agent.text');
  await client.until(() => client.audioSamples() > 0, 'reply audio');
  client.sendJson({ type: 'hangup' });
  await client.closedWith();
});
