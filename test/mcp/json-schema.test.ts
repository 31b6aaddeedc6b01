/**
 * External tools' JSON Schemas → VALIDATION_ERROR naming the field. The SDK's own servers send draft-07 (covered in
 * external.test.ts); MCP's default dialect is 2020-12, which other servers send (or no $schema at all).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRoomanError } from '../../src/core/errors.ts';
import { compileArgumentsValidator } from '../../src/mcp/json-schema.ts';

function refusal(validate: (raw: unknown) => unknown, raw: unknown) {
  try {
    validate(raw);
  } catch (e) {
    if (isRoomanError(e)) return { type: e.type, field: e.field, message: e.message, issues: e.issues };
    throw e;
  }
  return undefined;
}

describe('compileArgumentsValidator', () => {
  const booking = compileArgumentsValidator({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      email: { type: 'string', format: 'email' },
      slot: {
        type: 'array',
        prefixItems: [
          { type: 'string', format: 'date' },
          { type: 'integer', minimum: 0 },
        ],
      },
      guests: {
        type: 'array',
        items: { $ref: '#/$defs/guest' },
      },
      room: { type: 'string', default: 'main' },
    },
    required: ['email'],
    additionalProperties: false,
    $defs: { guest: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
  });

  it('accepts good arguments (2020-12: prefixItems, $defs) and fills defaults on a copy', () => {
    const given = { email: 'a@example.com', slot: ['2026-01-05', 2], guests: [{ name: 'Priya' }] };
    const args = booking(given);
    assert.deepEqual(args, { ...given, room: 'main' });
    assert.equal('room' in given, false, 'the caller’s object is left as it was');
  });

  it('names the field of each problem: formats, nested paths, tuples, missing and extra keys', () => {
    assert.deepEqual(refusal(booking, { email: 'not-an-email' }), {
      type: 'VALIDATION_ERROR',
      field: 'email',
      message: 'email: must match format "email"',
      issues: [{ field: 'email', message: 'must match format "email"' }],
    });
    assert.equal(refusal(booking, { email: 'a@example.com', slot: ['2026-13-45', 1] })?.field, 'slot.0');
    assert.equal(refusal(booking, { email: 'a@example.com', slot: ['2026-01-05', -1] })?.field, 'slot.1');
    assert.equal(
      refusal(booking, { email: 'a@example.com', guests: [{ name: 'x' }, {}] })?.field,
      'guests.1.name',
    );
    assert.deepEqual(refusal(booking, {})?.issues, [{ field: 'email', message: 'is required' }]);
    const extra = refusal(booking, { email: 'a@example.com', colour: 'red' });
    assert.deepEqual([extra?.field, extra?.message], ['colour', 'colour: is not an argument']);
    // Every problem at once, the first one in `field`.
    assert.equal(refusal(booking, { email: 'bad', colour: 'red' })?.issues?.length, 2);
    assert.equal(refusal(booking, [1, 2])?.field, '(arguments)');
  });

  it('reads draft-07 schemas with draft-07 rules (tuple items, definitions)', () => {
    const pair = compileArgumentsValidator({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        point: { type: 'array', items: [{ type: 'number' }, { type: 'number' }] },
        tag: { $ref: '#/definitions/tag' },
      },
      definitions: { tag: { type: 'string', enum: ['a', 'b'] } },
    });
    assert.deepEqual(pair({ point: [1, 2], tag: 'a' }), { point: [1, 2], tag: 'a' });
    assert.equal(refusal(pair, { point: [1, 'x'] })?.field, 'point.1');
    assert.equal(refusal(pair, { tag: 'c' })?.field, 'tag');
  });

  it('treats a schema without $schema as 2020-12 and refuses one that does not compile', () => {
    const plain = compileArgumentsValidator({
      type: 'object',
      properties: { n: { type: 'integer', maximum: 3 } },
    });
    assert.equal(refusal(plain, { n: 4 })?.message, 'n: must be <= 3');
    assert.throws(() =>
      compileArgumentsValidator({ type: 'object', properties: { n: { type: 'no-such-type' } } }),
    );
  });
});
