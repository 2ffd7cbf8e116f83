import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresStore } from '../src/index.js';
import { openScratchPostgresStore } from './support/postgres-server.js';

const NOW = 1_800_000_000_000;
const TTL = 60_000;

/**
 * Races on a real pg Pool with enough connections for the statements to truly overlap:
 * every acquire must either get a distinct credential or find the pool really exhausted.
 * The rounds mix never-leased credentials with expired leases that sort before them, the
 * case where a lock taken on a candidate that is then not used would make a concurrent
 * acquire skip it and report a false POOL_EXHAUSTED.
 */
describe('acquire races on a real PostgreSQL pool', () => {
  let store: PostgresStore;

  beforeAll(async () => {
    store = await openScratchPostgresStore({ poolSize: 20 });
  });
  afterAll(async () => {
    await store?.close();
  });

  async function race(kind: string, acquirers: number, nowMs: number) {
    const results = await Promise.all(
      Array.from({ length: acquirers }, (_, i) =>
        store.acquire({
          kind,
          ownerId: `racer-${i}`,
          actorRole: 'ci',
          leaseToken: `fake-${kind}-${nowMs}-${i}`,
          leaseTtlMs: TTL,
          nowMs,
        }),
      ),
    );
    return results.flatMap((result) => (result.ok ? [result.lease.credentialId] : []));
  }

  async function addPool(kind: string, size: number) {
    for (let i = 0; i < size; i++) {
      await store.addCredential({
        credentialId: `${kind}-c${String(i).padStart(3, '0')}`,
        kind,
        payload: { pieces: ['{"fake":"x"}'], byteLength: 12 },
        status: 'active',
        actorId: 'admin',
        nowMs: NOW,
      });
    }
  }

  it('50 acquires on a pool of 5 grant exactly the 5, ten rounds in a row', async () => {
    for (let round = 0; round < 10; round++) {
      const kind = `five-${round}`;
      await addPool(kind, 5);
      const granted = await race(kind, 50, NOW);
      expect(new Set(granted).size).toBe(5);
      expect(granted).toHaveLength(5);
    }
  });

  it('grants every credential when expired leases sort before free ones, ten rounds in a row', async () => {
    for (let round = 0; round < 10; round++) {
      const kind = `mixed-${round}`;
      await addPool(kind, 8);
      // 4 leases taken long ago and left to expire; the 4 others leased recently and
      // released, so the expired ones sort first by last_leased_at.
      const leased = await race(kind, 4, NOW - 10 * TTL);
      expect(leased).toHaveLength(4);
      const recent = await race(kind, 4, NOW - TTL / 2);
      expect(recent).toHaveLength(4);
      for (const [i, credentialId] of recent.entries()) {
        const released = await store.release({
          kind,
          ownerId: `racer-${i}`,
          actorRole: 'ci',
          credentialId,
          leaseToken: `fake-${kind}-${NOW - TTL / 2}-${i}`,
          nowMs: NOW - 1,
        });
        expect(released).toEqual({ ok: true, released: true });
      }
      // Now: 4 expired leases (last leased long ago) sort before 4 free (leased recently).
      const granted = await race(kind, 12, NOW);
      expect(new Set(granted).size).toBe(8);
      expect(granted).toHaveLength(8);
    }
  });

  it('grants every expired lease when nothing else is free', async () => {
    const kind = 'only-expired';
    await addPool(kind, 6);
    expect(await race(kind, 6, NOW - 10 * TTL)).toHaveLength(6);
    const granted = await race(kind, 20, NOW);
    expect(new Set(granted).size).toBe(6);
    expect(granted).toHaveLength(6);
  });

  it('two brokers (two pools on one schema) never grant the same credential', async () => {
    const other = await openScratchPostgresStore({
      schema: store.schema,
      poolSize: 10,
      migrate: true,
    });
    const otherClose = other.close.bind(other);
    try {
      const kind = 'two-brokers';
      await addPool(kind, 10);
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 === 0 ? store : other).acquire({
            kind,
            ownerId: `b-${i}`,
            actorRole: 'ci',
            leaseToken: `fake-two-${i}`,
            leaseTtlMs: TTL,
            nowMs: NOW,
          }),
        ),
      );
      const granted = results.flatMap((result) => (result.ok ? [result.lease.credentialId] : []));
      expect(new Set(granted).size).toBe(10);
      expect(granted).toHaveLength(10);
    } finally {
      // Close only the second pool; the shared schema is dropped by the first store's close.
      other.close = otherClose;
      await other.close();
    }
  });
});
