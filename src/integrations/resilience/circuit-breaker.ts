/**
 * A circuit breaker: after `failureThreshold` consecutive failures it opens and refuses calls at once (so a dead
 * peer costs callers nothing and gets time to recover); after `coolDownMs` it lets one probe through (half-open):
 * success closes it, failure opens it for another cool-down. The clock is injectable so tests need not wait.
 */
import { type Clock, systemClock } from '../../core/time.ts';

export type CircuitState = 'closed' | 'open' | 'half-open';

/** What a failed call says about the peer's health. */
export type Verdict = 'failure' | 'success' | 'ignore';

export class CircuitOpenError extends Error {
  /** When the breaker will let a probe through. */
  readonly retryAt: Date;
  constructor(name: string, retryAt: Date) {
    super(`Circuit ${name} is open until ${retryAt.toISOString()}`);
    this.name = 'CircuitOpenError';
    this.retryAt = retryAt;
  }
}

export interface CircuitBreakerOptions {
  name?: string;
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before a probe is allowed. */
  coolDownMs: number;
  clock?: Clock;
  onStateChange?: (from: CircuitState, to: CircuitState) => void;
}

export class CircuitBreaker {
  readonly name: string;
  readonly #threshold: number;
  readonly #coolDownMs: number;
  readonly #clock: Clock;
  readonly #onStateChange: CircuitBreakerOptions['onStateChange'];
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probeInFlight = false;

  constructor(options: CircuitBreakerOptions) {
    if (options.failureThreshold < 1) throw new RangeError('failureThreshold must be at least 1');
    this.name = options.name ?? 'circuit';
    this.#threshold = options.failureThreshold;
    this.#coolDownMs = options.coolDownMs;
    this.#clock = options.clock ?? systemClock;
    this.#onStateChange = options.onStateChange;
  }

  /** The state as of now: an open circuit whose cool-down has passed reads as half-open. */
  get state(): CircuitState {
    if (this.#state === 'open' && this.#clock.now().getTime() - this.#openedAt >= this.#coolDownMs) {
      this.#move('half-open');
    }
    return this.#state;
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }

  /**
   * Runs `operation` through the breaker. `judge` says what an error says about the peer: a refused request (HTTP
   * 4xx) proves it is alive ('success'), a timeout or 5xx counts against it ('failure'), and a call the caller
   * cancelled says nothing ('ignore').
   */
  async execute<T>(
    operation: () => Promise<T>,
    judge: (error: unknown) => Verdict = () => 'failure',
  ): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.#probeInFlight)) {
      throw new CircuitOpenError(this.name, new Date(this.#openedAt + this.#coolDownMs));
    }
    const probing = state === 'half-open';
    if (probing) this.#probeInFlight = true;
    try {
      const value = await operation();
      this.#recordSuccess();
      return value;
    } catch (error) {
      const verdict = judge(error);
      if (verdict === 'failure') this.#recordFailure();
      else if (verdict === 'success') this.#recordSuccess();
      throw error;
    } finally {
      if (probing) this.#probeInFlight = false;
    }
  }

  #recordSuccess(): void {
    this.#failures = 0;
    if (this.#state !== 'closed') this.#move('closed');
  }

  #recordFailure(): void {
    this.#failures++;
    if (this.#state === 'half-open' || this.#failures >= this.#threshold) {
      this.#openedAt = this.#clock.now().getTime();
      if (this.#state !== 'open') this.#move('open');
    }
  }

  #move(to: CircuitState): void {
    const from = this.#state;
    this.#state = to;
    this.#onStateChange?.(from, to);
  }
}
