import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, realSleep, withRetry } from '../../../src/integrations/resilience/retry.ts';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

describe('backoffDelay (full jitter)', () => {
  it('doubles the cap each attempt up to maxDelay and scales it by the random draw', () => {
    const top = () => 0.999999;
    assert.equal(backoffDelay(1, policy, top), 99);
    assert.equal(backoffDelay(2, policy, top), 199);
    assert.equal(backoffDelay(3, policy, top), 399);
    assert.equal(backoffDelay(5, policy, top), 999);
    assert.equal(backoffDelay(9, policy, top), 999);
    assert.equal(
      backoffDelay(3, policy, () => 0),
      0,
    );
    assert.equal(
      backoffDelay(3, policy, () => 0.5),
      200,
    );
  });
});

describe('withRetry', () => {
  it('retries a retriable failure until it succeeds, waiting the jittered delays', async () => {
    const waits: number[] = [];
    let calls = 0;
    const value = await withRetry(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw new Error('flaky');
        return 'ok';
      },
      {
        ...policy,
        shouldRetry: () => true,
        random: () => 0.5,
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
    );
    assert.equal(value, 'ok');
    assert.equal(calls, 3);
    assert.deepEqual(waits, [50, 100]);
  });

  it('gives up after maxAttempts and throws the last error', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(
        async (attempt) => {
          calls++;
          throw new Error(`failure ${attempt}`);
        },
        { ...policy, shouldRetry: () => true, sleep: async () => {} },
      ),
      /failure 4/,
    );
    assert.equal(calls, 4);
  });

  it('does not retry an error the policy refuses', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw new Error('refused');
        },
        { ...policy, shouldRetry: (e) => (e as Error).message !== 'refused', sleep: async () => {} },
      ),
      /refused/,
    );
    assert.equal(calls, 1);
  });

  it('waits at least the hinted delay (Retry-After), capped by maxDelay', async () => {
    const waits: number[] = [];
    await withRetry(
      async (attempt) => {
        if (attempt === 1) throw new Error('slow down');
        if (attempt === 2) throw new Error('way down');
        return 1;
      },
      {
        ...policy,
        shouldRetry: () => true,
        random: () => 0,
        delayHint: (e) => ((e as Error).message === 'slow down' ? 300 : 60_000),
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
    );
    assert.deepEqual(waits, [300, 1000]);
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('caller gave up')), 20);
    await assert.rejects(
      withRetry(
        async () => {
          throw new Error('down');
        },
        {
          maxAttempts: 5,
          baseDelayMs: 10_000,
          maxDelayMs: 10_000,
          random: () => 0.99,
          shouldRetry: () => true,
          sleep: realSleep,
          signal: controller.signal,
        },
      ),
      /caller gave up/,
    );
    assert.ok(Date.now() - started < 2000);
  });
});
