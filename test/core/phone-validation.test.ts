import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreateLeadInput, ScheduleVisitInput } from '../../src/core/crm.ts';
import { RoomanError } from '../../src/core/errors.ts';
import { displayPhone, normalisePhone } from '../../src/core/phone.ts';
import { parseWith } from '../../src/core/validation.ts';

describe('phone numbers', () => {
  it('normalises Indian mobiles however they are written, to E.164 and national digits', () => {
    for (const written of [
      '9876543210',
      '+91 98765 43210',
      '098765-43210',
      '0091 9876543210',
      '(+91) 98765-43210',
    ]) {
      assert.deepEqual(
        normalisePhone(written),
        { e164: '+919876543210', national: '9876543210', country: 'IN' },
        written,
      );
    }
    assert.equal(normalisePhone('+1 415 555 2671')?.e164, '+14155552671');
    for (const bad of ['5555555555', '98765', 'call me', '98765432101234'])
      assert.equal(normalisePhone(bad), null, bad);
  });

  it('shows home numbers as national digits and foreign ones in E.164', () => {
    assert.equal(displayPhone('+919876543210'), '9876543210');
    assert.equal(displayPhone('+14155552671'), '+14155552671');
  });
});

describe('parseWith', () => {
  it('returns the parsed value with the phone normalised', () => {
    const lead = parseWith(CreateLeadInput, { name: ' Rohan ', phone: '98765 43210', city: 'Pune' });
    assert.deepEqual(lead, { name: 'Rohan', phone: '+919876543210', city: 'Pune' });
  });

  it('throws a VALIDATION_ERROR naming the field, with every issue listed', () => {
    assert.throws(
      () => parseWith(ScheduleVisitInput, { lead_id: 'nope', visit_time: '15:00' }),
      (error: unknown) => {
        assert.ok(error instanceof RoomanError);
        assert.equal(error.type, 'VALIDATION_ERROR');
        assert.equal(error.field, 'lead_id');
        assert.deepEqual(
          error.issues?.map((i) => i.field),
          ['lead_id', 'visit_time'],
        );
        assert.deepEqual(error.toJSON().error.type, 'VALIDATION_ERROR');
        return true;
      },
    );
    assert.throws(() => parseWith(CreateLeadInput, undefined), /Request body/);
    assert.throws(() => parseWith(CreateLeadInput, { name: 'A', phone: '9876543210' }), /city: is required/);
  });
});
