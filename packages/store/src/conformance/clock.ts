import { describe, expect, it } from 'vitest';
import {
  addInput,
  allEvents,
  fakeLeaseToken,
  mustFind,
  uniqueId,
  useFreshStore,
  type OpenStore,
} from './harness.js';

export function describeClock(openStore: OpenStore): void {
  describe('clock', () => {
    const store = useFreshStore(openStore);

    it('now() is integer milliseconds close to wall time and never goes backwards between calls', async () => {
      const first = await store().now();
      const second = await store().now();
      expect(Number.isSafeInteger(first)).toBe(true);
      expect(Math.abs(first - Date.now())).toBeLessThan(5 * 60 * 1000);
      expect(second).toBeGreaterThanOrEqual(first);
    });

    it('operations without nowMs use the store clock', async () => {
      const kind = uniqueId('kind');
      const before = await store().now();
      const { nowMs: _omitted, ...withoutNow } = addInput({ kind });
      const added = await store().addCredential(withoutNow);
      const leaseToken = fakeLeaseToken();
      const grant = await store().acquire({
        kind,
        ownerId: 'o',
        actorRole: 'ci',
        leaseToken,
        leaseTtlMs: 60_000,
      });
      if (!grant.ok) throw new Error(grant.code);
      const beat = await store().heartbeat({
        kind,
        ownerId: 'o',
        credentialId: added.credentialId,
        leaseToken,
        leaseTtlMs: 90_000,
      });
      if (!beat.ok) throw new Error(beat.code);
      const chunkless = await store().readPayloadChunk({
        kind,
        ownerId: 'o',
        actorRole: 'ci',
        credentialId: added.credentialId,
        leaseToken,
        index: 0,
      });
      expect(chunkless).toEqual({ ok: false, code: 'PAYLOAD_NOT_CHUNKED' });
      const released = await store().release({
        kind,
        ownerId: 'o',
        actorRole: 'ci',
        credentialId: added.credentialId,
        leaseToken,
      });
      expect(released).toEqual({ ok: true, released: true });
      const disabled = await store().disableCredential({
        credentialId: added.credentialId,
        actorId: 'admin',
      });
      expect(disabled).toMatchObject({ ok: true, changed: true });
      const after = await store().now();

      const within = (value: number | undefined) => {
        expect(value).toBeGreaterThanOrEqual(before);
        expect(value).toBeLessThanOrEqual(after);
      };
      within(added.createdAtMs);
      within(grant.lease.acquiredAtMs);
      expect(grant.lease.expiresAtMs).toBe(grant.lease.acquiredAtMs + 60_000);
      within(beat.expiresAtMs - 90_000);
      const record = await mustFind(store(), added.credentialId, kind);
      within(record.updatedAtMs);
      within(record.lastLeasedAtMs);
      for (const event of await allEvents(store())) within(event.occurredAtMs);
      // Pruning without nowMs uses the store clock too: nothing here is a day old.
      expect(
        await store().pruneEvents({
          leaseEventMaxAgeMs: 86_400_000,
          adminEventMaxAgeMs: 86_400_000,
          batchSize: 100,
        }),
      ).toEqual({ deleted: 0, more: false });
      expect(
        await store().pruneEvents({
          leaseEventMaxAgeMs: 0,
          adminEventMaxAgeMs: 0,
          batchSize: 100,
          nowMs: after + 1,
        }),
      ).toEqual({ deleted: 4, more: false });
    });

    it('ping resolves on a healthy store', async () => {
      await expect(store().ping()).resolves.toBeUndefined();
    });
  });
}
