import { POLICY } from '@qa-broker/contract';
import type { CredentialStore } from '@qa-broker/store';
import { openPgliteStore } from '@qa-broker/store-postgres';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRetentionSweep, sweepEventsOnce } from '../src/index.js';

let store: CredentialStore;
beforeAll(async () => {
  store = await openPgliteStore({});
});
afterAll(async () => {
  await store?.close();
});

const DAY = 24 * 60 * 60 * 1000;

/** `count` acquire_failed events (one per exhausted acquire) at `atMs`. */
async function failedAcquires(kind: string, count: number, atMs: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const result = await store.acquire({
      kind,
      ownerId: 'o',
      actorRole: 'ci',
      leaseToken: `fake-${i}`,
      leaseTtlMs: 30_000,
      nowMs: atMs,
    });
    expect(result.ok).toBe(false);
  }
}

async function eventCount(kind: string): Promise<number> {
  const page = await store.listEvents({ category: 'lease', kind, limit: 1_000 });
  return page.events.length;
}

describe('event retention sweep', () => {
  it('deletes only expired events, in bounded batches, until none are left', async () => {
    const now = await store.now();
    await failedAcquires('sweep-old', 7, now - POLICY.leaseEventRetentionMs - DAY);
    await failedAcquires('sweep-new', 2, now - DAY);
    const result = await sweepEventsOnce(store, { batchSize: 3 });
    expect(result).toEqual({ deleted: 7, batches: 3, more: false });
    expect(await eventCount('sweep-old')).toBe(0);
    expect(await eventCount('sweep-new')).toBe(2);
  });

  it('stops at its batch cap and says more is waiting', async () => {
    const now = await store.now();
    await failedAcquires('sweep-capped', 5, now - POLICY.leaseEventRetentionMs - DAY);
    const result = await sweepEventsOnce(store, { batchSize: 2, maxBatchesPerSweep: 1 });
    expect(result).toEqual({ deleted: 2, batches: 1, more: true });
    expect(await eventCount('sweep-capped')).toBe(3);
    await sweepEventsOnce(store, { batchSize: 100 });
    expect(await eventCount('sweep-capped')).toBe(0);
  });

  it('runs soon after start, not only after a whole interval, and stops cleanly', async () => {
    const now = await store.now();
    await failedAcquires('sweep-timer', 2, now - POLICY.leaseEventRetentionMs - DAY);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const stop = startRetentionSweep(store, {
      intervalMs: 60 * 60 * 1000,
      initialDelayMs: 10,
      batchSize: 10,
      logger,
    });
    await expect.poll(() => eventCount('sweep-timer'), { timeout: 10_000, interval: 25 }).toBe(0);
    await stop();
    expect(lines.some((line) => line.includes('event retention sweep'))).toBe(true);
  });
});
