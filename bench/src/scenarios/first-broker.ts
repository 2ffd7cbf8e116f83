import { randomBytes } from 'node:crypto';
import { POLICY } from '@qa-broker/contract';
import type { CredentialRecord, CredentialStore } from '@qa-broker/store';
import { BENCH_KIND } from '../http/broker-http.ts';
import type { StepOutcome } from '../load/closed-loop.ts';

/** It reads the whole pool per step: one client keeps the bench's memory bounded. */
export const FIRST_BROKER_CONCURRENCY = 1;
/** Page size for reading the whole pool (the store interface pages every read). */
const READ_PAGE = 1_000;
/** A bound on pages per selection, far above any pool the bench builds. */
const MAX_PAGES = 10_000;

/**
 * The first broker's selection, reproduced on the raw store: read every credential of
 * the kind (whole records, payload included, as it read whole documents), keep the
 * active free ones, sort them in the app by lastLeasedAtMs then creation, and lease.
 * The lease itself goes through the adapter's acquire (its own atomic pick) — the cost
 * being reproduced is the O(n) read and sort in front of it.
 */
export function firstBrokerCycle(store: CredentialStore): (worker: number) => Promise<StepOutcome> {
  return async (worker) => {
    const candidates = await readWholePool(store);
    const now = Date.now();
    const free = candidates.filter(
      (record) =>
        record.kind === BENCH_KIND &&
        record.status === 'active' &&
        (record.lease === undefined || record.lease.expiresAtMs <= now),
    );
    free.sort((a, b) => a.lastLeasedAtMs - b.lastLeasedAtMs || a.createdAtMs - b.createdAtMs);
    if (free[0] === undefined) return 'exhausted';

    const ownerId = `bench-first-broker-${worker}`;
    const leaseToken = randomBytes(32).toString('base64url');
    const acquired = await store.acquire({
      kind: BENCH_KIND,
      ownerId,
      actorRole: 'ci',
      leaseToken,
      leaseTtlMs: POLICY.leaseTtlMs.default,
    });
    if (!acquired.ok) return 'exhausted';
    const released = await store.release({
      kind: BENCH_KIND,
      ownerId,
      actorRole: 'ci',
      credentialId: acquired.lease.credentialId,
      leaseToken,
    });
    if (!released.ok) throw new Error(`first-broker release failed: ${released.code}`);
    return 'granted';
  };
}

async function readWholePool(store: CredentialStore): Promise<CredentialRecord[]> {
  const records: CredentialRecord[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await store.scanCredentials({
      ...(cursor === undefined ? {} : { cursor }),
      limit: READ_PAGE,
      includePayload: true,
    });
    records.push(...result.credentials);
    if (result.nextCursor === undefined) break;
    cursor = result.nextCursor;
  }
  return records;
}
