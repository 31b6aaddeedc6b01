import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InsertBatcher } from '../../src/store/insert-batcher.ts';

/** A writer that takes a few milliseconds per statement, like a database round trip, and records each batch. */
function slowWriter(failOn: (row: number) => boolean = () => false) {
  const batches: number[][] = [];
  const write = async (rows: number[]) => {
    await new Promise((r) => setTimeout(r, 5));
    if (rows.some(failOn)) throw new Error(`cannot write ${rows.filter(failOn).join(',')}`);
    batches.push([...rows]);
  };
  return { batches, write };
}

test('a lone row is written at once, alone', async () => {
  const { batches, write } = slowWriter();
  const batcher = new InsertBatcher(write);
  await batcher.add(1);
  assert.deepEqual(batches, [[1]]);
});

test('rows added in the same turn of the event loop share one statement', async () => {
  const { batches, write } = slowWriter();
  const batcher = new InsertBatcher(write);
  await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.add(i)));
  assert.deepEqual(batches, [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
});

test('rows arriving while a write is in flight share the next statement, in arrival order', async () => {
  const { batches, write } = slowWriter();
  const batcher = new InsertBatcher(write);
  const added = [batcher.add(0)];
  // Later turns of the event loop, as requests read from the network would be, while row 0 is being written.
  for (let i = 1; i < 10; i++) {
    await new Promise((r) => setImmediate(r));
    added.push(batcher.add(i));
  }
  await Promise.all(added);
  assert.deepEqual(batches, [[0], [1, 2, 3, 4, 5, 6, 7, 8, 9]]);
});

test('no statement carries more than maxBatch rows; maxInFlight statements run at once', async () => {
  const { batches, write } = slowWriter();
  let inFlight = 0;
  let most = 0;
  const counting = async (rows: number[]) => {
    most = Math.max(most, ++inFlight);
    try {
      await write(rows);
    } finally {
      inFlight--;
    }
  };
  const batcher = new InsertBatcher(counting, { maxBatch: 3, maxInFlight: 2 });
  await Promise.all(Array.from({ length: 11 }, (_, i) => batcher.add(i)));
  assert.ok(batches.every((b) => b.length <= 3));
  assert.deepEqual(
    batches.flat().sort((a, b) => a - b),
    Array.from({ length: 11 }, (_, i) => i),
  );
  assert.equal(most, 2);
});

test('a bad row fails alone: the rows it shared a statement with are written one by one', async () => {
  const { batches, write } = slowWriter((row) => row === 3);
  const batcher = new InsertBatcher(write);
  const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => batcher.add(i)));
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
  );
  assert.match(String((outcomes[3] as PromiseRejectedResult).reason), /cannot write 3/);
  assert.deepEqual(batches.flat().sort(), [0, 1, 2, 4, 5]);
});

test('drain waits for every row added so far', async () => {
  const { batches, write } = slowWriter();
  const batcher = new InsertBatcher(write);
  for (let i = 0; i < 5; i++) void batcher.add(i);
  await batcher.drain();
  assert.equal(batches.flat().length, 5);
  await batcher.drain();
});
