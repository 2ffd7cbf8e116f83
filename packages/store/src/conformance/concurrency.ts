import { describe, expect, it } from 'vitest';
import {
  T0,
  TTL,
  addMany,
  allEvents,
  fakeLeaseToken,
  mustAcquire,
  mustFind,
  uniqueId,
  useFreshStore,
  type OpenStore,
} from './harness.js';

export function describeConcurrency(openStore: OpenStore): void {
  describe('concurrency', () => {
    const store = useFreshStore(openStore);

    it('50 parallel acquires on a pool of 5 give exactly 5 distinct grants and 45 POOL_EXHAUSTED', async () => {
      const kind = uniqueId('kind');
      await addMany(store(), kind, 5);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store().acquire({
            kind,
            ownerId: `owner-${i}`,
            actorRole: 'ci',
            leaseToken: fakeLeaseToken(),
            leaseTtlMs: TTL,
            nowMs: T0 + 10,
          }),
        ),
      );
      const granted = results.flatMap((result) => (result.ok ? [result.lease.credentialId] : []));
      const refused = results.filter((result) => !result.ok);
      expect(granted).toHaveLength(5);
      expect(new Set(granted).size).toBe(5);
      expect(refused).toHaveLength(45);
      expect(refused.every((result) => !result.ok && result.code === 'POOL_EXHAUSTED')).toBe(true);
      const events = await allEvents(store(), { category: 'lease' });
      expect(events.filter((event) => event.eventType === 'acquire')).toHaveLength(5);
      expect(events.filter((event) => event.eventType === 'acquire_failed')).toHaveLength(45);
    });

    it('parallel acquires that also take expired leases never double-grant', async () => {
      const kind = uniqueId('kind');
      await addMany(store(), kind, 6);
      // Three leases that will have expired, three never leased.
      for (let i = 0; i < 3; i++)
        await mustAcquire(store(), { kind, nowMs: T0, leaseTtlMs: 30_000 });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store().acquire({
            kind,
            ownerId: `owner-${i}`,
            actorRole: 'ci',
            leaseToken: fakeLeaseToken(),
            leaseTtlMs: TTL,
            nowMs: T0 + 60_000,
          }),
        ),
      );
      const granted = results.flatMap((result) => (result.ok ? [result.lease.credentialId] : []));
      expect(new Set(granted).size).toBe(granted.length);
      expect(granted).toHaveLength(6);
    });

    it('parallel acquires grant every credential when expired leases sort before free ones', async () => {
      // Several rounds: a lost grant here depends on how the racing statements interleave.
      for (let round = 0; round < 5; round++) {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 8);
        // Four leased long ago and left to expire; four leased recently and released, so
        // the expired ones come first in least-recently-leased order.
        for (let i = 0; i < 4; i++) {
          await mustAcquire(store(), { kind, nowMs: T0, leaseTtlMs: 30_000 });
        }
        for (let i = 0; i < 4; i++) {
          const lease = await mustAcquire(store(), { kind, nowMs: T0 + 100_000 + i });
          await store().release({
            kind,
            ownerId: lease.ownerId,
            actorRole: 'ci',
            credentialId: lease.credentialId,
            leaseToken: lease.leaseToken,
            nowMs: T0 + 100_010,
          });
        }
        const results = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            store().acquire({
              kind,
              ownerId: `owner-${i}`,
              actorRole: 'ci',
              leaseToken: fakeLeaseToken(),
              leaseTtlMs: TTL,
              nowMs: T0 + 200_000,
            }),
          ),
        );
        const granted = results.flatMap((result) => (result.ok ? [result.lease.credentialId] : []));
        expect(granted, `round ${round}`).toHaveLength(8);
        expect(new Set(granted).size, `round ${round}`).toBe(8);
      }
    });

    it('parallel releases of one lease: exactly one clears it and one release event is written', async () => {
      const kind = uniqueId('kind');
      await addMany(store(), kind, 1);
      const lease = await mustAcquire(store(), { kind, nowMs: T0 });
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          store().release({
            kind,
            ownerId: lease.ownerId,
            actorRole: 'ci',
            credentialId: lease.credentialId,
            leaseToken: lease.leaseToken,
            nowMs: T0 + 1,
          }),
        ),
      );
      expect(results.filter((result) => result.ok && result.released)).toHaveLength(1);
      expect(results.filter((result) => result.ok && !result.released)).toHaveLength(9);
      expect(
        (await allEvents(store(), { category: 'lease' })).filter(
          (event) => event.eventType === 'release',
        ),
      ).toHaveLength(1);
    });

    it('heartbeats racing a release end consistently: no lease left, each heartbeat ok or LEASE_NOT_FOUND', async () => {
      const kind = uniqueId('kind');
      await addMany(store(), kind, 1);
      const lease = await mustAcquire(store(), { kind, nowMs: T0 });
      const key = {
        kind,
        ownerId: lease.ownerId,
        credentialId: lease.credentialId,
        leaseToken: lease.leaseToken,
      };
      const beats = Array.from({ length: 10 }, (_, i) =>
        store().heartbeat({ ...key, leaseTtlMs: TTL, nowMs: T0 + 1 + i }),
      );
      const release = store().release({ ...key, actorRole: 'ci', nowMs: T0 + 5 });
      const [released, ...beatResults] = await Promise.all([release, ...beats]);
      expect(released).toEqual({ ok: true, released: true });
      for (const result of beatResults) {
        expect(result.ok || result.code === 'LEASE_NOT_FOUND').toBe(true);
      }
      expect((await mustFind(store(), lease.credentialId, kind)).lease).toBeUndefined();
    });

    it('acquires racing releases and disables never leave a credential leased twice or disabled while leased', async () => {
      const kind = uniqueId('kind');
      const added = await addMany(store(), kind, 3);
      const leases = await Promise.all(
        [0, 1, 2].map(() => mustAcquire(store(), { kind, nowMs: T0 })),
      );
      const operations: Promise<unknown>[] = [];
      for (const lease of leases) {
        operations.push(
          store().release({
            kind,
            ownerId: lease.ownerId,
            actorRole: 'ci',
            credentialId: lease.credentialId,
            leaseToken: lease.leaseToken,
            nowMs: T0 + 1,
          }),
        );
      }
      for (const record of added)
        operations.push(
          store().disableCredential({
            credentialId: record.credentialId,
            actorId: 'admin',
            nowMs: T0 + 2,
          }),
        );
      const acquires = Array.from({ length: 6 }, (_, i) =>
        store().acquire({
          kind,
          ownerId: `racer-${i}`,
          actorRole: 'ci',
          leaseToken: fakeLeaseToken(),
          leaseTtlMs: TTL,
          nowMs: T0 + 3,
        }),
      );
      const [, grants] = await Promise.all([Promise.all(operations), Promise.all(acquires)]);
      const granted = grants.flatMap((result) => (result.ok ? [result.lease.credentialId] : []));
      expect(new Set(granted).size).toBe(granted.length);
      const records = await store().listCredentials({
        kind,
        status: 'all',
        includePayload: false,
        limit: 10,
      });
      for (const record of records) {
        if (record.status === 'disabled') expect(record.lease).toBeUndefined();
        if (record.lease) expect(granted).toContain(record.credentialId);
      }
    });
  });
}
