/**
 * Group commit for inserts: rows that arrive while a write is in flight go out together in the next statement.
 * A lone row is written at once (no timer, no added latency); under load one round trip carries many rows, which
 * is what lets embedded PGlite (≈0.5 ms per statement) take thousands of creates a second.
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
      this.#pump();
    });
  }

  /** Resolves when every row added so far is written (or failed). */
  drain(): Promise<void> {
    if (this.#inFlight === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.length <= this.#maxBatch ? this.#queue : this.#queue.slice(0, this.#maxBatch);
      this.#queue = this.#queue.length <= this.#maxBatch ? [] : this.#queue.slice(this.#maxBatch);
      this.#inFlight++;
      void this.#flush(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
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
