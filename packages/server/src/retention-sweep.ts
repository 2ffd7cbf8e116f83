import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { POLICY } from '@qa-broker/contract';
import type { CredentialStore } from '@qa-broker/store';
import type { Logger } from 'pino';
import { describeError } from './describe-error.js';

export interface RetentionSweepOptions {
  /** Time between sweeps; the spec's is hourly. */
  intervalMs: number;
  /** Events deleted by one store call. */
  batchSize: number;
  logger: Logger;
  /**
   * Delay before the first sweep; default the interval, capped at one minute, so a broker
   * that restarts more often than hourly still sweeps.
   */
  initialDelayMs?: number;
  /** Store calls per sweep at most, so one sweep can never run unbounded. */
  maxBatchesPerSweep?: number;
  leaseEventMaxAgeMs?: number;
  adminEventMaxAgeMs?: number;
}

export interface SweepResult {
  deleted: number;
  batches: number;
  /** True when the sweep stopped at its batch cap with events still waiting. */
  more: boolean;
}

const DEFAULT_MAX_BATCHES = 1_000;

/**
 * Deletes expired events in bounded batches, yielding to the event loop between them so
 * requests keep flowing while a large backlog drains.
 */
export async function sweepEventsOnce(
  store: CredentialStore,
  options: Omit<RetentionSweepOptions, 'intervalMs' | 'logger'>,
): Promise<SweepResult> {
  const maxBatches = options.maxBatchesPerSweep ?? DEFAULT_MAX_BATCHES;
  let deleted = 0;
  let batches = 0;
  let more = true;
  while (more && batches < maxBatches) {
    const result = await store.pruneEvents({
      leaseEventMaxAgeMs: options.leaseEventMaxAgeMs ?? POLICY.leaseEventRetentionMs,
      adminEventMaxAgeMs: options.adminEventMaxAgeMs ?? POLICY.adminEventRetentionMs,
      batchSize: options.batchSize,
    });
    deleted += result.deleted;
    batches += 1;
    more = result.more;
    if (more) await yieldToEventLoop();
  }
  return { deleted, batches, more };
}

/**
 * Runs `sweepEventsOnce` after `initialDelayMs`, then every `intervalMs`. The timers are
 * unref'd, so they never keep the process alive. The returned function stops the schedule
 * and waits for a sweep in progress, so the store can be closed right after.
 */
export function startRetentionSweep(
  store: CredentialStore,
  options: RetentionSweepOptions,
): () => Promise<void> {
  const { logger } = options;
  let running: Promise<void> | undefined;
  const sweep = () => {
    if (running) return; // the previous sweep is still draining a backlog
    running = sweepEventsOnce(store, options)
      .then((result) => {
        if (result.deleted > 0 || result.more) logger.info(result, 'event retention sweep');
      })
      .catch((error: unknown) => {
        logger.warn(
          { err: describeError(error) },
          'event retention sweep failed; retrying next interval',
        );
      })
      .finally(() => {
        running = undefined;
      });
  };
  let interval: NodeJS.Timeout | undefined;
  const first = setTimeout(
    () => {
      sweep();
      interval = setInterval(sweep, options.intervalMs);
      interval.unref();
    },
    options.initialDelayMs ?? Math.min(options.intervalMs, 60_000),
  );
  first.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(interval);
    await running;
  };
}
