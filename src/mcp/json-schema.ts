/**
 * Arguments checked against a JSON Schema given by an external MCP server, with ajv (what the MCP SDK validates
 * with). Failures become the product's VALIDATION_ERROR naming the field, as zod failures do for built-in tools.
 */
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { type ErrorIssue, RoomanError } from '../core/errors.ts';

const OPTIONS = {
  strict: false, // servers write schemas by hand or with other generators: unknown keywords are not errors
  allErrors: true,
  useDefaults: true,
  // Schemas from different servers may reuse an $id; none is kept in the instance to clash with the next.
  addUsedSchema: false,
} as const;

let draft07: Ajv | undefined;
let draft2020: Ajv2020 | undefined;

/** MCP's default dialect is 2020-12; schemas that say they are draft-07 or older get the draft-07 validator. */
function ajvFor(dialect: unknown): Ajv | Ajv2020 {
  if (typeof dialect === 'string' && /draft-0[4-7]/.test(dialect)) {
    draft07 ??= withFormats(new Ajv(OPTIONS));
    return draft07;
  }
  draft2020 ??= withFormats(new Ajv2020(OPTIONS));
  return draft2020;
}

function withFormats<A extends Ajv | Ajv2020>(ajv: A): A {
  // ajv-formats is CommonJS; its callable export is also its `default` property.
  addFormats.default(ajv);
  return ajv;
}

/** Compiles once; the returned function returns a copy of the arguments with defaults filled, or throws. */
export function compileArgumentsValidator(
  schema: Record<string, unknown>,
): (raw: unknown) => Record<string, unknown> {
  const { $schema: dialect, ...rest } = schema;
  const check: ValidateFunction = ajvFor(dialect).compile(rest as AnySchemaObject);
  return (raw) => {
    const args: unknown = structuredClone(raw ?? {});
    if (typeof args !== 'object' || args === null || Array.isArray(args))
      throw new RoomanError('VALIDATION_ERROR', '(arguments): must be an object', { field: '(arguments)' });
    if (check(args)) return args as Record<string, unknown>;
    const issues = (check.errors ?? []).map(issueOf);
    const first = issues[0] ?? { field: '(arguments)', message: 'are not valid' };
    throw new RoomanError('VALIDATION_ERROR', `${first.field}: ${first.message}`, {
      field: first.field,
      issues,
    });
  };
}

function issueOf(error: ErrorObject): ErrorIssue {
  // JSON Pointer → dotted path: /attendees/0/email → attendees.0.email
  const at = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  const field = (name?: unknown) =>
    [...at, ...(name === undefined ? [] : [String(name)])].join('.') || '(arguments)';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { field: field(params.missingProperty), message: 'is required' };
    case 'additionalProperties':
      return { field: field(params.additionalProperty), message: 'is not an argument' };
    case 'unevaluatedProperties':
      return { field: field(params.unevaluatedProperty), message: 'is not an argument' };
    default:
      return { field: field(), message: error.message ?? 'is not valid' };
  }
}
