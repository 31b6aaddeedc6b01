/**
 * The whole server (buildRooman) with a model brain, for `/bot/handle` tests: a client that checks every answer
 * against the bot contract (BotResponse, no key the contract lacks), and one conversation every provider must
 * carry the same way (confirm, then create the lead in the built-in CRM).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BotResponse } from '../../../src/core/bot.ts';
import { loadConfig } from '../../../src/core/config.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { buildRooman, type Rooman } from '../../../src/server.ts';

const CONTRACT_KEYS = new Set([
  'session_id',
  'intent',
  'entities',
  'crm_call',
  'result',
  'reply',
  'awaiting',
  'error',
]);
export const ROHAN = { name: 'Rohan Sharma', phone: '9876543210', city: 'Gurgaon', source: 'Instagram' };

export async function serve(env: Record<string, string>) {
  const dataDir = await mkdtemp(join(tmpdir(), 'rooman-model-brain-'));
  const rooman: Rooman = await buildRooman(
    loadConfig({
      ROOMAN_DATA_DIR: dataDir,
      ROOMAN_CSV_LOGS: 'off',
      ROOMAN_STT: 'none',
      LOG_LEVEL: 'silent',
      ...env,
    }),
    { logger: silentLogger },
  );
  await rooman.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(rooman.app.server.address() as AddressInfo).port}`;
  const say = async (transcript: string, session_id?: string) => {
    const res = await fetch(`${base}/bot/handle`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ transcript, ...(session_id ? { session_id } : {}) }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    for (const key of Object.keys(body)) assert.ok(CONTRACT_KEYS.has(key), `unexpected key ${key}`);
    return BotResponse.parse(body);
  };
  const close = async () => {
    await rooman.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  return { base, say, close, rooman };
}

/** The same conversation whatever the provider: confirm, then create, then the lead is in the CRM. */
export async function createLeadConversation(server: Awaited<ReturnType<typeof serve>>) {
  const first = await server.say(
    'Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram',
  );
  assert.equal(first.intent, 'LEAD_CREATE');
  assert.equal(first.crm_call, undefined);
  assert.match(first.reply, /nine eight seven six five, four three two one zero/);

  const second = await server.say('yes', first.session_id);
  assert.equal(second.session_id, first.session_id);
  assert.equal(second.intent, 'LEAD_CREATE');
  assert.equal(second.error, undefined);
  assert.deepEqual(second.crm_call, {
    function: 'createLead',
    method: 'POST',
    path: '/crm/leads',
    body: { name: 'Rohan Sharma', phone: '+919876543210', city: 'Gurgaon', source: 'Instagram' },
  });
  assert.deepEqual(second.entities, {
    person: 'Rohan Sharma',
    phone: '+919876543210',
    city: 'Gurgaon',
    source: 'Instagram',
  });
  const leadId = String(second.result?.lead_id);
  const stored = (await (await fetch(`${server.base}/crm/leads/${leadId}`)).json()) as {
    name: string;
    status: string;
  };
  assert.equal(stored.name, 'Rohan Sharma');
  assert.equal(stored.status, 'NEW');
  return second;
}

export type Served = Awaited<ReturnType<typeof serve>>;
