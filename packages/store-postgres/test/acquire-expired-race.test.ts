import { expect, it } from 'vitest';
import { pgbouncerStoreOptions } from './support/pgbouncer.js';
import { openScratchPostgresStore } from './support/postgres-server.js';

const T0 = 1_900_000_000_000;

/**
 * Acquires racing for lease-less rows that are all locked must still take the expired
 * leases. Through PgBouncer (one more hop, so statements overlap longer) the acquire
 * statement without its expired_fallback step answered a false POOL_EXHAUSTED in about
 * one round in eight; the conformance suite's single round caught it only now and then.
 */
it('parallel acquires take expired leases when every lease-less row is locked (40 rounds)', async () => {
  const store = await openScratchPostgresStore(pgbouncerStoreOptions('1.18'));
  const shortRounds: number[] = [];
  try {
    for (let round = 0; round < 40; round++) {
      const kind = `race-${round}`;
      for (let i = 0; i < 6; i++) {
        await store.addCredential({
          credentialId: `cred-${round}-${i}`,
          kind,
          payload: { pieces: ['{"fake":"x"}'], byteLength: 12 },
          status: 'active',
          actorId: 'fake-admin',
          nowMs: T0,
        });
      }
      // Three leases that will have expired, three credentials never leased.
      for (let i = 0; i < 3; i++) {
        const first = await store.acquire({
          kind,
          ownerId: `first-${i}`,
          actorRole: 'ci',
          leaseToken: `fake-first-${round}-${i}`,
          leaseTtlMs: 30_000,
          nowMs: T0,
        });
        expect(first.ok).toBe(true);
      }
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.acquire({
            kind,
            ownerId: `racer-${i}`,
            actorRole: 'ci',
            leaseToken: `fake-racer-${round}-${i}`,
            leaseTtlMs: 60_000,
            nowMs: T0 + 60_000,
          }),
        ),
      );
      const granted = results.flatMap((result) => (result.ok ? [result.lease.credentialId] : []));
      expect(new Set(granted).size).toBe(granted.length);
      if (granted.length !== 6) shortRounds.push(round);
    }
  } finally {
    await store.close();
  }
  expect(shortRounds, 'rounds that granted fewer than all 6 credentials').toEqual([]);
}, 120_000);
