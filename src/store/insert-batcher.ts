/**
 * Group commit for inserts: rows that arrive together, or while a write is in flight, go out in one statement.
 * A statement starts on the next turn of the event loop (setImmediate), after the requests already read from the
 * network have added their rows, so there is no timer and a lone row waits for nothing. This matters most for
 * embedded PGlite, which runs each statement synchronously on this thread (≈0.5 ms): started from a microtask, a
 * write would finish before the next request is even parsed, and every statement would carry one row.
 */
interface Pending<Row> {
  row: Row;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface InsertBatcherOptions {
  /** Most rows per statement (PostgreSQL allows 65,535 parameters per statement). */
  maxBatch?: number;
  /** Statements in flight at once: 1 for PGlite's single connection, a few for a PostgreSQL pool. */
  maxInFlight?: number;
}

export class InsertBatcher<Row> {
  readonly #write: (rows: Row[]) => Promise<void>;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  #queue: Pending<Row>[] = [];
  #inFlight = 0;
  #scheduled = false;
  #idle: (() => void)[] = [];

  constructor(write: (rows: Row[]) => Promise<void>, options: InsertBatcherOptions = {}) {
    this.#write = write;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#maxInFlight = options.maxInFlight ?? 1;
  }

  /** Resolves once the row is committed; rejects with the database's error for this row. */
  add(row: Row): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ row, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves when every row added so far is written (or failed). */
  drain(): Promise<void> {
    if (this.#inFlight === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.length <= this.#maxBatch ? this.#queue : this.#queue.slice(0, this.#maxBatch);
      this.#queue = this.#queue.length <= this.#maxBatch ? [] : this.#queue.slice(this.#maxBatch);
      this.#inFlight++;
      void this.#flush(batch).finally(() => {
        this.#inFlight--;
        if (this.#queue.length > 0) this.#schedule();
        if (this.#inFlight === 0 && this.#queue.length === 0) {
          for (const resolve of this.#idle.splice(0)) resolve();
        }
      });
    }
  }

  async #flush(batch: Pending<Row>[]): Promise<void> {
    try {
      await this.#write(batch.map((p) => p.row));
      for (const p of batch) p.resolve();
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // One bad row must not fail the rows it happened to share a statement with: write them one by one.
      for (const p of batch) {
        try {
          await this.#write([p.row]);
          p.resolve();
        } catch (rowError) {
          p.reject(rowError);
        }
      }
    }
  }
}
