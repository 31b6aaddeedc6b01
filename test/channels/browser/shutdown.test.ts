/**
 * Shutting the server down with a call open: the caller is told (`ended`, close 1001), the call's transcript is
 * settled before the database closes, and it is there when the server starts again on the same data.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../../src/core/config.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { buildRooman } from '../../../src/server.ts';
import { TranscriptRepository } from '../../../src/store/transcripts.ts';
import { VoiceClient } from './ws-client.ts';

test('server shutdown ends open calls cleanly; their transcripts survive a restart', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'rooman-voice-shutdown-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    ROOMAN_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ROOMAN_LOG_FORMAT: 'json',
    ROOMAN_STT: 'none',
  });
  const first = await buildRooman(config, { logger: silentLogger });
  await first.app.listen({ port: 0, host: '127.0.0.1' });
  const client = new VoiceClient(
    `ws://127.0.0.1:${(first.app.server.address() as AddressInfo).port}/ws/voice`,
  );
  const sessionId = String((await client.event('ready')).session_id);
  client.sendJson({ type: 'text', text: 'Add a new lead: Farhan Ali from Thane, phone 9819098190' });
  await client.event('agent.text');

  await first.close();
  const closed = await client.closedWith();
  assert.equal(closed.code, 1001);
  assert.equal(client.events('ended')[0]?.reason, 'server-closing');

  const second = await buildRooman(config, { logger: silentLogger });
  try {
    const transcripts = new TranscriptRepository(second.database.db);
    const session = await transcripts.findSession(second.defaultOrg.id, sessionId);
    assert.ok(session?.ended_at, 'the call was not ended in the database');
    const roles = (await transcripts.entries(second.defaultOrg.id, sessionId)).map((e) => e.role);
    assert.deepEqual(roles, ['user', 'tool', 'agent']);
  } finally {
    await second.close();
  }
});
