/**
 * The CSV logs of seed 003 (crm_leads.csv, crm_visits.csv, crm_updates.csv): one append-only file per kind, its
 * header written when the file is new. Records are appended after the database commit, through one csv-stringify
 * stream per file, so they keep their order and no request waits on the disk.
 */

import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { type Stringifier, stringify } from 'csv-stringify';
import type { Logger } from '../core/logger.ts';

export const LEAD_CSV_COLUMNS = [
  'lead_id',
  'name',
  'phone',
  'city',
  'source',
  'status',
  'created_at',
] as const;
export const VISIT_CSV_COLUMNS = [
  'visit_id',
  'lead_id',
  'visit_time',
  'notes',
  'status',
  'created_at',
] as const;
export const UPDATE_CSV_COLUMNS = ['lead_id', 'old_status', 'new_status', 'notes', 'updated_at'] as const;

export const CSV_FILE_NAMES = {
  leads: 'crm_leads.csv',
  visits: 'crm_visits.csv',
  updates: 'crm_updates.csv',
} as const;

type Record_<C extends readonly string[]> = { [K in C[number]]: string };
export type LeadCsvRecord = Record_<typeof LEAD_CSV_COLUMNS>;
export type VisitCsvRecord = Record_<typeof VISIT_CSV_COLUMNS>;
export type UpdateCsvRecord = Record_<typeof UPDATE_CSV_COLUMNS>;

/** One CSV file opened for appending. */
export class CsvFile<C extends readonly string[]> {
  readonly path: string;
  readonly #stringifier: Stringifier;
  readonly #file: WriteStream;
  #closed: Promise<void> | undefined;

  private constructor(path: string, stringifier: Stringifier, file: WriteStream) {
    this.path = path;
    this.#stringifier = stringifier;
    this.#file = file;
  }

  static async open<C extends readonly string[]>(
    path: string,
    columns: C,
    logger?: Logger,
  ): Promise<CsvFile<C>> {
    const size = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    const stringifier = stringify({ columns: [...columns] });
    const file = createWriteStream(path, { flags: 'a' });
    // A full disk or a removed folder must not crash the server: the database already holds the data.
    const report = (err: Error) => logger?.error({ err, path }, 'CSV log write failed');
    stringifier.on('error', report);
    file.on('error', report);
    stringifier.pipe(file);
    // The header goes into a new (or empty) file at once, not with the first record, so a fresh file is valid CSV.
    if (size === 0) stringifier.write(Object.fromEntries(columns.map((c) => [c, c])));
    return new CsvFile<C>(path, stringifier, file);
  }

  append(record: Record_<C>): void {
    if (this.#closed) return;
    this.#stringifier.write(record);
  }

  /** Writes out everything appended and closes the file. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#stringifier.end();
      await finished(this.#file).catch(() => undefined);
    })();
    return this.#closed;
  }
}

/** The three CRM CSV logs of one folder. */
export class CrmCsvLog {
  readonly leads: CsvFile<typeof LEAD_CSV_COLUMNS>;
  readonly visits: CsvFile<typeof VISIT_CSV_COLUMNS>;
  readonly updates: CsvFile<typeof UPDATE_CSV_COLUMNS>;

  private constructor(
    leads: CsvFile<typeof LEAD_CSV_COLUMNS>,
    visits: CsvFile<typeof VISIT_CSV_COLUMNS>,
    updates: CsvFile<typeof UPDATE_CSV_COLUMNS>,
  ) {
    this.leads = leads;
    this.visits = visits;
    this.updates = updates;
  }

  static async open(dir: string, logger?: Logger): Promise<CrmCsvLog> {
    await mkdir(dir, { recursive: true });
    const [leads, visits, updates] = await Promise.all([
      CsvFile.open(join(dir, CSV_FILE_NAMES.leads), LEAD_CSV_COLUMNS, logger),
      CsvFile.open(join(dir, CSV_FILE_NAMES.visits), VISIT_CSV_COLUMNS, logger),
      CsvFile.open(join(dir, CSV_FILE_NAMES.updates), UPDATE_CSV_COLUMNS, logger),
    ]);
    return new CrmCsvLog(leads, visits, updates);
  }

  async close(): Promise<void> {
    await Promise.all([this.leads.close(), this.visits.close(), this.updates.close()]);
  }
}
