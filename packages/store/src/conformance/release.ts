import { describe, expect, it } from 'vitest';
import {
  T0,
  TTL,
  addInput,
  allEvents,
  mustAcquire,
  mustFind,
  uniqueId,
  useFreshStore,
  type OpenStore,
} from './harness.js';

export function describeRelease(openStore: OpenStore): void {
  describe('release', () => {
    const store = useFreshStore(openStore);

    async function leased(nowMs = T0) {
      const kind = uniqueId('kind');
      await store().addCredential(addInput({ kind }));
      const lease = await mustAcquire(store(), { kind, nowMs, ownerId: 'holder' });
      return {
        kind,
        ...lease,
        key: {
          kind,
          ownerId: 'holder',
          actorRole: 'ci' as const,
          credentialId: lease.credentialId,
          leaseToken: lease.leaseToken,
        },
      };
    }

    it('clears the lease, sets updatedAt, keeps lastLeasedAt and writes a release event', async () => {
      const lease = await leased();
      expect(
        await store().release({ ...lease.key, actorRole: 'maintainer', nowMs: T0 + 50 }),
      ).toEqual({ ok: true, released: true });
      const record = await mustFind(store(), lease.credentialId, lease.kind);
      expect(record.lease).toBeUndefined();
      expect(record.updatedAtMs).toBe(T0 + 50);
      expect(record.lastLeasedAtMs).toBe(T0);
      const events = await allEvents(store(), { category: 'lease' });
      expect(events.map((event) => event.eventType)).toEqual(['acquire', 'release']);
      // The event carries the caller's role: release ignores the stored lease's role.
      expect(events[1]).toMatchObject({
        eventType: 'release',
        kind: lease.kind,
        ownerId: 'holder',
        actorRole: 'maintainer',
        credentialId: lease.credentialId,
        occurredAtMs: T0 + 50,
      });
      // The credential is free again.
      expect((await mustAcquire(store(), { kind: lease.kind, nowMs: T0 + 60 })).credentialId).toBe(
        lease.credentialId,
      );
    });

    it('is idempotent: with no lease stored it answers released:false and writes no event', async () => {
      const lease = await leased();
      await store().release({ ...lease.key, nowMs: T0 + 1 });
      const eventsBefore = await allEvents(store());
      const before = await mustFind(store(), lease.credentialId, lease.kind);
      expect(await store().release({ ...lease.key, nowMs: T0 + 2 })).toEqual({
        ok: true,
        released: false,
      });
      expect(
        await store().release({
          ...lease.key,
          ownerId: 'someone-else',
          leaseToken: 'fake-other',
          nowMs: T0 + 3,
        }),
      ).toEqual({ ok: true, released: false });
      expect(await allEvents(store())).toEqual(eventsBefore);
      expect(await mustFind(store(), lease.credentialId, lease.kind)).toEqual(before);
    });

    it('checks in order: not found, kind, then owner/token', async () => {
      const lease = await leased();
      expect(
        await store().release({
          ...lease.key,
          credentialId: uniqueId('missing'),
          kind: 'x',
          nowMs: T0,
        }),
      ).toEqual({ ok: false, code: 'CREDENTIAL_NOT_FOUND' });
      expect(
        await store().release({
          ...lease.key,
          kind: uniqueId('other'),
          ownerId: 'intruder',
          nowMs: T0,
        }),
      ).toEqual({ ok: false, code: 'KIND_MISMATCH' });
      expect(await store().release({ ...lease.key, ownerId: 'intruder', nowMs: T0 })).toEqual({
        ok: false,
        code: 'LEASE_NOT_OWNER',
      });
      expect(await store().release({ ...lease.key, leaseToken: 'fake-wrong', nowMs: T0 })).toEqual({
        ok: false,
        code: 'LEASE_NOT_OWNER',
      });
      const record = await mustFind(store(), lease.credentialId, lease.kind);
      expect(record.lease?.ownerId).toBe('holder');
    });

    it('answers KIND_MISMATCH even when no lease is stored', async () => {
      const kind = uniqueId('kind');
      const added = await store().addCredential(addInput({ kind }));
      expect(
        await store().release({
          kind: uniqueId('other'),
          ownerId: 'o',
          actorRole: 'ci',
          credentialId: added.credentialId,
          leaseToken: 'fake',
          nowMs: T0,
        }),
      ).toEqual({ ok: false, code: 'KIND_MISMATCH' });
    });

    it('answers LEASE_NOT_OWNER for a stranger even after the lease expired', async () => {
      const lease = await leased();
      expect(
        await store().release({ ...lease.key, ownerId: 'intruder', nowMs: T0 + TTL * 10 }),
      ).toEqual({ ok: false, code: 'LEASE_NOT_OWNER' });
    });

    it('lets the holder release after expiry', async () => {
      const lease = await leased();
      expect(await store().release({ ...lease.key, nowMs: T0 + TTL * 10 })).toEqual({
        ok: true,
        released: true,
      });
      expect((await mustFind(store(), lease.credentialId, lease.kind)).lease).toBeUndefined();
    });

    it('works on a disabled credential (no CREDENTIAL_DISABLED)', async () => {
      const lease = await leased();
      const disabled = await store().disableCredential({
        credentialId: lease.credentialId,
        actorId: 'admin',
        nowMs: T0 + TTL,
      });
      expect(disabled).toMatchObject({ ok: true, changed: true });
      expect(await store().release({ ...lease.key, nowMs: T0 + TTL + 1 })).toEqual({
        ok: true,
        released: false,
      });
      expect(
        await store().release({ ...lease.key, kind: uniqueId('other'), nowMs: T0 + TTL + 1 }),
      ).toEqual({ ok: false, code: 'KIND_MISMATCH' });
    });

    it('does not clear a newer lease with the token of an older one', async () => {
      const lease = await leased();
      const next = await mustAcquire(store(), {
        kind: lease.kind,
        ownerId: 'holder',
        nowMs: T0 + TTL,
      });
      expect(next.credentialId).toBe(lease.credentialId);
      expect(await store().release({ ...lease.key, nowMs: T0 + TTL + 1 })).toEqual({
        ok: false,
        code: 'LEASE_NOT_OWNER',
      });
      expect(
        await store().release({ ...lease.key, leaseToken: next.leaseToken, nowMs: T0 + TTL + 2 }),
      ).toEqual({ ok: true, released: true });
    });
  });
}
