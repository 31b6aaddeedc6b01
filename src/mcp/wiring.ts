/**
 * MCP in the composition root: Rooman's tools served at `/mcp`, and the configured external MCP servers connected
 * (in the background) with their tools added to the brains' registry. `buildRooman` calls this once.
 */
import type { FastifyInstance } from 'fastify';
import type { McpServerConfig } from '../core/config.ts';
import type { Logger } from '../core/logger.ts';
import type { ResolveOrg } from '../http/org.ts';
import { registerMcpRoutes } from '../http/routes/mcp.ts';
import type { ToolRegistry } from '../tools/registry.ts';
import { connectExternalMcpServers, type ExternalMcp } from './external.ts';
import type { McpToolHost } from './server.ts';

export interface McpWiringOptions {
  /** The app `/mcp` is served by; absent: no HTTP endpoint (nothing else changes). */
  app?: FastifyInstance;
  resolveOrg: ResolveOrg;
  publicUrl: string | undefined;
  servers: McpServerConfig[];
  /** The brains' registry: served built-in tools come from it, external ones are added to it. */
  registry: ToolRegistry;
  contextFor: McpToolHost['contextFor'];
  logger: Logger;
}

export interface RoomanMcp {
  /** What `rooman mcp` (stdio) and `/mcp` serve from. */
  host: McpToolHost;
  external: ExternalMcp;
  close(): Promise<void>;
}

export function startMcp(options: McpWiringOptions): RoomanMcp {
  const logger = options.logger.child({ component: 'mcp' });
  const host: McpToolHost = { registry: options.registry, contextFor: options.contextFor, logger };
  if (options.app)
    registerMcpRoutes(options.app, { host, resolveOrg: options.resolveOrg, publicUrl: options.publicUrl });
  const external = connectExternalMcpServers({
    servers: options.servers,
    registry: options.registry,
    logger,
  });
  return { host, external, close: () => external.close() };
}
