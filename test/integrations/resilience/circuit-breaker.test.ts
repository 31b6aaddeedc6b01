import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker, CircuitOpenError } from '../../../src/integrations/resilience/circuit-breaker.ts';

function manualClock(start = 0) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

const fail = async () => {
  throw new Error('down');
};

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures and then refuses without calling', async () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 1000, clock });
    for (let i = 0; i < 3; i++) await assert.rejects(breaker.execute(fail), /down/);
    assert.equal(breaker.state, 'open');
    let called = false;
    await assert.rejects(
      breaker.execute(async () => {
        called = true;
      }),
      CircuitOpenError,
    );
    assert.equal(called, false);
  });

  it('a success in between resets the count', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, coolDownMs: 1000, clock: manualClock() });
    await assert.rejects(breaker.execute(fail));
    await breaker.execute(async () => 1);
    await assert.rejects(breaker.execute(fail));
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.consecutiveFailures, 1);
  });

  it('errors judged "success" (a 4xx) or "ignore" (a cancel) do not open it', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 1000, clock: manualClock() });
    await assert.rejects(breaker.execute(fail, () => 'success'));
    await assert.rejects(breaker.execute(fail, () => 'ignore'));
    assert.equal(breaker.state, 'closed');
  });

  it('half-opens after the cool-down: one probe; success closes, failure re-opens', async () => {
    const clock = manualClock();
    const changes: string[] = [];
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      coolDownMs: 1000,
      clock,
      onStateChange: (from, to) => changes.push(`${from}->${to}`),
    });
    await assert.rejects(breaker.execute(fail));
    clock.advance(999);
    assert.equal(breaker.state, 'open');
    clock.advance(1);
    assert.equal(breaker.state, 'half-open');
    await assert.rejects(breaker.execute(fail), /down/);
    assert.equal(breaker.state, 'open');
    clock.advance(1000);

    // Only one probe at a time while half-open.
    let release!: () => void;
    const probe = breaker.execute(() => new Promise<string>((r) => (release = () => r('up'))));
    await assert.rejects(
      breaker.execute(async () => 'second'),
      CircuitOpenError,
    );
    release();
    assert.equal(await probe, 'up');
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(changes, [
      'closed->open',
      'open->half-open',
      'half-open->open',
      'open->half-open',
      'half-open->closed',
    ]);
  });
});
