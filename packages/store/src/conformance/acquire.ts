import { describe, expect, it } from 'vitest';
import {
  T0,
  TTL,
  addInput,
  addMany,
  allEvents,
  chunkedPayload,
  fakeLeaseToken,
  mustAcquire,
  mustFind,
  onePiecePayload,
  uniqueId,
  useFreshStore,
  type OpenStore,
} from './harness.js';

export function describeAcquire(openStore: OpenStore): void {
  describe('acquire', () => {
    const store = useFreshStore(openStore);

    it('grants a never-leased credential with the lease fields set from now and the ttl', async () => {
      const kind = uniqueId('kind');
      const added = await store().addCredential(
        addInput({ kind, payload: onePiecePayload('{"a":"fake"}') }),
      );
      const leaseToken = fakeLeaseToken();
      const now = T0 + 5_000;
      const result = await store().acquire({
        kind,
        ownerId: 'owner-a',
        actorRole: 'ci',
        leaseToken,
        leaseTtlMs: TTL,
        nowMs: now,
      });
      expect(result).toEqual({
        ok: true,
        lease: {
          credentialId: added.credentialId,
          kind,
          acquiredAtMs: now,
          expiresAtMs: now + TTL,
          fencingToken: expect.any(Number) as number,
          chunkCount: 1,
          byteLength: Buffer.byteLength('{"a":"fake"}'),
          inlinePiece: '{"a":"fake"}',
        },
      });
      const record = await mustFind(store(), added.credentialId, kind);
      expect(record.lease).toEqual({
        ownerId: 'owner-a',
        actorRole: 'ci',
        acquiredAtMs: now,
        heartbeatAtMs: now,
        expiresAtMs: now + TTL,
      });
      expect(record.lastLeasedAtMs).toBe(now);
      expect(record.updatedAtMs).toBe(now);
      expect(record.createdAtMs).toBe(T0);
      expect(JSON.stringify(record)).not.toContain(leaseToken);
    });

    it('reports chunked payloads by count and byte length without an inline piece', async () => {
      const kind = uniqueId('kind');
      const payload = chunkedPayload(['{"big":"fake-', 'é-part-two', '"}']);
      await store().addCredential(addInput({ kind, payload }));
      const result = await store().acquire({
        kind,
        ownerId: 'o',
        actorRole: 'maintainer',
        leaseToken: fakeLeaseToken(),
        leaseTtlMs: TTL,
        nowMs: T0,
      });
      if (!result.ok) throw new Error('expected a grant');
      expect(result.lease.chunkCount).toBe(3);
      expect(result.lease.byteLength).toBe(payload.byteLength);
      expect(result.lease).not.toHaveProperty('inlinePiece');
    });

    it('picks never-leased credentials first, in creation order, not id order', async () => {
      const kind = uniqueId('kind');
      const ids = ['cred-z', 'cred-m', 'cred-a'].map((prefix) => uniqueId(prefix));
      for (const credentialId of ids) {
        await store().addCredential(addInput({ kind, credentialId, nowMs: T0 }));
      }
      const granted = [];
      for (let i = 0; i < 3; i++)
        granted.push((await mustAcquire(store(), { kind, nowMs: T0 + 10 })).credentialId);
      expect(granted).toEqual(ids);
    });

    it('picks the least recently leased free credential', async () => {
      const kind = uniqueId('kind');
      const [first, second, third] = await addMany(store(), kind, 3);
      // Lease all three at different times, then free them in another order.
      const a = await mustAcquire(store(), { kind, nowMs: T0 + 100 }); // first
      const b = await mustAcquire(store(), { kind, nowMs: T0 + 200 }); // second
      const c = await mustAcquire(store(), { kind, nowMs: T0 + 300 }); // third
      expect([a.credentialId, b.credentialId, c.credentialId]).toEqual([
        first!.credentialId,
        second!.credentialId,
        third!.credentialId,
      ]);
      for (const lease of [c, a, b]) {
        const released = await store().release({
          kind,
          ownerId: lease.ownerId,
          actorRole: 'ci',
          credentialId: lease.credentialId,
          leaseToken: lease.leaseToken,
          nowMs: T0 + 400,
        });
        expect(released).toEqual({ ok: true, released: true });
      }
      const order = [];
      for (let i = 0; i < 3; i++)
        order.push((await mustAcquire(store(), { kind, nowMs: T0 + 500 + i })).credentialId);
      expect(order).toEqual([first!.credentialId, second!.credentialId, third!.credentialId]);
    });

    it('prefers a never-leased credential over one leased before, even if added later', async () => {
      const kind = uniqueId('kind');
      const [old] = await addMany(store(), kind, 1);
      const lease = await mustAcquire(store(), { kind, nowMs: T0 + 10 });
      await store().release({
        kind,
        ownerId: lease.ownerId,
        actorRole: 'ci',
        credentialId: lease.credentialId,
        leaseToken: lease.leaseToken,
        nowMs: T0 + 20,
      });
      const fresh = await store().addCredential(addInput({ kind, nowMs: T0 + 30 }));
      expect((await mustAcquire(store(), { kind, nowMs: T0 + 40 })).credentialId).toBe(
        fresh.credentialId,
      );
      expect((await mustAcquire(store(), { kind, nowMs: T0 + 50 })).credentialId).toBe(
        old!.credentialId,
      );
    });

    it('only grants active credentials of the requested kind', async () => {
      const kind = uniqueId('kind');
      const otherKind = uniqueId('kind');
      await store().addCredential(addInput({ kind, status: 'disabled' }));
      await store().addCredential(addInput({ kind: otherKind }));
      const result = await store().acquire({
        kind,
        ownerId: 'o',
        actorRole: 'ci',
        leaseToken: fakeLeaseToken(),
        leaseTtlMs: TTL,
        nowMs: T0,
      });
      expect(result).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
      const wanted = await store().addCredential(addInput({ kind }));
      expect((await mustAcquire(store(), { kind, nowMs: T0 })).credentialId).toBe(
        wanted.credentialId,
      );
    });

    it('does not grant a credential whose lease is still active, and treats expiresAtMs == now as free', async () => {
      const kind = uniqueId('kind');
      await addMany(store(), kind, 1);
      const first = await mustAcquire(store(), { kind, nowMs: T0, leaseTtlMs: TTL });
      const busy = await store().acquire({
        kind,
        ownerId: 'o2',
        actorRole: 'ci',
        leaseToken: fakeLeaseToken(),
        leaseTtlMs: TTL,
        nowMs: T0 + TTL - 1,
      });
      expect(busy).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
      const second = await mustAcquire(store(), { kind, ownerId: 'o2', nowMs: T0 + TTL });
      expect(second.credentialId).toBe(first.credentialId);
    });

    it('takes an expired lease in least-recently-leased order alongside free ones', async () => {
      const kind = uniqueId('kind');
      const [a, b] = await addMany(store(), kind, 2);
      // a leased at +10 with a short ttl and never released; b leased at +20 and released.
      await mustAcquire(store(), { kind, nowMs: T0 + 10, leaseTtlMs: 1_000 });
      const leaseB = await mustAcquire(store(), { kind, nowMs: T0 + 20, leaseTtlMs: 100_000 });
      await store().release({
        kind,
        ownerId: leaseB.ownerId,
        actorRole: 'ci',
        credentialId: b!.credentialId,
        leaseToken: leaseB.leaseToken,
        nowMs: T0 + 30,
      });
      // Before a's expiry only b is free.
      const leaseB2 = await mustAcquire(store(), { kind, nowMs: T0 + 500 });
      expect(leaseB2.credentialId).toBe(b!.credentialId);
      await store().release({
        kind,
        ownerId: leaseB2.ownerId,
        actorRole: 'ci',
        credentialId: b!.credentialId,
        leaseToken: leaseB2.leaseToken,
        nowMs: T0 + 600,
      });
      // Now both are candidates: free b (leased at +500) and expired a (leased at +10).
      expect((await mustAcquire(store(), { kind, nowMs: T0 + 5_000 })).credentialId).toBe(
        a!.credentialId,
      );
      expect((await mustAcquire(store(), { kind, nowMs: T0 + 5_001 })).credentialId).toBe(
        b!.credentialId,
      );
    });

    it('fails with POOL_EXHAUSTED and an acquire_failed event when nothing is free', async () => {
      const kind = uniqueId('kind');
      const result = await store().acquire({
        kind,
        ownerId: 'owner-x',
        actorRole: 'maintainer',
        leaseToken: fakeLeaseToken(),
        leaseTtlMs: TTL,
        nowMs: T0 + 7,
      });
      expect(result).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
      const events = await allEvents(store(), { category: 'lease' });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        category: 'lease',
        eventType: 'acquire_failed',
        kind,
        ownerId: 'owner-x',
        actorRole: 'maintainer',
        occurredAtMs: T0 + 7,
        code: 'POOL_EXHAUSTED',
      });
      expect(events[0]).not.toHaveProperty('credentialId');
    });

    it('writes an acquire event naming the credential, owner and role', async () => {
      const kind = uniqueId('kind');
      const [added] = await addMany(store(), kind, 1);
      await mustAcquire(store(), {
        kind,
        ownerId: 'owner-e',
        actorRole: 'maintainer',
        nowMs: T0 + 3,
      });
      const events = await allEvents(store(), { category: 'lease' });
      expect(events).toEqual([
        expect.objectContaining({
          category: 'lease',
          eventType: 'acquire',
          kind,
          ownerId: 'owner-e',
          actorRole: 'maintainer',
          occurredAtMs: T0 + 3,
          credentialId: added!.credentialId,
        }),
      ]);
      expect(events[0]).not.toHaveProperty('code');
    });

    it('strictly increases the fencing token with every grant on a credential', async () => {
      const kind = uniqueId('kind');
      await addMany(store(), kind, 1);
      const tokens: number[] = [];
      let now = T0;
      for (let i = 0; i < 4; i++) {
        const lease = await mustAcquire(store(), { kind, nowMs: now });
        tokens.push(lease.fencingToken);
        if (i % 2 === 0) {
          await store().release({
            kind,
            ownerId: lease.ownerId,
            actorRole: 'ci',
            credentialId: lease.credentialId,
            leaseToken: lease.leaseToken,
            nowMs: now + 1,
          });
          now += 2;
        } else {
          now += TTL; // let it expire instead of releasing
        }
      }
      for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1]!);
      expect(tokens.every((token) => Number.isSafeInteger(token) && token > 0)).toBe(true);
    });

    it('lets one owner hold several leases', async () => {
      const kind = uniqueId('kind');
      await addMany(store(), kind, 2);
      const first = await mustAcquire(store(), { kind, ownerId: 'same-owner', nowMs: T0 });
      const second = await mustAcquire(store(), { kind, ownerId: 'same-owner', nowMs: T0 });
      expect(first.credentialId).not.toBe(second.credentialId);
    });
  });
}
