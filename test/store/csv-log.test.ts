import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { CrmCsvLog, CSV_FILE_NAMES, CsvFile, LEAD_CSV_COLUMNS } from '../../src/store/csv-log.ts';

describe('CSV logs', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rooman-csv-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('new files get the seed’s exact headers, even before any record', async () => {
    const folder = join(dir, 'fresh');
    const log = await CrmCsvLog.open(folder);
    await log.close();
    assert.equal(
      await readFile(join(folder, CSV_FILE_NAMES.leads), 'utf8'),
      'lead_id,name,phone,city,source,status,created_at\n',
    );
    assert.equal(
      await readFile(join(folder, CSV_FILE_NAMES.visits), 'utf8'),
      'visit_id,lead_id,visit_time,notes,status,created_at\n',
    );
    assert.equal(
      await readFile(join(folder, CSV_FILE_NAMES.updates), 'utf8'),
      'lead_id,old_status,new_status,notes,updated_at\n',
    );
  });

  test('commas, quotes and newlines are quoted so the file reads back exactly', async () => {
    const folder = join(dir, 'quoting');
    const log = await CrmCsvLog.open(folder);
    const tricky = {
      lead_id: 'a1b2c3d4-e5f6-4890-abcd-ef1234567890',
      old_status: 'NEW',
      new_status: 'WON',
      notes: 'booked unit A2, "corner" flat\nsecond line\r\nthird',
      updated_at: '2025-10-04T14:40:00.123+05:30',
    };
    log.updates.append(tricky);
    log.updates.append({ ...tricky, notes: '' });
    await log.close();
    const text = await readFile(join(folder, CSV_FILE_NAMES.updates), 'utf8');
    assert.ok(text.includes('"booked unit A2, ""corner"" flat\nsecond line\r\nthird"'));
    const records = parse(text, { columns: true }) as Record<string, string>[];
    assert.deepEqual(records, [tricky, { ...tricky, notes: '' }]);
  });

  test('reopening appends without a second header, in the order records were appended', async () => {
    const path = join(dir, 'append.csv');
    const row = (n: number) =>
      Object.fromEntries(LEAD_CSV_COLUMNS.map((c) => [c, `${c}-${n}`])) as Record<
        (typeof LEAD_CSV_COLUMNS)[number],
        string
      >;
    const first = await CsvFile.open(path, LEAD_CSV_COLUMNS);
    for (let n = 0; n < 100; n++) first.append(row(n));
    await first.close();
    const second = await CsvFile.open(path, LEAD_CSV_COLUMNS);
    second.append(row(100));
    await second.close();
    second.append(row(101)); // after close: dropped, not thrown
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, 102);
    assert.equal(lines[0], LEAD_CSV_COLUMNS.join(','));
    assert.equal(lines.filter((l) => l.startsWith('lead_id,')).length, 1);
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(',')[0]),
      Array.from({ length: 101 }, (_, n) => `lead_id-${n}`),
    );
  });

  test('a folder that cannot be created is an error at open, not later', async () => {
    const blocker = join(dir, 'not-a-folder');
    const file = await CsvFile.open(blocker, LEAD_CSV_COLUMNS);
    await file.close();
    await assert.rejects(CrmCsvLog.open(join(blocker, 'sub')));
  });
});
