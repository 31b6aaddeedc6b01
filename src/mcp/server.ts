/**
 * Rooman's own tools (CRM, meetings, messages) as an MCP server, for one organisation. The tool list is the
 * registry's declarations (the same JSON Schema models get) and every call goes through `registry.invoke`, so an MCP
 * client meets the same validation, idempotency and error shapes as the HTTP API and the brains.
 *
 * It is the SDK's low-level `Server`, not `McpServer`: `McpServer.registerTool` validates arguments itself with a zod
 * schema and formats its own errors, and here the registry must do both (one source of truth, errors naming the
 * field). Tools of external MCP servers are not re-exported: an API key to Rooman is not a key to those servers.
 */
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type Tool as McpTool,
} from '@modelcontextprotocol/sdk/types.js';
import { isRoomanError, RoomanError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { ToolDeclaration, ToolRegistry } from '../tools/registry.ts';
import type { ToolContext } from '../tools/tool.ts';
import { VERSION } from '../version.ts';

/** What one call needs besides the organisation: its idempotency key and its cancellation. */
export interface McpCall {
  idempotencyKey: string;
  signal: AbortSignal;
}

/** Where Rooman's MCP servers get their tools and, per organisation and call, the tools' context. */
export interface McpToolHost {
  registry: ToolRegistry;
  /** The organisation's CRM, calendar, outbox, time zone and the instant of the call. */
  contextFor(orgId: string, call: McpCall): Promise<ToolContext>;
  logger: Logger;
}

/**
 * `_meta` key a client may set on tools/call to make a write safe to repeat (the same key never writes twice, as
 * with the HTTP API's Idempotency-Key). Without it each call gets a key of its own.
 */
export const IDEMPOTENCY_META_KEY = 'rooman/idempotency-key';

export function createMcpServer(host: McpToolHost, orgId: string): Server {
  const server = new Server(
    { name: 'rooman', title: 'Rooman', version: VERSION },
    {
      capabilities: { tools: {} },
      instructions:
        'Rooman CRM, meetings and messages. Times are ISO-8601 with an offset; a tool error names the field at fault.',
    },
  );
  const builtIn = (name: string) => host.registry.has(name) && !host.registry.isExternal(name);

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: host.registry.declarations({ external: false }).map(toMcpTool),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args, _meta } = request.params;
    // An unknown tool is the caller's protocol mistake, not a tool failure (MCP: -32602).
    if (!builtIn(name)) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    const given = _meta?.[IDEMPOTENCY_META_KEY];
    const idempotencyKey = typeof given === 'string' && given.trim() !== '' ? given : randomUUID();
    try {
      const context = await host.contextFor(orgId, { idempotencyKey, signal: extra.signal });
      const outcome = await host.registry.invoke(name, args ?? {}, context);
      return toolResult(outcome.output);
    } catch (error) {
      if (!isRoomanError(error) || error.type === 'INTERNAL_ERROR')
        host.logger.error({ err: error, tool: name, orgId }, 'mcp: tool call failed');
      return toolError(isRoomanError(error) ? error : new RoomanError('INTERNAL_ERROR', 'Internal error'));
    }
  });
  return server;
}

/** MCP requires an object schema at the top; every Rooman tool has one, and anything else is wrapped to say so. */
function toMcpTool(declaration: ToolDeclaration): McpTool {
  const { $schema: _dialect, ...schema } = declaration.parameters;
  const inputSchema = (
    schema.type === 'object' ? schema : { type: 'object', allOf: [schema] }
  ) as McpTool['inputSchema'];
  return { name: declaration.name, description: declaration.description, inputSchema };
}

/** The tool's answer twice: structured for programs, JSON text for models and clients that read text only. */
function toolResult(output: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(output) }], structuredContent: output };
}

/** A refused or failed call: the product's error body (`{error:{type,details,field,issues}}`), flagged isError. */
function toolError(error: RoomanError): CallToolResult {
  const body = error.toJSON();
  return {
    isError: true,
    content: [{ type: 'text', text: JSON.stringify(body) }],
    structuredContent: body as unknown as Record<string, unknown>,
  };
}
