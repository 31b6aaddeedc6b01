/**
 * The tools a brain may call. Arguments proposed by an engine or a model are validated here with the tool's own
 * schema, so a bad argument becomes a VALIDATION_ERROR naming the field before any handler runs.
 */
import { z } from 'zod';
import type { CrmCall } from '../core/bot.ts';
import { type ErrorIssue, RoomanError } from '../core/errors.ts';
import type { Tool, ToolContext } from './tool.ts';

/** A tool as models see it: JSON Schema of the input (what a caller may send, before transforms and defaults). */
export interface ToolDeclaration {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ToolOutcome {
  tool: string;
  /** The arguments after validation (phone numbers normalised, strings trimmed). */
  args: Record<string, unknown>;
  crmCall?: CrmCall;
  output: Record<string, unknown>;
}

interface Entry {
  declaration: ToolDeclaration;
  invoke: (raw: unknown, context: ToolContext) => Promise<ToolOutcome>;
  /** Served by an external MCP server rather than built in. */
  external: boolean;
}

/**
 * A tool of an external MCP server: declared by that server (its JSON Schema), validated and run by its connector
 * (src/mcp/external.ts). `validate` throws VALIDATION_ERROR naming the field, like the built-in tools.
 */
export interface ExternalTool {
  declaration: ToolDeclaration;
  validate: (raw: unknown) => Record<string, unknown>;
  run: (args: Record<string, unknown>, context: ToolContext) => Promise<Record<string, unknown>>;
}

export class ToolRegistry {
  readonly #tools = new Map<string, Entry>();

  register<S extends z.ZodType>(tool: Tool<S>): this {
    if (this.#tools.has(tool.name)) throw new Error(`Tool ${tool.name} is registered twice`);
    const declaration: ToolDeclaration = {
      name: tool.name,
      description: tool.description,
      parameters: z.toJSONSchema(tool.input, { io: 'input' }) as Record<string, unknown>,
    };
    this.#tools.set(tool.name, {
      declaration,
      invoke: async (raw, context) => {
        const args = validate(tool.input, raw);
        const crmCall = tool.describeCall?.(args);
        const output = await tool.run(args, context);
        return { tool: tool.name, args: args as Record<string, unknown>, crmCall, output };
      },
      external: false,
    });
    return this;
  }

  /**
   * Adds (or, when its server lists it again, replaces) a tool of an external MCP server. A built-in tool is never
   * replaced: external names are namespaced (`<server>__<tool>`), so a clash is a configuration error.
   */
  registerExternal(tool: ExternalTool): this {
    const name = tool.declaration.name;
    if (this.#tools.get(name)?.external === false)
      throw new Error(`Tool ${name} is built in; an external tool cannot replace it`);
    this.#tools.set(name, {
      declaration: tool.declaration,
      invoke: async (raw, context) => {
        const args = tool.validate(raw ?? {});
        return { tool: name, args, output: await tool.run(args, context) };
      },
      external: true,
    });
    return this;
  }

  isExternal(name: string): boolean {
    return this.#tools.get(name)?.external === true;
  }

  has(name: string): boolean {
    return this.#tools.has(name);
  }

  names(): string[] {
    return [...this.#tools.keys()];
  }

  /** Every tool's declaration; `{ external: false }` keeps the built-in ones only (what Rooman's MCP server offers). */
  declarations(filter: { external?: boolean } = {}): ToolDeclaration[] {
    return [...this.#tools.values()]
      .filter((e) => filter.external === undefined || e.external === filter.external)
      .map((e) => e.declaration);
  }

  /** Validates `args` and runs the tool. Throws RoomanError (VALIDATION_ERROR naming the field, or the tool's own). */
  invoke(name: string, args: unknown, context: ToolContext): Promise<ToolOutcome> {
    const entry = this.#tools.get(name);
    if (!entry) return Promise.reject(new RoomanError('VALIDATION_ERROR', `Unknown tool: ${name}`));
    return entry.invoke(args, context);
  }
}

function validate<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issues: ErrorIssue[] = parsed.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys')
      return { field: issue.keys.join(','), message: 'is not an argument' };
    const field = issue.path.map(String).join('.') || '(arguments)';
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    return { field, message: missing ? 'is required' : issue.message };
  });
  const first = issues[0]!;
  throw new RoomanError('VALIDATION_ERROR', `${first.field}: ${first.message}`, {
    field: first.field,
    issues,
  });
}
