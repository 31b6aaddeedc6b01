/**
 * `rooman mcp [--org <api key>|default]`: Rooman's tools (CRM, meetings, messages) as an MCP server on stdin and
 * stdout, for MCP clients that start their servers as programs (Claude Desktop, IDEs, agents). It opens the
 * database as `rooman start` does; stdout carries the protocol only, so every log line goes to stderr.
 */
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Config } from '../../core/config.ts';
import { createLogger } from '../../core/logger.ts';
import { createMcpServer } from '../../mcp/server.ts';
import { ApiKeyRepository } from '../../store/organisations.ts';

export interface McpCommandDeps {
  config: Config;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); the command then closes cleanly. */
  stopSignal?: Promise<unknown>;
}

const USAGE = 'usage: rooman mcp [--org <api key>|default]\n';

export async function runMcpCommand(args: string[], deps: McpCommandDeps): Promise<number> {
  let org: string | undefined;
  try {
    ({
      values: { org },
    } = parseArgs({ args, options: { org: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    deps.stderr.write(`rooman mcp: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const logger = createLogger({ level: deps.config.logLevel, format: 'json', destination: deps.stderr });
  const { buildRooman } = await import('../../server.ts');
  // External MCP servers are for the brains; this server offers Rooman's own tools only, so none is started.
  const rooman = await buildRooman({ ...deps.config, mcp: { servers: [] } }, { logger });
  try {
    const orgId =
      org === undefined || org === 'default'
        ? rooman.defaultOrg.id
        : await new ApiKeyRepository(rooman.database.db).findOrgId(org);
    if (!orgId) {
      deps.stderr.write('rooman mcp: unknown API key (--org takes an API key, or "default")\n');
      return 2;
    }
    const server = createMcpServer(rooman.mcp.host, orgId);
    const ended = new Promise<void>((resolve) => {
      // The client closing our stdin is the end of the conversation (the stdio transport's shutdown).
      deps.stdin.once('end', resolve);
      deps.stdin.once('close', resolve);
      server.onclose = resolve;
      void deps.stopSignal?.then(() => resolve());
    });
    await server.connect(new StdioServerTransport(deps.stdin, deps.stdout));
    logger.info({ orgId, database: rooman.database.describe }, 'mcp: serving on stdio');
    await ended;
    await server.close();
    return 0;
  } finally {
    await rooman.close();
  }
}
