/**
 * `rooman mcp` as an MCP client meets it: the SDK's own Client spawns `node src/cli/main.ts mcp` over stdio with a
 * temp data dir, lists the tools, creates a lead, gets a validation error; afterwards the lead is in the database,
 * in the organisation of the `--org` API key.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { openDatabase } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { ApiKeyRepository, OrganisationRepository } from '../../src/store/organisations.ts';
import { pgliteTemplate } from '../helpers/db.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = process.execPath;

let dataDir: string;
let apiKey: string;
let orgId: string;

function childEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ROOMAN_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
}

/** The database, opened after the child has closed it (PGlite is one process at a time). */
async function withDatabase<T>(
  use: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>,
  pgliteTemplate?: Blob,
) {
  const database = await openDatabase({ dataDir, ...(pgliteTemplate ? { pgliteTemplate } : {}) });
  try {
    return await use(database.db);
  } finally {
    await database.close();
  }
}

function processGone(pid: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      try {
        process.kill(pid, 0);
        setTimeout(check, 50);
      } catch {
        resolve();
      }
    };
    check();
  });
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rooman-mcp-stdio-'));
  ({ apiKey, orgId } = await withDatabase(
    async (db) => {
      await migrateToLatest(db);
      const org = await new OrganisationRepository(db).create({
        name: 'Acme',
        slug: 'acme',
        timeZone: 'Asia/Kolkata',
      });
      return { orgId: org.id, apiKey: await new ApiKeyRepository(db).create(org.id, 'stdio test') };
    },
    await pgliteTemplate(),
  )); // a migrated template: no seconds-long initdb
});

after(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('rooman mcp (stdio)', () => {
  it('serves the tools to the SDK client; the lead it creates is in the database, in the --org organisation', async () => {
    const transport = new StdioClientTransport({
      command: NODE,
      args: ['src/cli/main.ts', 'mcp', '--org', apiKey],
      cwd: ROOT,
      env: childEnv(),
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const client = new Client({ name: 'rooman-stdio-test', version: '1.0.0' });
    // A stdout line that is not a JSON-RPC message (a stray log line) surfaces here.
    const protocolErrors: Error[] = [];
    client.onerror = (error) => protocolErrors.push(error);
    let leadId: string;
    try {
      await client.connect(transport);
      assert.equal(client.getServerVersion()?.name, 'rooman');
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      for (const name of [
        'createLead',
        'scheduleVisit',
        'updateLeadStatus',
        'findLeads',
        'listMeetings',
        'sendMessage',
      ])
        assert.ok(names.includes(name), `${name} is listed`);

      const created = await client.callTool({
        name: 'createLead',
        arguments: { name: 'Anita Desai', phone: '+91 98765 43210', city: 'Pune', source: 'MCP' },
      });
      assert.equal(created.isError, undefined, JSON.stringify(created.content));
      leadId = (created.structuredContent as { lead_id: string }).lead_id;
      assert.match(leadId, /^[0-9a-f-]{36}$/);

      const refused = await client.callTool({
        name: 'scheduleVisit',
        arguments: { lead_id: leadId, visit_time: 'next tuesday' },
      });
      assert.equal(refused.isError, true);
      const error = (refused.structuredContent as { error: { type: string; field: string } }).error;
      assert.deepEqual([error.type, error.field], ['VALIDATION_ERROR', 'visit_time']);
    } finally {
      const pid = transport.pid;
      await client.close();
      if (pid !== null) await processGone(pid);
    }
    // stdout carried the protocol only: every log line went to stderr, and none was an error.
    assert.deepEqual(protocolErrors, []);
    assert.doesNotMatch(stderr, /"level":(50|60)/);

    const leads = await withDatabase((db) => db.selectFrom('leads').selectAll().execute());
    assert.deepEqual(
      leads.map((l) => [l.id, l.org_id, l.name, l.phone, l.city, l.source]),
      [[leadId, orgId, 'Anita Desai', '+919876543210', 'Pune', 'MCP']],
    );
    const visits = await withDatabase((db) => db.selectFrom('visits').selectAll().execute());
    assert.equal(visits.length, 0);
  });

  it('refuses an unknown --org key with exit code 2 and a message on stderr', async () => {
    const child = spawn(NODE, ['src/cli/main.ts', 'mcp', '--org', 'rmn_nobody'], {
      cwd: ROOT,
      env: childEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /rooman mcp: unknown API key/);
    assert.equal(stdout, '');
  });
});
