/**
 * A caller whose client stops reading (a frozen tab, a dead network path): the agent's audio piles up in the
 * server's socket buffer. Past the drop limit the audio is dropped; once it has stayed behind for a while (or past the
 * close limit) the call is closed with 1013 and its session ended, transcript kept. Another call on the same server is not affected. Small limits here,
 * so the kernel's own socket buffers fill in a few turns.
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
import { TranscriptRepository } from '../../../src/store/transcripts.ts';
import { RawWebSocket } from './raw-ws.ts';
import { VoiceClient } from './ws-client.ts';

let dataDir: string;
let rooman: Rooman;
let port: number;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rooman-voice-slow-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    ROOMAN_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ROOMAN_LOG_FORMAT: 'json',
    ROOMAN_STT: 'none',
  });
  rooman = await buildRooman(config, {
    logger: silentLogger,
    voiceLimits: { dropAudioAboveBytes: 32 * 1024, closeAboveBytes: 1024 * 1024, stalledCloseMs: 2000 },
  });
  await rooman.app.listen({ port: 0, host: '127.0.0.1' });
  port = (rooman.app.server.address() as AddressInfo).port;
});

after(async () => {
  await rooman.close();
  await rm(dataDir, { recursive: true, force: true });
});

it('a client that stops reading is closed with 1013; its transcript is kept; another call goes on', async () => {
  const transcripts = new TranscriptRepository(rooman.database.db);
  const other = new VoiceClient(`ws://127.0.0.1:${port}/ws/voice`);
  await other.event('ready');

  const stalled = await RawWebSocket.open(port, '/ws/voice');
  let turns = 0;
  const orgId = rooman.defaultOrg.id;
  const stalledSession = async () => {
    const page = await transcripts.list(orgId, { limit: 10, offset: 0 });
    return page.items.find((s) => s.entries > 0 && s.endedAt !== null);
  };
  // Every reply is seconds of 24 kHz audio the stalled client never reads.
  while (!(await stalledSession()) && turns < 60) {
    stalled.sendText(
      JSON.stringify({
        type: 'text',
        text: `Add a new lead: Person ${turns} from Pune, phone 98220${String(10000 + turns)}`,
      }),
    );
    turns++;
    await new Promise((r) => setTimeout(r, 400));
  }
  const ended = await stalledSession();
  assert.ok(ended, `the stalled call was never closed after ${turns} turns`);
  console.log(`# stalled client closed after ${turns} typed turns`);
  const close = await stalled.readUntil(8);
  assert.equal(close.payload.readUInt16BE(0), 1013);
  const events = stalled.frames.filter((f) => f.opcode === 1).map((f) => JSON.parse(f.payload.toString()));
  const error = events.find((e) => e.type === 'error');
  assert.equal(error?.error.type, 'RATE_LIMITED');
  const entries = await transcripts.entries(orgId, ended.id);
  assert.ok(entries.filter((e) => e.role === 'user').length >= 1);
  stalled.socket.destroy();

  // The other call never noticed.
  other.sendJson({ type: 'text', text: 'hello' });
  await other.event('agent.text');
  assert.equal(other.closed, null);
  other.sendJson({ type: 'hangup' });
  await other.closedWith();
});
