/** Greeting templates (src/calls/greeting.ts): variables found, filled, tidied when missing, required when asked. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { greetingVariables, renderGreeting, requireGreetingContext } from '../../src/calls/greeting.ts';
import { RoomanError } from '../../src/core/errors.ts';

const GREETING = 'Hi {{lead_name}}, this is Asha from Acme about your {{ purpose }}. Ref {{ref}}!';

describe('greeting templates', () => {
  it('lists each variable once, in order', () => {
    assert.deepEqual(greetingVariables(`${GREETING} Bye {{lead_name}}`), ['lead_name', 'purpose', 'ref']);
    assert.deepEqual(greetingVariables('Hello, this is Rooman.'), []);
  });

  it('fills text and numbers from the context', () => {
    assert.equal(
      renderGreeting(GREETING, { lead_name: 'Rohan Sharma', purpose: 'site visit', ref: 4521 }),
      'Hi Rohan Sharma, this is Asha from Acme about your site visit. Ref 4521!',
    );
  });

  it('leaves out what is missing or not text, and tidies the sentence', () => {
    assert.equal(renderGreeting('Hi {{lead_name}}, this is Asha.', {}), 'Hi, this is Asha.');
    assert.equal(renderGreeting('Hello {{ name }} !  Welcome.', { name: { first: 'x' } }), 'Hello! Welcome.');
    assert.equal(
      renderGreeting('Hi {{lead_name}}, this is Asha.', { lead_name: '   ' }),
      'Hi, this is Asha.',
    );
  });

  it('requires what the greeting names, with the field at fault', () => {
    requireGreetingContext(GREETING, { lead_name: 'A', purpose: 'b', ref: 1 }, 'sales');
    requireGreetingContext(null, {}, 'sales');
    assert.throws(
      () => requireGreetingContext(GREETING, { lead_name: 'A', ref: 1 }, 'sales', 'targets[2].context'),
      (error: unknown) =>
        error instanceof RoomanError &&
        error.type === 'VALIDATION_ERROR' &&
        error.field === 'targets[2].context.purpose' &&
        /agent "sales" greets with \{\{purpose\}\}/.test(error.message),
    );
    assert.throws(
      () => requireGreetingContext(GREETING, { lead_name: 'A', purpose: 'b', ref: true }, 's'),
      /ref/,
    );
  });
});
