/**
 * External MCP servers as tools for the brains: a stdio server (a script under test/fixtures) and a Streamable HTTP
 * one, both built with the SDK. Their tools appear in the registry as `<server>__<tool>`, arguments are checked
 * against each server's JSON Schema before anything is sent, an unreachable server never blocks and is tried again,
 * and a server that drops is reconnected by the next call.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { McpServerConfig } from '../../src/core/config.ts';
import { isRoomanError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { connectExternalMcpServers, type ExternalMcp, externalToolName } from '../../src/mcp/external.ts';
import { crmTools } from '../../src/tools/crm-tools.ts';
import type { ToolRegistry } from '../../src/tools/registry.ts';
import type { ToolContext } from '../../src/tools/tool.ts';
import { type HttpMcpFixture, startHttpMcpFixture } from '../fixtures/mcp-http-server.ts';

const STDIO_FIXTURE = fileURLToPath(new URL('../fixtures/mcp-stdio-server.ts', import.meta.url));
const TOKEN = 'fixture-token';

/** External tools use no CRM; a context that would fail loudly if they did. */
const context: ToolContext = {
  crm: new Proxy({} as ToolContext['crm'], {
    get: () => {
      throw new Error('external tools do not use the CRM');
    },
  }),
  now: new Date('2026-01-05T10:00:00Z'),
  timeZone: 'Asia/Kolkata',
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const rejectsWith = (type: string, field?: string) => (e: unknown) =>
  isRoomanError(e) && e.type === type && (field === undefined || e.field === field);

describe('external MCP servers', () => {
  let registry: ToolRegistry;
  let external: ExternalMcp;
  let weather: HttpMcpFixture;
  let late: HttpMcpFixture | undefined;
  let latePort: number;

  before(async () => {
    weather = await startHttpMcpFixture({ token: TOKEN });
    latePort = await freePort();
    const servers: McpServerConfig[] = [
      {
        transport: 'stdio',
        name: 'notes',
        command: process.execPath,
        args: [STDIO_FIXTURE],
        env: { ENV_MARK: 'from-config' },
      },
      { transport: 'http', name: 'weather', url: weather.url, headers: { Authorization: `Bearer ${TOKEN}` } },
      // Nothing listens here yet: start-up goes on without it, and it is tried again.
      {
        transport: 'http',
        name: 'late',
        url: `http://127.0.0.1:${latePort}/mcp`,
        headers: { Authorization: `Bearer ${TOKEN}` },
      },
    ];
    registry = crmTools();
    external = connectExternalMcpServers({
      servers,
      registry,
      logger: silentLogger,
      retry: { firstMs: 100, maxMs: 200 },
      connectTimeoutMs: 20_000,
    });
    await external.ready;
  });

  after(async () => {
    await external?.close();
    await weather?.close();
    await late?.close();
  });

  it('adds each reachable server’s tools next to the built-in ones, namespaced, with their JSON Schemas', () => {
    const names = registry.names();
    for (const name of [
      'createLead',
      'notes__add_note',
      'notes__echo_text',
      'notes__calls',
      'weather__forecast',
    ])
      assert.ok(names.includes(name), `${name} registered`);
    assert.equal(externalToolName('notes', 'echo.text'), 'notes__echo_text');
    assert.ok(registry.isExternal('notes__add_note'));
    assert.ok(!registry.isExternal('createLead'));
    assert.ok(!names.some((n) => n.startsWith('late__')), 'an unreachable server has no tools yet');

    const addNote = registry.declarations().find((d) => d.name === 'notes__add_note')!;
    assert.equal(addNote.description, '[notes] Add a note');
    assert.equal(addNote.parameters.type, 'object');
    assert.deepEqual(Object.keys(addNote.parameters.properties as object).sort(), [
      'priority',
      'tags',
      'title',
    ]);
    // Rooman's own MCP server offers the built-in tools only.
    assert.deepEqual(
      registry.declarations({ external: false }).map((d) => d.name),
      ['createLead', 'scheduleVisit', 'updateLeadStatus', 'findLeads'],
    );

    const status = external.status();
    assert.deepEqual(
      status.map((s) => [s.name, s.connected]),
      [
        ['notes', true],
        ['weather', true],
        ['late', false],
      ],
    );
    assert.ok(status[2]!.lastError, 'the failure is kept for status');
  });

  it('calls a stdio tool with validated arguments (defaults filled) and returns its structured content', async () => {
    const outcome = await registry.invoke('notes__add_note', { title: 'Call Priya', priority: 2 }, context);
    assert.equal(outcome.tool, 'notes__add_note');
    assert.deepEqual(outcome.args, { title: 'Call Priya', priority: 2, tags: [] });
    assert.deepEqual(outcome.output, { id: 1, title: 'Call Priya', priority: 2, tags: [] });
    const text = await registry.invoke('notes__echo_text', { text: 'hello there' }, context);
    assert.deepEqual(text.output, { text: 'hello there' });
  });

  it('refuses bad arguments naming the field, without sending them to the server', async () => {
    await assert.rejects(
      registry.invoke('notes__add_note', { title: 'Too urgent', priority: 9 }, context),
      (e: unknown) =>
        rejectsWith('VALIDATION_ERROR', 'priority')(e) && /priority: must be <= 5/.test((e as Error).message),
    );
    await assert.rejects(
      registry.invoke('notes__add_note', { priority: 1 }, context),
      (e: unknown) =>
        rejectsWith('VALIDATION_ERROR', 'title')(e) && /title: is required/.test((e as Error).message),
    );
    await assert.rejects(
      registry.invoke('notes__add_note', { title: 'x', priority: 1, tags: ['ok', 7] }, context),
      rejectsWith('VALIDATION_ERROR', 'tags.1'),
    );
    await assert.rejects(
      registry.invoke('notes__add_note', 'not an object', context),
      rejectsWith('VALIDATION_ERROR'),
    );

    const { output } = await registry.invoke('notes__calls', {}, context);
    const { calls, env_mark } = output as {
      calls: Array<{ name: string; arguments: object }>;
      env_mark: string;
    };
    assert.equal(env_mark, 'from-config', 'the configured env reached the server process');
    // What the server received: the good calls of the test before, then this one; none of the refused ones.
    assert.deepEqual(
      calls.map((c) => c.name),
      ['add_note', 'echo.text', 'calls'],
    );
    assert.deepEqual(calls[0]!.arguments, { title: 'Call Priya', priority: 2, tags: [] });
  });

  it('turns a tool’s own failure (isError) into an error carrying its message', async () => {
    await assert.rejects(
      registry.invoke('notes__always_fails', {}, context),
      (e: unknown) =>
        isRoomanError(e) && /notes__always_fails failed: the notebook is locked/.test(e.message),
    );
  });

  it('calls a Streamable HTTP tool with the configured headers and validated arguments', async () => {
    const before = weather.received.length;
    const outcome = await registry.invoke('weather__forecast', { city: 'Pune' }, context);
    assert.deepEqual(outcome.output, { city: 'Pune', temperature: 31, units: 'c' });
    await assert.rejects(
      registry.invoke('weather__forecast', { city: 'Pune', units: 'kelvin' }, context),
      rejectsWith('VALIDATION_ERROR', 'units'),
    );
    assert.deepEqual(weather.received.slice(before), [
      { name: 'forecast', arguments: { city: 'Pune', units: 'c' } },
    ]);
    assert.ok(weather.authorizations.length > 0);
    assert.ok(weather.authorizations.every((a) => a === `Bearer ${TOKEN}`));
  });

  it('connects a server that was down at start-up once it is up, without a restart', async () => {
    late = await startHttpMcpFixture({ token: TOKEN, port: latePort });
    await until(() => registry.has('late__forecast'), 'the late server’s tools');
    const outcome = await registry.invoke('late__forecast', { city: 'Goa', units: 'f' }, context);
    assert.deepEqual(outcome.output, { city: 'Goa', temperature: 88, units: 'f' });
    assert.equal(external.status()[2]!.connected, true);
  });

  it('re-lists a server’s tools when it says they changed', async () => {
    assert.equal(registry.has('notes__grown'), false);
    await registry.invoke('notes__grow', {}, context);
    await until(() => registry.has('notes__grown'), 'the added tool');
    assert.deepEqual((await registry.invoke('notes__grown', {}, context)).output, { text: 'grown' });
  });

  it('reconnects a stdio server that exited, on the next call', async () => {
    await registry.invoke('notes__exit', {}, context);
    await until(() => external.status()[0]!.connected === false, 'the server to be seen gone');
    const outcome = await registry.invoke(
      'notes__add_note',
      { title: 'After restart', priority: 3 },
      context,
    );
    // A new process: its notebook starts again at 1.
    assert.deepEqual(outcome.output, { id: 1, title: 'After restart', priority: 3, tags: [] });
    assert.equal(external.status()[0]!.connected, true);
  });
});
