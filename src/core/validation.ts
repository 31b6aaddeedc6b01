import type { z } from 'zod';
import { type ErrorIssue, RoomanError } from './errors.ts';

/** Turns zod issues into the API's error issues: `field` is the dotted path (`phone`, `attendees.0`). */
export function toIssues(error: z.ZodError): ErrorIssue[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { field: issue.keys.join(','), message: `unknown field${issue.keys.length > 1 ? 's' : ''}` };
    }
    const field = issue.path.map(String).join('.') || '(body)';
    const message =
      issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
    return { field, message };
  });
}

/** Validates `value` against `schema` or throws a VALIDATION_ERROR naming the first field at fault (and all issues). */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what = 'body'): z.output<S> {
  const result = schema.safeParse(value ?? (what === 'body' ? undefined : {}));
  if (result.success) return result.data;
  const issues = toIssues(result.error);
  const first = issues[0]!;
  const details =
    first.field === '(body)' ? `Request ${what} ${first.message}` : `${first.field}: ${first.message}`;
  throw new RoomanError('VALIDATION_ERROR', details, { field: first.field, issues });
}
