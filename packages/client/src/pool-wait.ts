import { BrokerError, isPoolExhaustedCode } from './broker-error.js';
import { abortedError, sleep } from './sleep.js';

/** Waits between attempts when the broker gives no `retryAfterMs` (upstream's schedule). */
export const POOL_WAIT_SCHEDULE_MS = [500, 1_000, 2_000, 4_000, 5_000] as const;
const JITTER = 0.25;
const MIN_WAIT_MS = 100;

/**
 * The pause before attempt `attempt + 1`: the broker's `retryAfterMs` when it gave one,
 * else the schedule with ±25% jitter; never under 100 ms.
 */
export function poolWaitDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.max(MIN_WAIT_MS, retryAfterMs);
  const base = POOL_WAIT_SCHEDULE_MS[Math.min(attempt, POOL_WAIT_SCHEDULE_MS.length - 1)]!;
  const jittered = base * (1 - JITTER + 2 * JITTER * random());
  return Math.max(MIN_WAIT_MS, Math.round(jittered));
}

/** What `onWait` is told before each pause. */
export interface PoolWaitEvent {
  /** 1 for the first refusal. */
  attempt: number;
  /** Time spent waiting so far, in ms. */
  waitedMs: number;
  /** The pause about to start, in ms. */
  nextDelayMs: number;
  /** The total wait allowed, in ms. */
  waitTimeoutMs: number;
  /** The POOL_EXHAUSTED error that caused this pause. */
  error: BrokerError;
}

export interface PoolWaitOptions {
  waitTimeoutMs: number;
  signal?: AbortSignal | undefined;
  onWait?: ((event: PoolWaitEvent) => void) | undefined;
  /** What is being waited for, for messages: `a "telegram" credential`. */
  what: string;
  now?: () => number;
}

/**
 * THE waiting loop for an exhausted pool, the only one in the client: it calls `attempt`
 * until it succeeds, retrying only POOL_EXHAUSTED (and the legacy NO_CREDENTIAL_AVAILABLE)
 * until `waitTimeoutMs` has passed, then throws the last of those errors saying how long it
 * waited. Every other error is thrown at once. A broker-side fair wait queue would replace
 * this function, and nothing else.
 */
export async function waitForGrant<T>(
  attempt: () => Promise<T>,
  options: PoolWaitOptions,
): Promise<T> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  for (let tries = 0; ; tries++) {
    if (options.signal?.aborted) throw abortedError(options.signal, `Waiting for ${options.what}`);
    let exhausted: BrokerError;
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof BrokerError) || !isPoolExhaustedCode(error.code)) throw error;
      exhausted = error;
    }
    const waitedMs = now() - startedAt;
    const remainingMs = options.waitTimeoutMs - waitedMs;
    if (remainingMs <= 0) throw gaveUp(exhausted, waitedMs, options.waitTimeoutMs);
    const nextDelayMs = Math.min(poolWaitDelayMs(tries, exhausted.retryAfterMs), remainingMs);
    options.onWait?.({
      attempt: tries + 1,
      waitedMs,
      nextDelayMs,
      waitTimeoutMs: options.waitTimeoutMs,
      error: exhausted,
    });
    await sleep(nextDelayMs, options.signal, `Waiting for ${options.what}`);
  }
}

function gaveUp(last: BrokerError, waitedMs: number, waitTimeoutMs: number): BrokerError {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return new BrokerError(
    last.code,
    `${last.message} Waited ${seconds(waitedMs)} (limit ${seconds(waitTimeoutMs)}) for one to be released.`,
    {
      httpStatus: last.httpStatus,
      retryAfterMs: last.retryAfterMs,
      transient: last.transient,
      cause: last,
    },
  );
}
