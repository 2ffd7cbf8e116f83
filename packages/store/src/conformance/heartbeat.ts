import { describe, expect, it } from 'vitest';
import type { CredentialStore } from '../store.js';
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

async function leasedCredential(store: CredentialStore, nowMs = T0) {
  const kind = uniqueId('kind');
  await store.addCredential(addInput({ kind }));
  const lease = await mustAcquire(store, { kind, nowMs, leaseTtlMs: TTL });
  return { kind, ...lease };
}

export function describeHeartbeat(openStore: OpenStore): void {
  describe('heartbeat', () => {
    const store = useFreshStore(openStore);

    it('extends the lease from now, sets heartbeatAt and updatedAt, and writes no event', async () => {
      const lease = await leasedCredential(store());
      const eventsBefore = await allEvents(store());
      const now = T0 + 10_000;
      const result = await store().heartbeat({
        kind: lease.kind,
        ownerId: lease.ownerId,
        credentialId: lease.credentialId,
        leaseToken: lease.leaseToken,
        leaseTtlMs: 90_000,
        nowMs: now,
      });
      expect(result).toEqual({ ok: true, expiresAtMs: now + 90_000 });
      const record = await mustFind(store(), lease.credentialId, lease.kind);
      expect(record.lease).toEqual({
        ownerId: lease.ownerId,
        actorRole: 'ci',
        acquiredAtMs: T0,
        heartbeatAtMs: now,
        expiresAtMs: now + 90_000,
      });
      expect(record.updatedAtMs).toBe(now);
      expect(record.lastLeasedAtMs).toBe(T0);
      expect(await allEvents(store())).toEqual(eventsBefore);
    });

    it('uses the ttl of the heartbeat, which may shorten the lease', async () => {
      const lease = await leasedCredential(store());
      const result = await store().heartbeat({
        kind: lease.kind,
        ownerId: lease.ownerId,
        credentialId: lease.credentialId,
        leaseToken: lease.leaseToken,
        leaseTtlMs: 30_000,
        nowMs: T0 + 1,
      });
      expect(result).toEqual({ ok: true, expiresAtMs: T0 + 1 + 30_000 });
    });

    it('still succeeds at exactly expiresAtMs == now, and fails with LEASE_EXPIRED one ms later', async () => {
      const lease = await leasedCredential(store());
      const key = {
        kind: lease.kind,
        ownerId: lease.ownerId,
        credentialId: lease.credentialId,
        leaseToken: lease.leaseToken,
        leaseTtlMs: TTL,
      };
      expect(await store().heartbeat({ ...key, nowMs: T0 + TTL })).toEqual({
        ok: true,
        expiresAtMs: T0 + 2 * TTL,
      });
      expect(await store().heartbeat({ ...key, nowMs: T0 + 2 * TTL + 1 })).toEqual({
        ok: false,
        code: 'LEASE_EXPIRED',
      });
      const record = await mustFind(store(), lease.credentialId, lease.kind);
      expect(record.lease?.expiresAtMs).toBe(T0 + 2 * TTL);
    });

    it('checks in order: not found, kind, disabled, no lease, owner/token, expiry', async () => {
      const lease = await leasedCredential(store());
      const base = {
        kind: lease.kind,
        ownerId: lease.ownerId,
        credentialId: lease.credentialId,
        leaseToken: lease.leaseToken,
        leaseTtlMs: TTL,
      };
      const late = T0 + TTL + 1;
      expect(
        await store().heartbeat({
          ...base,
          credentialId: uniqueId('missing'),
          kind: 'other-kind',
          nowMs: late,
        }),
      ).toEqual({ ok: false, code: 'CREDENTIAL_NOT_FOUND' });
      expect(
        await store().heartbeat({
          ...base,
          kind: uniqueId('other-kind'),
          ownerId: 'intruder',
          nowMs: late,
        }),
      ).toEqual({ ok: false, code: 'KIND_MISMATCH' });
      expect(await store().heartbeat({ ...base, ownerId: 'intruder', nowMs: late })).toEqual({
        ok: false,
        code: 'LEASE_NOT_OWNER',
      });
      expect(
        await store().heartbeat({ ...base, leaseToken: 'fake-wrong-token', nowMs: T0 + 1 }),
      ).toEqual({ ok: false, code: 'LEASE_NOT_OWNER' });
      expect(await store().heartbeat({ ...base, nowMs: late })).toEqual({
        ok: false,
        code: 'LEASE_EXPIRED',
      });
      // Disable it (the lease is expired, so disabling clears it), then: disabled beats no-lease.
      const disabled = await store().disableCredential({
        credentialId: lease.credentialId,
        actorId: 'admin',
        nowMs: late,
      });
      expect(disabled).toMatchObject({ ok: true, changed: true });
      expect(await store().heartbeat({ ...base, ownerId: 'intruder', nowMs: late })).toEqual({
        ok: false,
        code: 'CREDENTIAL_DISABLED',
      });
      expect(
        await store().heartbeat({ ...base, kind: uniqueId('other-kind'), nowMs: late }),
      ).toEqual({ ok: false, code: 'KIND_MISMATCH' });
    });

    it('answers LEASE_NOT_FOUND on an active credential without a lease', async () => {
      const kind = uniqueId('kind');
      const added = await store().addCredential(addInput({ kind }));
      const result = await store().heartbeat({
        kind,
        ownerId: 'o',
        credentialId: added.credentialId,
        leaseToken: 'fake-token',
        leaseTtlMs: TTL,
        nowMs: T0,
      });
      expect(result).toEqual({ ok: false, code: 'LEASE_NOT_FOUND' });
    });

    it('treats an id of any shape as simply not found', async () => {
      for (const credentialId of [
        '',
        ' ',
        'not-a-uuid',
        "x'; drop table credentials; --",
        '{weird}:*?[]',
        'é✓'.repeat(40),
      ]) {
        const result = await store().heartbeat({
          kind: 'k',
          ownerId: 'o',
          credentialId,
          leaseToken: 'fake-token',
          leaseTtlMs: TTL,
          nowMs: T0,
        });
        expect(result).toEqual({ ok: false, code: 'CREDENTIAL_NOT_FOUND' });
      }
    });

    it('does not change anything on failure', async () => {
      const lease = await leasedCredential(store());
      const before = await mustFind(store(), lease.credentialId, lease.kind);
      await store().heartbeat({
        kind: lease.kind,
        ownerId: 'intruder',
        credentialId: lease.credentialId,
        leaseToken: lease.leaseToken,
        leaseTtlMs: TTL,
        nowMs: T0 + 5,
      });
      expect(await mustFind(store(), lease.credentialId, lease.kind)).toEqual(before);
    });
  });
}
