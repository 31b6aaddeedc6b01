/**
 * The whole server (`buildRooman`) on a free port, once for both halves of MCP:
 * - `/mcp` over Streamable HTTP, driven by the SDK's own client: the API key picks the organisation, a bad key is a
 *   401, calls go through the registry's validation, and one organisation never sees another's leads;
 * - an external MCP server (ROOMAN_MCP_SERVERS: the stdio fixture) whose tools a model brain (ROOMAN_BRAIN=openai,
 *   against a fake chat-completions server) is offered and calls, validated before anything is sent.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, LATEST_PROTOCOL_VERSION, McpError } from '@modelcontextprotocol/sdk/types.js';
import { loadConfig } from '../../src/core/config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { IDEMPOTENCY_META_KEY } from '../../src/mcp/server.ts';
import { buildRooman, type Rooman } from '../../src/server.ts';
import { ApiKeyRepository, OrganisationRepository } from '../../src/store/organisations.ts';
import { FakeOpenAiServer } from '../fakes/openai-server.ts';

const STDIO_FIXTURE = fileURLToPath(new URL('../fixtures/mcp-stdio-server.ts', import.meta.url));

let dataDir: string;
let llm: FakeOpenAiServer;
let rooman: Rooman;
let endpoint: URL;
let acmeKey: string;
let acmeOrgId: string;
const clients: Client[] = [];

async function connect(apiKey?: string): Promise<Client> {
  const client = new Client({ name: 'rooman-test', version: '1.0.0' });
  const headers: Record<string, string> = apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
  await client.connect(new StreamableHTTPClientTransport(endpoint, { requestInit: { headers } }));
  clients.push(client);
  return client;
}

const leadsOf = (orgId: string) =>
  rooman.database.db.selectFrom('leads').selectAll().where('org_id', '=', orgId).execute();

before(async () => {
  llm = await FakeOpenAiServer.start();
  dataDir = await mkdtemp(join(tmpdir(), 'rooman-mcp-http-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    ROOMAN_DATA_DIR: dataDir,
    ROOMAN_CSV_LOGS: 'off',
    ROOMAN_STT: 'none',
    LOG_LEVEL: 'silent',
    ROOMAN_BRAIN: 'openai',
    OPENAI_BASE_URL: llm.url,
    OPENAI_MODEL: 'qwen2.5:7b',
    ROOMAN_MCP_SERVERS: JSON.stringify([{ name: 'notes', command: process.execPath, args: [STDIO_FIXTURE] }]),
  });
  rooman = await buildRooman(config, { logger: silentLogger });
  await rooman.app.listen({ port: 0, host: '127.0.0.1' });
  endpoint = new URL(`http://127.0.0.1:${(rooman.app.server.address() as AddressInfo).port}/mcp`);
  const acme = await new OrganisationRepository(rooman.database.db).create({
    name: 'Acme Realty',
    slug: 'acme',
    timeZone: 'Europe/London',
  });
  acmeOrgId = acme.id;
  acmeKey = await new ApiKeyRepository(rooman.database.db).create(acme.id, 'mcp test');
});

after(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await rooman?.close();
  await llm?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('/mcp (Streamable HTTP)', () => {
  it('lists the built-in tools with the registry JSON schemas', async () => {
    const client = await connect(acmeKey);
    assert.equal(client.getServerVersion()?.name, 'rooman');
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    for (const name of [
      'createLead',
      'scheduleVisit',
      'updateLeadStatus',
      'findLeads',
      'scheduleMeeting',
      'sendMessage',
    ])
      assert.ok(names.includes(name), `${name} is listed`);
    const createLead = tools.find((t) => t.name === 'createLead')!;
    assert.equal(createLead.inputSchema.type, 'object');
    assert.deepEqual([...((createLead.inputSchema.required as string[] | undefined) ?? [])].sort(), [
      'city',
      'name',
      'phone',
    ]);
    assert.equal(
      (createLead.inputSchema.properties as Record<string, { type: string }>).phone?.type,
      'string',
    );
  });

  it('creates a lead for the organisation of the API key, and the other organisation does not see it', async () => {
    const acme = await connect(acmeKey);
    const result = await acme.callTool({
      name: 'createLead',
      arguments: { name: 'Meera Iyer', phone: '9876501234', city: 'Chennai', source: 'Website' },
    });
    assert.equal(result.isError, undefined);
    const lead = result.structuredContent as { lead_id: string; status: string };
    assert.deepEqual(Object.keys(lead).sort(), ['lead_id', 'status']);
    assert.match(lead.lead_id, /^[0-9a-f-]{36}$/);
    assert.equal(lead.status, 'NEW');
    // The text part carries the same answer, for clients and models that read text only.
    const [text] = result.content as Array<{ type: string; text: string }>;
    assert.deepEqual(JSON.parse(text!.text), result.structuredContent);

    const stored = await leadsOf(acmeOrgId);
    assert.deepEqual(
      stored.map((l) => [l.id, l.name, l.phone]),
      [[lead.lead_id, 'Meera Iyer', '+919876501234']],
    );
    assert.equal((await leadsOf(rooman.defaultOrg.id)).length, 0);

    // Open mode: no key is the default organisation, which has no Meera.
    const anonymous = await connect();
    const found = await anonymous.callTool({ name: 'findLeads', arguments: { query: 'Meera' } });
    assert.deepEqual(found.structuredContent, { matches: [], total: 0 });
    const foundByAcme = await acme.callTool({ name: 'findLeads', arguments: { query: 'Meera' } });
    assert.equal((foundByAcme.structuredContent as { total: number }).total, 1);
  });

  it('refuses a bad argument with an MCP tool error naming the field, and writes nothing', async () => {
    const acme = await connect(acmeKey);
    const before = (await leadsOf(acmeOrgId)).length;
    const result = await acme.callTool({
      name: 'createLead',
      arguments: { name: 'Bad Phone', phone: '12', city: 'Pune' },
    });
    assert.equal(result.isError, true);
    const body = result.structuredContent as { error: { type: string; field: string } };
    assert.equal(body.error.type, 'VALIDATION_ERROR');
    assert.equal(body.error.field, 'phone');
    const missing = await acme.callTool({
      name: 'createLead',
      arguments: { name: 'No City', phone: '9876501235' },
    });
    assert.equal(missing.isError, true);
    assert.equal((missing.structuredContent as { error: { field: string } }).error.field, 'city');
    assert.match((missing.content as Array<{ text: string }>)[0]!.text, /"field":"city"/);
    assert.equal((await leadsOf(acmeOrgId)).length, before);
  });

  it('answers an unknown tool with a protocol error (invalid params)', async () => {
    const acme = await connect(acmeKey);
    await assert.rejects(
      acme.callTool({ name: 'dropAllLeads', arguments: {} }),
      (e: unknown) =>
        e instanceof McpError && e.code === ErrorCode.InvalidParams && /Unknown tool/.test(e.message),
    );
  });

  it('makes a repeated call with the same idempotency key write once', async () => {
    const acme = await connect(acmeKey);
    const call = {
      name: 'createLead',
      arguments: { name: 'Kabir Rao', phone: '9876509999', city: 'Mumbai' },
      _meta: { [IDEMPOTENCY_META_KEY]: 'mcp-test-kabir-1' },
    };
    const first = await acme.callTool(call);
    const second = await acme.callTool(call);
    assert.deepEqual(second.structuredContent, first.structuredContent);
    const kabirs = (await leadsOf(acmeOrgId)).filter((l) => l.name === 'Kabir Rao');
    assert.equal(kabirs.length, 1);
  });

  it('refuses an unknown API key with 401 and a JSON-RPC error', async () => {
    await assert.rejects(
      connect('rmn_not-a-real-key'),
      (e: unknown) => e instanceof StreamableHTTPError && e.code === 401,
    );
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        Authorization: 'Bearer rmn_not-a-real-key',
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    const body = (await response.json()) as {
      jsonrpc: string;
      error: { code: number; message: string };
      id: null;
    };
    assert.equal(body.jsonrpc, '2.0');
    assert.equal(body.id, null);
    assert.equal(body.error.message, 'Unknown API key');
  });

  it('is stateless: no session id is issued, GET and DELETE are 405, a foreign Origin is refused', async () => {
    const initialize = (headers: Record<string, string> = {}) =>
      fetch(endpoint, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          ...headers,
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: LATEST_PROTOCOL_VERSION,
            capabilities: {},
            clientInfo: { name: 'raw', version: '1' },
          },
        }),
      });
    const response = await initialize({ Authorization: `Bearer ${acmeKey}` });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('mcp-session-id'), null);
    const body = (await response.json()) as {
      result: { serverInfo: { name: string }; capabilities: object };
    };
    assert.equal(body.result.serverInfo.name, 'rooman');
    assert.ok('tools' in body.result.capabilities);

    for (const method of ['GET', 'DELETE']) {
      const r = await fetch(endpoint, { method, headers: { Accept: 'text/event-stream' } });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.get('allow'), 'POST');
    }
    const foreign = await initialize({ Origin: 'http://evil.example' });
    assert.equal(foreign.status, 403);
    const sameHost = await initialize({ Origin: endpoint.origin });
    assert.equal(sameHost.status, 200);
  });

  it('answers malformed JSON with a JSON-RPC parse error', async () => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc": "2.0", ',
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: number } };
    assert.equal(body.error.code, -32700);
  });
});

describe('external MCP tools offered to a model brain', () => {
  before(async () => {
    await rooman.mcp.external.ready;
  });

  const say = async (transcript: string) => {
    const res = await fetch(`${endpoint.origin}/bot/handle`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ transcript }),
    });
    assert.equal(res.status, 200);
    return (await res.json()) as { reply: string };
  };
  const toolMessages = (request: number) =>
    llm.requests[request]!.body.messages.filter((m) => m.role === 'tool').map((m) => String(m.content));
  const received = async () => {
    const { output } = await rooman.mcp.host.registry.invoke(
      'notes__calls',
      {},
      {
        crm: rooman.crm.gatewayFor(rooman.defaultOrg.id),
        now: new Date(),
        timeZone: 'Asia/Kolkata',
      },
    );
    return (output as { calls: Array<{ name: string; arguments: object }> }).calls.filter(
      (c) => c.name !== 'calls',
    );
  };

  it('offers the external tool next to the built-in ones and runs the model’s call on the external server', async () => {
    assert.equal(rooman.mcp.external.status()[0]?.connected, true);
    llm.script(
      { calls: [{ name: 'notes__add_note', args: { title: 'Call Priya', priority: 2 } }] },
      { text: 'Noted: call Priya.' },
    );
    const answer = await say('Make a note to call Priya, priority two');
    assert.equal(answer.reply, 'Noted: call Priya.');

    const offered = llm.requests[0]!.body.tools!.map((t) => t.function.name);
    assert.ok(offered.includes('notes__add_note'), 'external tool offered');
    assert.ok(offered.includes('createLead'), 'built-in tool still offered');
    const declared = llm.requests[0]!.body.tools!.find((t) => t.function.name === 'notes__add_note')!;
    assert.deepEqual((declared.function.parameters.required as string[]).sort(), ['priority', 'title']);

    // The tool's answer went back to the model, and the server got the call with its defaults filled.
    assert.ok(toolMessages(1).some((m) => /"title":"Call Priya"/.test(m) && /"id":1/.test(m)));
    assert.deepEqual(await received(), [
      { name: 'add_note', arguments: { title: 'Call Priya', priority: 2, tags: [] } },
    ]);
  });

  it('returns a bad argument to the model as a validation error naming the field; the server never sees it', async () => {
    llm.reset();
    llm.script(
      { calls: [{ name: 'notes__add_note', args: { title: 'Urgent', priority: 9 } }] },
      { text: 'Priority goes from 1 to 5.' },
    );
    const answer = await say('Note: urgent, priority nine');
    assert.equal(answer.reply, 'Priority goes from 1 to 5.');
    const [result] = toolMessages(1);
    assert.match(result!, /VALIDATION_ERROR/);
    assert.match(result!, /priority/);
    assert.equal((await received()).length, 1, 'only the earlier good call reached the server');
  });

  it('keeps /mcp to Rooman’s own tools', async () => {
    const client = new Client({ name: 'rooman-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(endpoint));
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('createLead'));
      assert.ok(!names.some((n) => n.startsWith('notes__')), names.join(','));
      await assert.rejects(
        client.callTool({ name: 'notes__add_note', arguments: { title: 'x', priority: 1 } }),
        /Unknown tool/,
      );
    } finally {
      await client.close();
    }
  });
});
