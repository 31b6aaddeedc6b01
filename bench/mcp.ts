/**
 * MCP latency, client and server in this process over loopback:
 * - `/mcp` (stateless Streamable HTTP, a server and transport built per request): tools/list, a read
 *   (findLeads) and a write (createLead) through the SDK's client;
 * - an external stdio MCP server (test/fixtures/mcp-stdio-server.ts) called through the registry: ajv validation +
 *   the JSON-RPC round trip to the child process.
 * Reports p50/p90/p99 in milliseconds per operation. Wall-clock numbers depend on what else the machine runs.
 *
 *   node_modules/.bin/node bench/mcp.ts      prints the JSON result
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { loadConfig } from '../src/core/config.ts';
import { silentLogger } from '../src/core/logger.ts';
import { buildRooman } from '../src/server.ts';
import type { BenchContext } from './run.ts';

const STDIO_FIXTURE = fileURLToPath(new URL('../test/fixtures/mcp-stdio-server.ts', import.meta.url));

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2));
  return { n: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

async function timed(n: number, op: (i: number) => Promise<unknown>, signal: AbortSignal) {
  const samples: number[] = [];
  for (let i = 0; i < n && !signal.aborted; i++) {
    const t0 = performance.now();
    await op(i);
    samples.push(performance.now() - t0);
  }
  return percentiles(samples);
}

export async function benchMcp(context: BenchContext, options: { calls?: number } = {}) {
  const calls = options.calls ?? 300;
  const dataDir = await mkdtemp(join(tmpdir(), 'rooman-bench-mcp-'));
  const rooman = await buildRooman(
    loadConfig({
      ROOMAN_DATA_DIR: dataDir,
      ROOMAN_CSV_LOGS: 'off',
      ROOMAN_STT: 'none',
      LOG_LEVEL: 'silent',
      ROOMAN_MCP_SERVERS: JSON.stringify([
        { name: 'notes', command: process.execPath, args: [STDIO_FIXTURE] },
      ]),
    }),
    { logger: silentLogger },
  );
  const client = new Client({ name: 'rooman-bench', version: '1.0.0' });
  try {
    await rooman.app.listen({ port: 0, host: '127.0.0.1' });
    const url = new URL(`http://127.0.0.1:${(rooman.app.server.address() as AddressInfo).port}/mcp`);
    await client.connect(new StreamableHTTPClientTransport(url));
    await rooman.mcp.external.ready;
    const { registry } = rooman.mcp.host;
    const toolContext = {
      crm: rooman.crm.gatewayFor(rooman.defaultOrg.id),
      now: new Date(),
      timeZone: 'Asia/Kolkata',
    };
    // Warm-up: JIT, first queries, the child's first call.
    for (let i = 0; i < 20; i++) {
      await client.listTools();
      await registry.invoke('notes__echo_text', { text: 'warm' }, toolContext);
    }
    context.log(`${calls} calls per operation`);
    const result = {
      calls,
      http_tools_list_ms: await timed(calls, () => client.listTools(), context.signal),
      http_find_leads_ms: await timed(
        calls,
        () => client.callTool({ name: 'findLeads', arguments: { query: 'Priya' } }),
        context.signal,
      ),
      http_create_lead_ms: await timed(
        calls,
        (i) =>
          client.callTool({
            name: 'createLead',
            arguments: {
              name: `Bench Lead ${i}`,
              phone: `98${String(10_000_000 + i).padStart(8, '0')}`,
              city: 'Pune',
            },
          }),
        context.signal,
      ),
      external_stdio_call_ms: await timed(
        calls,
        (i) => registry.invoke('notes__add_note', { title: `note ${i}`, priority: 3 }, toolContext),
        context.signal,
      ),
    };
    return result;
  } finally {
    await client.close();
    await rooman.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const result = await benchMcp({
    log: (m) => process.stderr.write(`mcp: ${m}\n`),
    signal: controller.signal,
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
