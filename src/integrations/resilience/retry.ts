/**
 * Retry with exponential backoff and full jitter (AWS "Exponential Backoff and Jitter"): the n-th wait is a random
 * time between 0 and min(maxDelay, base × 2^(n-1)), so many clients retrying after the same outage spread out
 * instead of arriving together. Sleeping and randomness are injectable so tests run instantly and deterministically.
 */

/** Waits `ms` milliseconds; rejects with the signal's reason when `signal` aborts first. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export interface RetryPolicy {
  /** Attempts in all, the first one included (1 = no retry). */
  maxAttempts: number;
  /** Cap of the first wait; each further wait doubles the cap. */
  baseDelayMs: number;
  /** No wait is longer than this. */
  maxDelayMs: number;
}

export interface RetryInfo {
  /** The attempt that just failed (1-based). */
  attempt: number;
  error: unknown;
  delayMs: number;
}

export interface RetryOptions extends RetryPolicy {
  /** Whether `error` is worth another attempt (network errors and 5xx are; a refused request is not). */
  shouldRetry: (error: unknown) => boolean;
  /** A wait the peer asked for (HTTP Retry-After), in ms; the retry waits at least this long (up to maxDelayMs). */
  delayHint?: (error: unknown) => number | undefined;
  sleep?: Sleep;
  /** Uniform in [0, 1). */
  random?: () => number;
  /** Stops retrying (and waiting) when aborted. */
  signal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
}

/** The full-jitter wait after failed attempt number `attempt` (1-based). */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * cap);
}

/** Runs `operation` until it succeeds, fails with an error not worth retrying, or attempts run out. */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const last = attempt >= options.maxAttempts;
      if (last || options.signal?.aborted || !options.shouldRetry(error)) throw error;
      const hint = options.delayHint?.(error);
      const jittered = backoffDelay(attempt, options, random);
      const delayMs = hint === undefined ? jittered : Math.min(options.maxDelayMs, Math.max(hint, jittered));
      options.onRetry?.({ attempt, error, delayMs });
      await sleep(delayMs, options.signal);
    }
  }
}
