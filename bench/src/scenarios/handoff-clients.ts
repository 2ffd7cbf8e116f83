import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'undici';
import { BrokerHttp } from '../http/broker-http.ts';
import type { HeldLease } from '../http/broker-http.ts';
import { acquireMaybeWaiting } from '../http/queue-http.ts';
import type { LeaseRecord } from '../measure/handoff.ts';

/** `queue`: acquire with `wait`, re-asked at once while waiting; `v1`: plain acquire, polling. */
export type HandoffMode = 'queue' | 'v1';

export interface HandoffRun {
  mode: HandoffMode;
  /** When the first acquire was sent (generator clock). */
  startedAt: number;
  leases: LeaseRecord[];
  /** Grants whose answer carried the ticket: 0 in queue mode means the store has no queue. */
  ticketedGrants: number;
  waitingAnswers: number;
  exhaustedAnswers: number;
}

/** How long one queued request may stay open; the pool's 15 s timeouts exceed it (spec §1). */
export const HANDOFF_MAX_WAIT_MS = 10_000;

/**
 * Every client works through its own list of holds: acquire (queue: a fresh random ticket
 * per acquire, re-asked with the same ticket on each waiting answer; v1: polling after
 * `retryAfterMs`), hold for the drawn time, release. Every grant and release is read on
 * this process's clock at the moment its answer arrived. Bounded by `deadlineMs`.
 */
export async function runHandoffMode(options: {
  pool: Pool;
  ciSecret: string;
  mode: HandoffMode;
  holds: number[][];
  deadlineMs: number;
}): Promise<HandoffRun> {
  const { pool, ciSecret, mode, holds } = options;
  const broker = new BrokerHttp(pool, ciSecret);
  const leases: LeaseRecord[] = [];
  let ticketedGrants = 0;
  let waitingAnswers = 0;
  let exhaustedAnswers = 0;
  const startedAt = performance.now();
  const deadline = startedAt + options.deadlineMs;

  const acquire = async (ownerId: string): Promise<HeldLease> => {
    const wait =
      mode === 'queue' ? { ticket: randomUUID(), maxWaitMs: HANDOFF_MAX_WAIT_MS } : undefined;
    for (;;) {
      if (performance.now() > deadline)
        throw new Error(`hand-off ${mode}: still waiting after ${options.deadlineMs} ms`);
      const answer = await acquireMaybeWaiting(pool, ciSecret, ownerId, wait);
      switch (answer.type) {
        case 'granted':
          if (answer.ticketed) ticketedGrants += 1;
          return answer.lease;
        case 'waiting':
          waitingAnswers += 1;
          break;
        case 'exhausted':
          exhaustedAnswers += 1;
          await sleep(answer.retryAfterMs);
          break;
      }
    }
  };

  const client = async (index: number): Promise<void> => {
    const ownerId = `bench-handoff-${mode}-${index}`;
    for (const holdMs of holds[index] ?? []) {
      const wantedAt = performance.now();
      const lease = await acquire(ownerId);
      const grantedAt = performance.now();
      await sleep(holdMs);
      const releaseSentAt = performance.now();
      await broker.release(ownerId, lease);
      leases.push({
        client: index,
        credentialId: lease.credentialId,
        wantedAt,
        grantedAt,
        holdMs,
        releaseSentAt,
        releasedAt: performance.now(),
      });
    }
  };

  await Promise.all(holds.map((_, index) => client(index)));
  return { mode, startedAt, leases, ticketedGrants, waitingAnswers, exhaustedAnswers };
}
