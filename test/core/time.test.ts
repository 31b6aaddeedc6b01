import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { offsetMinutes, parseIsoWithOffset, toZonedDate, toZonedIso } from '../../src/core/time.ts';

describe('time helpers', () => {
  it('writes an instant with the zone offset it has at that moment', () => {
    const at = new Date('2025-10-05T09:30:00Z');
    assert.equal(toZonedIso(at, 'Asia/Kolkata'), '2025-10-05T15:00:00+05:30');
    assert.equal(toZonedIso(at, 'UTC'), '2025-10-05T09:30:00+00:00');
    assert.equal(
      toZonedIso(new Date('2025-01-15T12:00:00.25Z'), 'America/New_York', true),
      '2025-01-15T07:00:00.250-05:00',
    );
    // Daylight saving: New York is UTC−4 in July, UTC−5 in January; Kathmandu has a 45-minute offset.
    assert.equal(offsetMinutes(new Date('2025-07-01T12:00:00Z'), 'America/New_York'), -240);
    assert.equal(offsetMinutes(new Date('2025-07-01T12:00:00Z'), 'Asia/Kathmandu'), 345);
    assert.equal(toZonedDate(new Date('2025-10-05T20:00:00Z'), 'Asia/Kolkata'), '2025-10-06');
  });

  it('parses ISO-8601 date-times only when they carry an offset and a real date', () => {
    assert.equal(parseIsoWithOffset('2025-10-05T15:00:00+05:30')?.toISOString(), '2025-10-05T09:30:00.000Z');
    assert.equal(parseIsoWithOffset('2025-10-05 15:00:00+05:30')?.toISOString(), '2025-10-05T09:30:00.000Z');
    assert.equal(parseIsoWithOffset('2025-10-05T15:00Z')?.toISOString(), '2025-10-05T15:00:00.000Z');
    for (const bad of [
      '2025-10-05T15:00:00',
      '15:00:00+05:30',
      '2025-10-05',
      '2025-02-30T10:00:00Z',
      'tomorrow',
    ]) {
      assert.equal(parseIsoWithOffset(bad), null, bad);
    }
  });
});
