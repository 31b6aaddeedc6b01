import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  leadCreatedBlock,
  leadStatusUpdatedBlock,
  visitScheduledBlock,
} from '../../src/crm/terminal-blocks.ts';

// The blocks below are copied from seed 003 ("CRM Server Output"); given the seed's values, the text must match.

test('NEW LEAD CREATED matches the seed', () => {
  const expected = `============================================================
NEW LEAD CREATED
============================================================
Lead ID    : a1b2c3d4-e5f6-7890-abcd-ef1234567890
Name       : Rohan Sharma
Phone      : 9876543210
City       : Gurgaon
Source     : Instagram
Status     : NEW
Created At : 2025-10-04T14:30:00.123456
============================================================`;
  assert.equal(
    leadCreatedBlock({
      leadId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      name: 'Rohan Sharma',
      phone: '9876543210',
      city: 'Gurgaon',
      source: 'Instagram',
      status: 'NEW',
      createdAt: '2025-10-04T14:30:00.123456',
    }),
    expected,
  );
});

test('📅 VISIT SCHEDULED matches the seed, with N/A for missing notes', () => {
  const expected = `============================================================
📅 VISIT SCHEDULED
============================================================
Visit ID   : v1v2v3v4-v5v6-v7v8-v9v0-v12345678901
Lead ID    : a1b2c3d4-e5f6-7890-abcd-ef1234567890
Lead Name  : Rohan Sharma
Visit Time : 2025-10-05 15:00:00+05:30
Notes      : N/A
Status     : SCHEDULED
Created At : 2025-10-04T14:35:00.123456
============================================================`;
  assert.equal(
    visitScheduledBlock({
      visitId: 'v1v2v3v4-v5v6-v7v8-v9v0-v12345678901',
      leadId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      leadName: 'Rohan Sharma',
      visitTime: '2025-10-05 15:00:00+05:30',
      notes: null,
      status: 'SCHEDULED',
      createdAt: '2025-10-04T14:35:00.123456',
    }),
    expected,
  );
});

test('🔄 LEAD STATUS UPDATED matches the seed, with its wider labels', () => {
  const expected = `============================================================
🔄 LEAD STATUS UPDATED
============================================================
Lead ID      : a1b2c3d4-e5f6-7890-abcd-ef1234567890
Lead Name    : Rohan Sharma
Old Status   : NEW
New Status   : WON
Notes        : booked unit A2
Updated At   : 2025-10-04T14:40:00.123456
============================================================`;
  assert.equal(
    leadStatusUpdatedBlock({
      leadId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      leadName: 'Rohan Sharma',
      oldStatus: 'NEW',
      newStatus: 'WON',
      notes: 'booked unit A2',
      updatedAt: '2025-10-04T14:40:00.123456',
    }),
    expected,
  );
});

test('a value cannot break the block: newlines and escape sequences become spaces; blank notes are N/A', () => {
  const text = leadStatusUpdatedBlock({
    leadId: 'x',
    leadName: 'Evil\u001b[2JName',
    oldStatus: 'NEW',
    newStatus: 'LOST',
    notes: 'line one\nline two',
    updatedAt: 't',
  });
  const lines = text.split('\n');
  assert.equal(lines.length, 10);
  assert.equal(lines[4], 'Lead Name    : Evil [2JName');
  assert.equal(lines[7], 'Notes        : line one line two');
  assert.match(
    visitScheduledBlock({
      visitId: 'v',
      leadId: 'l',
      leadName: 'n',
      visitTime: 't',
      notes: '  ',
      status: 'SCHEDULED',
      createdAt: 'c',
    }),
    /^Notes {6}: N\/A$/m,
  );
  assert.match(
    leadCreatedBlock({
      leadId: 'l',
      name: 'n',
      phone: 'p',
      city: 'c',
      source: null,
      status: 'NEW',
      createdAt: 'c',
    }),
    /^Source {5}: N\/A$/m,
  );
});
