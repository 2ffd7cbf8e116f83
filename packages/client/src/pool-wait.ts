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

/** What `onWait` is told before each pause (or, in the queue, before each re-ask). */
export interface PoolWaitEvent {
  /** 1 for the first refusal. */
  attempt: number;
  /** Time spent waiting so far, in ms. */
  waitedMs: number;
  /** The pause about to start, in ms (0: the broker holds our place, re-asking at once). */
  nextDelayMs: number;
  /** The total wait allowed, in ms. */
  waitTimeoutMs: number;
  /** True while the broker's wait queue holds this acquire's ticket. */
  queued: boolean;
  /** Our place in the kind's queue (1 = next), when the broker said it. */
  position?: number;
  /** Waiters in the kind's queue, when the broker said it. */
  queueLength?: number;
  /**
   * What caused this pause: the POOL_EXHAUSTED answer, or (only while queued) a transient
   * failure such as STORE_UNAVAILABLE, QUEUE_FULL or a network error.
   */
  error: BrokerError;
}

/** What each attempt is told. */
export interface AttemptContext {
  /** Wait time left, in ms (> 0). */
  remainingMs: number;
  /** True once the broker answered that its queue holds our ticket: the broker speaks the queue. */
  queued: boolean;
}

export interface PoolWaitOptions {
  waitTimeoutMs: number;
  signal?: AbortSignal | undefined;
  onWait?: ((event: PoolWaitEvent) => void) | undefined;
  /** What is being waited for, for messages: `a "telegram" credential`. */
  what: string;
  /**
   * The pause before re-asking after a waiting answer: 0 (at once) when the broker can hold
   * a request open, more when it cannot (an HTTP timeout too short to park a request).
   */
  waitingPauseMs?: number;
  now?: () => number;
}

/**
 * THE waiting loop of the client, the only one: it calls `attempt` until it succeeds.
 *
 * - POOL_EXHAUSTED (and the legacy NO_CREDENTIAL_AVAILABLE) with `waiting` means the broker
 *   holds our ticket in its queue: re-ask at once (the request itself is where we wait).
 * - Without `waiting` (an old broker, or no ticket sent): pause for `retryAfterMs` or the
 *   schedule, as before the queue existed.
 * - A transient failure (5xx such as STORE_UNAVAILABLE, network error, timeout) is retried
 *   only once the broker has shown it queues us — a re-ask within 5 s keeps our place — and
 *   QUEUE_FULL always (only a queue broker sends it); otherwise it is thrown at once.
 *
 * When `waitTimeoutMs` has passed it throws the last refusal, saying how long it waited.
 * Every other error is thrown at once.
 */
export async function waitForGrant<T>(
  attempt: (context: AttemptContext) => Promise<T>,
  options: PoolWaitOptions,
): Promise<T> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  let queued = false;
  let lastRefusal: BrokerError | undefined;
  for (let tries = 0, pauses = 0; ; tries++) {
    if (options.signal?.aborted) throw abortedError(options.signal, `Waiting for ${options.what}`);
    const remainingBefore = options.waitTimeoutMs - (now() - startedAt);
    let refusal: BrokerError;
    try {
      return await attempt({ remainingMs: Math.max(1, remainingBefore), queued });
    } catch (error) {
      if (!(error instanceof BrokerError)) throw error;
      if (isPoolExhaustedCode(error.code)) {
        refusal = error;
        lastRefusal = error;
        if (error.queue?.waiting) queued = true;
      } else if ((queued && error.transient) || error.code === 'QUEUE_FULL') {
        refusal = error;
      } else {
        throw error;
      }
    }
    const waitedMs = now() - startedAt;
    const remainingMs = options.waitTimeoutMs - waitedMs;
    if (remainingMs <= 0) {
      throw gaveUp(lastRefusal ?? refusal, waitedMs, options.waitTimeoutMs);
    }
    const stillQueued = refusal.queue?.waiting === true;
    // Back-off counts refusals since the queue last held us: a waiting answer starts afresh.
    if (stillQueued) pauses = 0;
    const pauseMs = stillQueued
      ? (options.waitingPauseMs ?? 0)
      : poolWaitDelayMs(pauses++, refusal.retryAfterMs);
    const nextDelayMs = Math.min(pauseMs, remainingMs);
    const { position, queueLength } = refusal.queue ?? {};
    options.onWait?.({
      attempt: tries + 1,
      waitedMs,
      nextDelayMs,
      waitTimeoutMs: options.waitTimeoutMs,
      queued,
      ...(position === undefined ? {} : { position }),
      ...(queueLength === undefined ? {} : { queueLength }),
      error: refusal,
    });
    if (nextDelayMs > 0) await sleep(nextDelayMs, options.signal, `Waiting for ${options.what}`);
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
      queue: last.queue,
      cause: last,
    },
  );
}
