import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from './describe-error.ts';

export interface OpenLoopOptions {
  /** Operations per second, sent on a fixed schedule whatever the answers do. */
  ratePerS: number;
  durationMs: number;
  /** Operations in flight at most; later ones wait, and their latency still counts from their scheduled time. */
  maxInFlight: number;
  /** How long to wait for stragglers after the schedule ends. */
  drainMs: number;
  /** Sends one operation; records its latency from `scheduledAtMs` (a `performance.now()` time). */
  fire: (scheduledAtMs: number) => Promise<void>;
}

export interface OpenLoopResult {
  scheduled: number;
  completed: number;
  failed: number;
  /** Scheduled but never sent before the drain deadline (the target fell far behind). */
  notSent: number;
  /** Sent but unanswered at the drain deadline. */
  unanswered: number;
  firstError?: string;
}

/**
 * Latency measurement at a fixed rate. Operation i is due at start + i/rate; its latency
 * is taken from that due time, not from when it was actually sent, so a slow answer that
 * delays later sends shows up in their latency too (no coordinated omission).
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const total = Math.max(0, Math.floor((options.ratePerS * options.durationMs) / 1000));
  const intervalMs = 1000 / options.ratePerS;
  const startMs = performance.now();
  const deadlineMs = startMs + options.durationMs + options.drainMs;
  let issued = 0;
  let inFlight = 0;
  let completed = 0;
  let failed = 0;
  let firstError: string | undefined;

  const send = (scheduledAtMs: number): void => {
    inFlight += 1;
    options.fire(scheduledAtMs).then(
      () => {
        completed += 1;
        inFlight -= 1;
      },
      (error: unknown) => {
        failed += 1;
        inFlight -= 1;
        firstError ??= describeError(error);
      },
    );
  };

  while (issued < total && performance.now() < deadlineMs) {
    const now = performance.now();
    while (issued < total && inFlight < options.maxInFlight) {
      const scheduledAtMs = startMs + issued * intervalMs;
      if (scheduledAtMs > now) break;
      issued += 1;
      send(scheduledAtMs);
    }
    const nextDueMs = startMs + issued * intervalMs;
    await sleep(Math.max(0, Math.min(nextDueMs - performance.now(), 5)));
  }
  while (inFlight > 0 && performance.now() < deadlineMs) await sleep(2);

  return {
    scheduled: total,
    completed,
    failed,
    notSent: total - issued,
    unanswered: inFlight,
    ...(firstError === undefined ? {} : { firstError }),
  };
}
