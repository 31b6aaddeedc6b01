/**
 * External MCP servers (ROOMAN_MCP_SERVERS) as tools for the brains: each server is connected with the SDK's client
 * at start-up, its tools are added to the registry as `<server>__<tool>`, and a call is validated against the
 * server's own JSON Schema (ajv, the validator the SDK uses) before it is sent, so a bad argument is a
 * VALIDATION_ERROR naming the field, the same as for a built-in tool.
 *
 * Start-up never waits for them: a server that cannot be reached is logged and tried again later (backing off up
 * to `retry.maxMs`); a server that drops after connecting keeps its tools, and the next call reconnects.
 * The servers are shared by every organisation: they are the deployment's, configured by its operator.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type CallToolResult, McpError, type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerConfig } from '../core/config.ts';
import { RoomanError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { ToolRegistry } from '../tools/registry.ts';
import type { ToolContext } from '../tools/tool.ts';
import { VERSION } from '../version.ts';
import { compileArgumentsValidator } from './json-schema.ts';

export interface ExternalMcpOptions {
  servers: McpServerConfig[];
  registry: ToolRegistry;
  logger: Logger;
  /** Longest a connection (initialize + tools/list) may take. */
  connectTimeoutMs?: number;
  /** Longest one tool call may take. */
  callTimeoutMs?: number;
  /** Waits between attempts to reach a server that has never answered: first, doubling up to max. */
  retry?: { firstMs: number; maxMs: number };
}

export interface ExternalServerStatus {
  name: string;
  connected: boolean;
  /** The names brains know its tools by. */
  tools: string[];
  lastError: string | undefined;
}

export interface ExternalMcp {
  /** Settles once every server's first connection attempt has (connected or failed); start-up does not wait. */
  ready: Promise<void>;
  status(): ExternalServerStatus[];
  close(): Promise<void>;
}

export function connectExternalMcpServers(options: ExternalMcpOptions): ExternalMcp {
  const servers = options.servers.map((config) => new ExternalServer(config, options));
  const ready = Promise.allSettled(servers.map((s) => s.start())).then(() => undefined);
  return {
    ready,
    status: () => servers.map((s) => s.status()),
    close: async () => {
      await Promise.allSettled(servers.map((s) => s.close()));
    },
  };
}

/** The name brains see: namespaced by server, and only characters every model API accepts in a function name. */
export function externalToolName(server: string, tool: string): string {
  return `${server}__${tool.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 64);
}

class ExternalServer {
  readonly #config: McpServerConfig;
  readonly #registry: ToolRegistry;
  readonly #logger: Logger;
  readonly #connectTimeoutMs: number;
  readonly #callTimeoutMs: number;
  readonly #retry: { firstMs: number; maxMs: number };
  #client: Client | undefined;
  #connecting: Promise<Client> | undefined;
  /** Rooman's name of each tool → the server's own name. */
  readonly #tools = new Map<string, string>();
  #failures = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #lastError: string | undefined;
  #closed = false;

  constructor(config: McpServerConfig, options: ExternalMcpOptions) {
    this.#config = config;
    this.#registry = options.registry;
    this.#logger = options.logger.child({ component: 'mcp-client', mcpServer: config.name });
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
    this.#callTimeoutMs = options.callTimeoutMs ?? 60_000;
    this.#retry = options.retry ?? { firstMs: 5_000, maxMs: 300_000 };
  }

  status(): ExternalServerStatus {
    return {
      name: this.#config.name,
      connected: this.#client !== undefined,
      tools: [...this.#tools.keys()],
      lastError: this.#lastError,
    };
  }

  /** The first attempt; a failure is logged and retried on a timer until the server has answered once. */
  async start(): Promise<void> {
    try {
      await this.#connect();
    } catch {
      this.#scheduleRetry();
    }
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#tools.size > 0) return; // known tools reconnect on their next call instead
    const delay = Math.min(this.#retry.firstMs * 2 ** Math.max(0, this.#failures - 1), this.#retry.maxMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#connect().catch(() => this.#scheduleRetry());
    }, delay);
    this.#retryTimer.unref();
  }

  #connect(): Promise<Client> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #open(): Promise<Client> {
    if (this.#closed) throw new RoomanError('CRM_ERROR', `MCP server ${this.#config.name} is closed`);
    const client = new Client(
      { name: 'rooman', version: VERSION },
      {
        listChanged: {
          tools: {
            onChanged: (error, tools) => {
              if (error) this.#logger.warn({ err: error }, 'mcp: could not re-list the tools');
              else if (tools) this.#register(tools);
            },
          },
        },
      },
    );
    try {
      await client.connect(this.#transport(), { timeout: this.#connectTimeoutMs });
      const tools: McpTool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : {}, { timeout: this.#connectTimeoutMs });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      this.#register(tools);
    } catch (error) {
      this.#failures += 1;
      this.#lastError = error instanceof Error ? error.message : String(error);
      this.#logger.warn(
        { err: error, attempt: this.#failures },
        `mcp: server ${this.#config.name} is not reachable; its tools are unavailable until it is`,
      );
      await client.close().catch(() => {});
      throw error;
    }
    client.onclose = () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      if (!this.#closed) this.#logger.warn('mcp: server disconnected; the next call reconnects');
    };
    this.#client = client;
    this.#failures = 0;
    this.#lastError = undefined;
    this.#logger.info({ tools: [...this.#tools.keys()] }, `mcp: connected to ${this.#config.name}`);
    return client;
  }

  #transport(): Transport {
    const config = this.#config;
    if (config.transport === 'http')
      return new StreamableHTTPClientTransport(new URL(config.url), {
        requestInit: { headers: config.headers },
      });
    const transport = new StdioClientTransport({
      command: config.command,
      args: config.args,
      // The SDK's safe default set (PATH, HOME…) under the configured variables, not Rooman's whole environment.
      env: { ...getDefaultEnvironment(), ...config.env },
      ...(config.cwd ? { cwd: config.cwd } : {}),
      stderr: 'pipe',
    });
    // The server's own log lines, read (an unread pipe would stall it) and kept at debug level.
    if (transport.stderr) {
      createInterface({ input: transport.stderr as Readable }).on('line', (line) =>
        this.#logger.debug({ line }, 'mcp: stderr'),
      );
    }
    return transport;
  }

  #register(tools: McpTool[]): void {
    for (const tool of tools) {
      const name = externalToolName(this.#config.name, tool.name);
      const owner = this.#tools.get(name);
      if (owner !== undefined && owner !== tool.name) {
        this.#logger.warn(
          { tool: tool.name, as: name },
          'mcp: two tools share one name; the second is left out',
        );
        continue;
      }
      let validate: (raw: unknown) => Record<string, unknown>;
      try {
        validate = compileArgumentsValidator(tool.inputSchema);
      } catch (error) {
        this.#logger.warn(
          { err: error, tool: tool.name },
          'mcp: tool left out: its input schema does not compile',
        );
        continue;
      }
      const { $schema: _dialect, ...parameters } = tool.inputSchema;
      try {
        this.#registry.registerExternal({
          declaration: {
            name,
            description: `[${this.#config.name}] ${tool.description ?? tool.title ?? tool.name}`,
            parameters,
          },
          validate,
          run: (args, context) => this.call(tool.name, args, context),
        });
        this.#tools.set(name, tool.name);
      } catch (error) {
        this.#logger.warn({ err: error, tool: tool.name }, 'mcp: tool left out');
      }
    }
  }

  async call(
    tool: string,
    args: Record<string, unknown>,
    context: ToolContext,
  ): Promise<Record<string, unknown>> {
    const label = `${this.#config.name}__${tool}`;
    let client: Client;
    try {
      client = await this.#connect();
    } catch (error) {
      throw new RoomanError('CRM_ERROR', `MCP server ${this.#config.name} is not reachable`, {
        retriable: true,
        cause: error,
      });
    }
    let result: CallToolResult;
    try {
      result = (await client.callTool({ name: tool, arguments: args }, undefined, {
        timeout: this.#callTimeoutMs,
        ...(context.signal ? { signal: context.signal } : {}),
      })) as CallToolResult;
    } catch (error) {
      // A JSON-RPC error is the server refusing the call; anything else (timeout, dropped connection) may pass.
      const refused = error instanceof McpError && [-32600, -32601, -32602].includes(error.code);
      throw new RoomanError(
        'CRM_ERROR',
        `${label} failed: ${error instanceof Error ? error.message : error}`,
        {
          retriable: !refused,
          cause: error,
        },
      );
    }
    if (result.isError)
      throw new RoomanError('CRM_ERROR', `${label} failed: ${textOf(result) || 'no details'}`);
    return outputOf(result);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    await this.#connecting?.catch(() => {});
    await this.#client?.close();
    this.#client = undefined;
  }
}

function textOf(result: CallToolResult): string {
  return result.content
    .flatMap((part) => (part.type === 'text' ? [part.text] : []))
    .join('\n')
    .trim();
}

/** Structured content when the tool gives it; otherwise its text, and what other parts there were. */
function outputOf(result: CallToolResult): Record<string, unknown> {
  if (result.structuredContent) return { ...result.structuredContent };
  const others = result.content.filter((part) => part.type !== 'text').map((part) => ({ type: part.type }));
  return { text: textOf(result), ...(others.length > 0 ? { other_content: others } : {}) };
}
