import { randomUUID } from 'node:crypto';
import type { CredentialStore, StoredPayload } from '@qa-broker/store';
import { BENCH_KIND } from '../http/broker-http.ts';
import { progress } from '../progress.ts';

/** An obviously fake payload of a realistic size (a small bot-token record). */
export function benchPayload(index: number): StoredPayload {
  const json = JSON.stringify({
    groupId: `-100${String(index).padStart(10, '0')}`,
    driverToken: `fake-driver-token-${index}`,
    sutToken: `fake-sut-token-${index}`,
  });
  return { pieces: [json], byteLength: Buffer.byteLength(json) };
}

export interface PopulateResult {
  count: number;
  /** `adapter`: addCredential calls, 64 in flight; `bulk`: one SQL statement per 10,000. */
  method: 'adapter' | 'bulk';
  elapsedMs: number;
  perS: number;
  /** Sum of the stored payload pieces' lengths, for Redis bytes-per-credential. */
  payloadBytes: number;
}

/**
 * Adds `count` active credentials through the adapter's own addCredential, many in
 * flight at once (the adapters pipeline them over their connections). Bounded by count.
 */
export async function populatePool(
  store: CredentialStore,
  count: number,
  inFlight: number,
): Promise<PopulateResult> {
  const startMs = performance.now();
  let next = 0;
  let payloadBytes = 0;
  let lastReportMs = startMs;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      const payload = benchPayload(index);
      payloadBytes += payload.pieces.reduce((sum, piece) => sum + Buffer.byteLength(piece), 0);
      await store.addCredential({
        credentialId: randomUUID(),
        kind: BENCH_KIND,
        payload,
        status: 'active',
        actorId: 'bench',
      });
      const now = performance.now();
      if (now - lastReportMs > 5_000) {
        lastReportMs = now;
        progress(`  populating: ${next} / ${count}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, () => worker()));
  const elapsedMs = performance.now() - startMs;
  return {
    count,
    method: 'adapter',
    elapsedMs,
    perS: (count * 1000) / Math.max(1, elapsedMs),
    payloadBytes,
  };
}

/** Above this many credentials, Postgres and PGlite pools are loaded in bulk. */
export const BULK_ABOVE = 10_000;

/** Populates through the adapter, or in bulk for large SQL pools (same rows, same events). */
export async function populate(
  handle: { store: CredentialStore; bulkAdd?: (kind: string, count: number) => Promise<void> },
  count: number,
): Promise<PopulateResult> {
  if (handle.bulkAdd === undefined || count <= BULK_ABOVE)
    return populatePool(handle.store, count, 64);
  const startMs = performance.now();
  await handle.bulkAdd(BENCH_KIND, count);
  let payloadBytes = 0;
  for (let index = 0; index < count; index += 1) payloadBytes += benchPayload(index).byteLength;
  const elapsedMs = performance.now() - startMs;
  return {
    count,
    method: 'bulk',
    elapsedMs,
    perS: (count * 1000) / Math.max(1, elapsedMs),
    payloadBytes,
  };
}
