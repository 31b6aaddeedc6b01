import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractPhones } from '../../../src/understanding/entities/index.ts';
import { normaliseSpoken } from '../../../src/understanding/normalise/index.ts';

/** Phones as the engine sees them: after spoken-form normalisation. */
const phones = (text: string) => extractPhones(normaliseSpoken(text));
const MOBILE = '+919876543210';

describe('extractPhones: Indian mobiles, written', () => {
  const written = [
    '9876543210',
    '98765 43210',
    '98765-43210',
    '98-765-43210',
    '987 654 3210',
    '+91 98765 43210',
    '+91-9876543210',
    '+919876543210',
    '91 98765 43210',
    '919876543210',
    '09876543210',
    '0091 9876543210',
    '(+91) 98765 43210',
    '+91 (987) 654-3210',
  ];
  for (const form of written) {
    it(`"call me on ${form} please"`, () => assert.deepEqual(phones(`call me on ${form} please`), [MOBILE]));
  }

  it('finds a number at the end of a sentence, and two numbers in one', () => {
    assert.deepEqual(phones('My mobile is 9876543210.'), [MOBILE]);
    assert.deepEqual(phones('98765-43210 and 91234 56789'), [MOBILE, '+919123456789']);
  });

  it('takes every ten-digit number starting 6–9 as a mobile, even where it looks like a landline', () => {
    assert.deepEqual(phones('call 8045245106'), ['+918045245106']);
    assert.deepEqual(phones('his number 79228 71246'), ['+917922871246']);
  });

  it('separates a phone from a time said just before it', () => {
    assert.deepEqual(phones('at 3 9876543210 tomorrow'), [MOBILE]);
  });
});

describe('extractPhones: Indian mobiles, spoken', () => {
  const spoken: Array<[string, string]> = [
    ['nine eight seven six five four three two one zero', MOBILE],
    ['my number is ninety eight seventy six five four three two one zero', MOBILE],
    ['nine eight seven six five, four three two one zero', MOBILE],
    ['plus nine one nine eight seven six five four three two one zero', MOBILE],
    ['zero nine eight seven six five four three two one zero', MOBILE],
    ['nine eight double seven six triple five oh one', '+919877655501'],
    ['uh the number is like nine nine eight eight seven seven six six five five', '+919988776655'],
    ['seven oh four two one double three eight nine nine', '+917042133899'],
  ];
  for (const [said, e164] of spoken) it(said, () => assert.deepEqual(phones(said), [e164]));
});

describe('extractPhones: other countries', () => {
  it('takes numbers written with a + or 00 country code', () => {
    assert.deepEqual(phones('US office +1 541-754-3010'), ['+15417543010']);
    assert.deepEqual(phones('London: +44 20 7946 0958'), ['+442079460958']);
    assert.deepEqual(phones('call 0044 20 7946 0958'), ['+442079460958']);
    assert.deepEqual(phones('+44(0) 113-496-0009'), ['+441134960009']);
    assert.deepEqual(phones('+971 50 123 4567'), ['+971501234567']);
  });

  it('takes an Indian landline only with its prefix written', () => {
    assert.deepEqual(phones('office 022 2212 3456'), ['+912222123456']);
    assert.deepEqual(phones('+91 120 431 2280'), ['+911204312280']);
    assert.deepEqual(phones('2212345678'), []);
  });
});

describe('extractPhones: what is not a phone number', () => {
  const notPhones = [
    'my order number is 9876543210',
    'invoice 9876543210 is pending',
    'order 4567890123',
    '1234567890',
    'the pin is 560001',
    'I need 3 units of 2 bhk',
    'meet on 2025-10-05T15:00:00+05:30',
    'on 20/10/2025 at 5',
    'card 4111 1111 1111 1111',
    'budget 45,00,000',
    'ref P0-001-000016155-9',
  ];
  for (const text of notPhones) it(text, () => assert.deepEqual(phones(text), []));
});
