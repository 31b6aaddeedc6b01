/**
 * Seed 003 as acceptance tests: `rooman crm` on a real loopback port, driven with the seed's own curl examples
 * and API bodies; the CSV files must have the seed's sample headers and rows shaped like its samples, and the
 * terminal must show its blocks. A second start on the same data dir keeps everything.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { runCrmCommand } from '../../src/cli/commands/crm.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { openDatabase } from '../../src/store/database.ts';
import { pgliteTemplate } from '../helpers/db.ts';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const STAMP = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\+05:30';

// The seed's CSV samples ("📊 CSV Data Storage" and "Usage Examples"), verbatim.
const SEED_LEADS_CSV = `lead_id,name,phone,city,source,status,created_at
a1b2c3d4-e5f6-7890-abcd-ef1234567890,Rohan Sharma,9876543210,Gurgaon,Instagram,NEW,2025-10-04T14:30:00.123456`;
const SEED_VISITS_CSV = `visit_id,lead_id,visit_time,notes,status,created_at
v1v2v3v4...,a1b2c3d4...,2025-10-05 15:00:00+05:30,Follow up,SCHEDULED,2025-10-04T14:35:00`;
const SEED_UPDATES_CSV = `lead_id,old_status,new_status,notes,updated_at
a1b2c3d4...,NEW,WON,booked unit A2,2025-10-04T14:40:00`;

const header = (csv: string) => csv.split('\n')[0];
/** The data columns of a seed sample row that do not vary (ids and times do). */
const fixedColumns = (line: string, varying: number[]) =>
  line.split(',').filter((_, i) => !varying.includes(i));

interface Running {
  url: string;
  stop(): Promise<number>;
  banner(): string;
  logs: Record<string, unknown>[];
}

async function startCrm(dataDir: string): Promise<Running> {
  const config = loadConfig({ ROOMAN_DATA_DIR: dataDir, ROOMAN_TZ: 'Asia/Kolkata', HOST: '127.0.0.1' });
  const logs: Record<string, unknown>[] = [];
  const logStream = new PassThrough();
  let pending = '';
  logStream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => {
    printed += chunk.toString('utf8');
  });
  const controller = new AbortController();
  let listening!: (url: string) => void;
  const url = new Promise<string>((resolve) => {
    listening = resolve;
  });
  const exit = runCrmCommand(['--port', '0'], {
    config,
    logger: createLogger({ level: 'info', format: 'json', destination: logStream }),
    output,
    signal: controller.signal,
    onListening: (info) => listening(info.url),
  });
  const started = await Promise.race([
    url,
    exit.then((code) => Promise.reject(new Error(`exited ${code}: ${printed}`))),
  ]);
  return {
    url: started,
    logs,
    banner: () => printed,
    stop: () => {
      controller.abort();
      return exit;
    },
  };
}

async function call(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('seed 003 acceptance: rooman crm', () => {
  let dataDir: string;
  let crm: Running;
  let rohanId: string;
  let testUserId: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rooman-seed-'));
    // A migrated database ready in the data dir saves the first start its initdb; the start itself is real.
    const prepared = await openDatabase({ dataDir, pgliteTemplate: await pgliteTemplate() });
    await prepared.close();
    crm = await startCrm(dataDir);
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  test('prints the seed’s banner with the URL and the CSV paths', () => {
    const lines = crm.banner().split('\n');
    assert.equal(lines[0], '='.repeat(60));
    assert.equal(lines[1], '  🚀 MOCK CRM SERVER STARTING');
    assert.equal(lines[2], '='.repeat(60));
    assert.ok(lines.includes(`  Server URL   : ${crm.url}`));
    assert.ok(lines.includes(`  Leads CSV    : ${join(dataDir, 'crm_leads.csv')}`));
    assert.ok(lines.includes(`  Visits CSV   : ${join(dataDir, 'crm_visits.csv')}`));
    assert.ok(lines.includes(`  Updates CSV  : ${join(dataDir, 'crm_updates.csv')}`));
    assert.match(crm.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('the API specification examples: create, schedule, update', async () => {
    const created = await call(crm.url, 'POST', '/crm/leads', {
      name: 'Rohan Sharma',
      phone: '9876543210',
      city: 'Gurgaon',
      source: 'Instagram',
    });
    assert.equal(created.status, 201);
    assert.deepEqual(Object.keys(created.body), ['lead_id', 'status']);
    assert.equal(created.body.status, 'NEW');
    rohanId = created.body.lead_id as string;

    const visit = await call(crm.url, 'POST', '/crm/visits', {
      lead_id: rohanId,
      visit_time: '2025-10-05T15:00:00+05:30',
      notes: 'Follow up',
    });
    assert.equal(visit.status, 201);
    assert.deepEqual(Object.keys(visit.body), ['visit_id', 'status']);
    assert.equal(visit.body.status, 'SCHEDULED');

    const updated = await call(crm.url, 'POST', `/crm/leads/${rohanId}/status`, {
      status: 'WON',
      notes: 'booked unit A2',
    });
    assert.deepEqual(updated, { status: 200, body: { lead_id: rohanId, status: 'WON' } });
  });

  test('the manual curl examples, in order', async () => {
    const lead = await call(crm.url, 'POST', '/crm/leads', {
      name: 'Test User',
      phone: '9999999999',
      city: 'Mumbai',
      source: 'Website',
    });
    assert.equal(lead.status, 201);
    testUserId = lead.body.lead_id as string;
    const visit = await call(crm.url, 'POST', '/crm/visits', {
      lead_id: testUserId,
      visit_time: '2025-10-06T10:00:00+05:30',
      notes: 'Test visit',
    });
    assert.equal(visit.status, 201);
    const status = await call(crm.url, 'POST', `/crm/leads/${testUserId}/status`, {
      status: 'IN_PROGRESS',
      notes: 'Follow up scheduled',
    });
    assert.deepEqual(status.body, { lead_id: testUserId, status: 'IN_PROGRESS' });

    const leads = await call(crm.url, 'GET', '/crm/leads');
    assert.equal(leads.status, 200);
    const listed = leads.body.leads as { lead_id: string; status: string; phone: string }[];
    assert.deepEqual(
      listed.map((l) => [l.lead_id, l.status, l.phone]),
      [
        [testUserId, 'IN_PROGRESS', '9999999999'],
        [rohanId, 'WON', '9876543210'],
      ],
    );
    const visits = await call(crm.url, 'GET', '/crm/visits');
    assert.deepEqual(
      (visits.body.visits as { lead_id: string; notes: string }[]).map((v) => [v.lead_id, v.notes]),
      [
        [rohanId, 'Follow up'],
        [testUserId, 'Test visit'],
      ],
    );
    const health = await fetch(`${crm.url}/healthz`);
    assert.equal(health.status, 200);
  });

  test('the seed’s error cases: VALIDATION_ERROR for a missing phone, "Lead not found" for an unknown lead', async () => {
    const missing = await call(crm.url, 'POST', '/crm/leads', { name: 'Rohan Sharma', city: 'Gurgaon' });
    assert.equal(missing.status, 400);
    assert.deepEqual((missing.body.error as { type: string; field: string }).type, 'VALIDATION_ERROR');
    assert.equal((missing.body.error as { field: string }).field, 'phone');
    const unknown = await call(crm.url, 'POST', '/crm/visits', {
      lead_id: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      visit_time: '2025-10-05T15:00:00+05:30',
    });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, {
      error: { type: 'NOT_FOUND', details: 'Lead not found', field: 'lead_id' },
    });
  });

  test('the terminal shows the seed’s three blocks', () => {
    const blocks = crm.logs.filter((l) => typeof l.event === 'string' && String(l.event).startsWith('crm.'));
    const titles = blocks.map((b) => String(b.msg).split('\n')[1]);
    assert.deepEqual(titles.slice(0, 3), [
      'NEW LEAD CREATED',
      '📅 VISIT SCHEDULED',
      '🔄 LEAD STATUS UPDATED',
    ]);
    const labels = (msg: unknown) =>
      String(msg)
        .split('\n')
        .slice(3, -1)
        .map((line) => line.slice(0, line.indexOf(': ') + 2));
    assert.deepEqual(labels(blocks[0]!.msg), [
      'Lead ID    : ',
      'Name       : ',
      'Phone      : ',
      'City       : ',
      'Source     : ',
      'Status     : ',
      'Created At : ',
    ]);
    assert.deepEqual(labels(blocks[2]!.msg), [
      'Lead ID      : ',
      'Lead Name    : ',
      'Old Status   : ',
      'New Status   : ',
      'Notes        : ',
      'Updated At   : ',
    ]);
  });

  test('after a stop, the CSV files have the seed’s headers and rows shaped like its samples', async () => {
    assert.equal(await crm.stop(), 0);
    const leads = (await readFile(join(dataDir, 'crm_leads.csv'), 'utf8')).trimEnd().split('\n');
    const visits = (await readFile(join(dataDir, 'crm_visits.csv'), 'utf8')).trimEnd().split('\n');
    const updates = (await readFile(join(dataDir, 'crm_updates.csv'), 'utf8')).trimEnd().split('\n');
    assert.equal(leads[0], header(SEED_LEADS_CSV));
    assert.equal(visits[0], header(SEED_VISITS_CSV));
    assert.equal(updates[0], header(SEED_UPDATES_CSV));

    // Rohan's rows: the seed's sample rows, with our ids and our ISO-8601 times (with the zone's offset).
    assert.match(
      leads[1]!,
      new RegExp(`^${rohanId},Rohan Sharma,9876543210,Gurgaon,Instagram,NEW,${STAMP}$`),
    );
    assert.deepEqual(fixedColumns(leads[1]!, [0, 6]), fixedColumns(SEED_LEADS_CSV.split('\n')[1]!, [0, 6]));
    assert.match(
      visits[1]!,
      new RegExp(`^${UUID},${rohanId},2025-10-05T15:00:00\\+05:30,Follow up,SCHEDULED,${STAMP}$`),
    );
    assert.deepEqual(
      fixedColumns(visits[1]!, [0, 1, 2, 5]),
      fixedColumns(SEED_VISITS_CSV.split('\n')[1]!, [0, 1, 2, 5]),
    );
    assert.match(updates[1]!, new RegExp(`^${rohanId},NEW,WON,booked unit A2,${STAMP}$`));
    assert.deepEqual(
      fixedColumns(updates[1]!, [0, 4]),
      fixedColumns(SEED_UPDATES_CSV.split('\n')[1]!, [0, 4]),
    );
    assert.equal(leads.length, 3);
    assert.match(leads[2]!, new RegExp(`^${testUserId},Test User,9999999999,Mumbai,Website,NEW,${STAMP}$`));
  });

  test('a second start on the same data dir keeps the leads and appends to the CSVs', async () => {
    const again = await startCrm(dataDir);
    try {
      const lead = await call(again.url, 'GET', `/crm/leads/${rohanId}`);
      assert.equal(lead.status, 200);
      assert.equal(lead.body.status, 'WON');
      const history = await call(again.url, 'GET', `/crm/leads/${rohanId}/history`);
      assert.equal((history.body.changes as unknown[]).length, 1);
      assert.equal(
        (await call(again.url, 'POST', '/crm/leads', { name: 'Third', phone: '9811111111', city: 'Pune' }))
          .status,
        201,
      );
    } finally {
      assert.equal(await again.stop(), 0);
    }
    const leads = (await readFile(join(dataDir, 'crm_leads.csv'), 'utf8')).trimEnd().split('\n');
    assert.equal(leads.length, 4);
    assert.equal(leads.filter((l) => l === header(SEED_LEADS_CSV)).length, 1);
  });
});
