import { WAIT_POLICY } from '@qa-broker/contract';
import { describe, expect, it } from 'vitest';
import type { AcquireResult, PolicyPatch } from '../types.js';
import {
  T0,
  TTL,
  addMany,
  allEvents,
  fakeLeaseToken,
  mustAcquire,
  uniqueId,
  useFreshStore,
  type OpenStore,
} from './harness.js';
import { expectWaiting, mustGrant, queueOf, ticketIdOf } from './wait-queue.js';

const ADMIN = 'conformance-maintainer';
const HOLD = 90_000;
const GRACE = WAIT_POLICY.ticketGraceMs;

/**
 * Per-kind policy (HEALTH-STORE-DESIGN.md, "Policy"): patch semantics, maxHoldMs on grants
 * and heartbeats, per-role and per-owner quotas for v1 acquires and the wait queue.
 * Settled here for every adapter: a policy whose every field is cleared still exists
 * (kind and updatedAtMs, listed by getPolicies); `maxLeasesPerRole` is absent when no role
 * has a cap; a heartbeat at a moment past acquiredAtMs + maxHoldMs answers LEASE_EXPIRED.
 */
export function describePolicy(openStore: OpenStore): void {
  describe('per-kind policy', () => {
    const store = useFreshStore(openStore);
    /** The maintainer patches a kind's policy at `nowMs`. */
    const setPolicy = (kind: string, patch: PolicyPatch, nowMs: number) =>
      store().setPolicy({ kind, patch, actorId: ADMIN, nowMs });

    function acquire(
      kind: string,
      nowMs: number,
      ownerId = 'owner-a',
      actorRole: 'ci' | 'maintainer' = 'ci',
    ): Promise<AcquireResult> {
      return store().acquire({
        kind,
        ownerId,
        actorRole,
        leaseToken: fakeLeaseToken('policy'),
        leaseTtlMs: TTL,
        nowMs,
      });
    }

    describe('setPolicy and getPolicies', () => {
      it('patches: absent unchanged, null cleared, roles patched one by one', async () => {
        const kind = uniqueId('kind');
        const full = await setPolicy(
          kind,
          {
            maxHoldMs: 60_000,
            maxLeasesPerRole: { ci: 2, maintainer: 1 },
            maxLeasesPerOwner: 3,
            quarantineAfterBroken: 2,
          },
          T0,
        );
        expect(full).toEqual({
          kind,
          updatedAtMs: T0,
          maxHoldMs: 60_000,
          maxLeasesPerRole: { ci: 2, maintainer: 1 },
          maxLeasesPerOwner: 3,
          quarantineAfterBroken: 2,
        });
        expect(await setPolicy(kind, { maxLeasesPerRole: { ci: null } }, T0 + 1)).toEqual({
          ...full,
          updatedAtMs: T0 + 1,
          maxLeasesPerRole: { maintainer: 1 },
        });
        expect(
          await setPolicy(kind, { maxLeasesPerRole: { ci: 5 }, maxHoldMs: null }, T0 + 2),
        ).toEqual({
          kind,
          updatedAtMs: T0 + 2,
          maxLeasesPerRole: { ci: 5, maintainer: 1 },
          maxLeasesPerOwner: 3,
          quarantineAfterBroken: 2,
        });
        const cleared = await setPolicy(
          kind,
          { maxLeasesPerRole: null, maxLeasesPerOwner: null },
          T0 + 3,
        );
        expect(cleared).toEqual({ kind, updatedAtMs: T0 + 3, quarantineAfterBroken: 2 });
        expect(await store().getPolicies({ kind })).toEqual([cleared]);
        // An empty patch changes nothing but the time.
        expect(await setPolicy(kind, {}, T0 + 4)).toEqual({
          ...cleared,
          updatedAtMs: T0 + 4,
        });
      });

      it('a role cap cleared for both roles drops maxLeasesPerRole', async () => {
        const kind = uniqueId('kind');
        await setPolicy(kind, { maxLeasesPerRole: { ci: 0 } }, T0);
        expect(
          await setPolicy(kind, { maxLeasesPerRole: { ci: null, maintainer: null } }, T0 + 1),
        ).toEqual({ kind, updatedAtMs: T0 + 1 });
      });

      it('a policy whose every field is cleared still exists and is listed', async () => {
        const kind = uniqueId('kind');
        await setPolicy(kind, { maxLeasesPerOwner: 1 }, T0);
        await setPolicy(kind, { maxLeasesPerOwner: null }, T0 + 1);
        expect(await store().getPolicies({ kind })).toEqual([{ kind, updatedAtMs: T0 + 1 }]);
        expect(await store().getPolicies({})).toContainEqual({ kind, updatedAtMs: T0 + 1 });
      });

      it('getPolicies: one kind, [] for a kind without one, every kind in code-point order', async () => {
        const base = uniqueId('pol');
        const kinds = [`${base}-b`, `${base}-B`, `${base}-a`, `${base}-é`];
        for (const [i, kind] of kinds.entries()) {
          await setPolicy(kind, { maxLeasesPerOwner: i + 1 }, T0 + i);
        }
        expect(await store().getPolicies({ kind: `${base}-a` })).toEqual([
          { kind: `${base}-a`, updatedAtMs: T0 + 2, maxLeasesPerOwner: 3 },
        ]);
        expect(await store().getPolicies({ kind: `${base}-none` })).toEqual([]);
        const listed = (await store().getPolicies({}))
          .map((policy) => policy.kind)
          .filter((kind) => kind.startsWith(base));
        expect(listed).toEqual([`${base}-B`, `${base}-a`, `${base}-b`, `${base}-é`]);
      });

      it('writes an admin policy event with the kind and the actor', async () => {
        const kind = uniqueId('kind');
        await setPolicy(kind, { maxHoldMs: HOLD }, T0 + 7);
        const events = await allEvents(store(), { category: 'admin' });
        expect(events.filter((event) => event.eventType === 'policy')).toEqual([
          expect.objectContaining({
            category: 'admin',
            eventType: 'policy',
            actorRole: 'maintainer',
            actorId: ADMIN,
            kind,
            occurredAtMs: T0 + 7,
          }),
        ]);
      });
    });

    describe('maxHoldMs', () => {
      it('caps a grant: expiresAtMs is min(now + TTL, cap) and the answer carries the cap', async () => {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 1);
        await setPolicy(kind, { maxHoldMs: HOLD }, T0);
        expect(mustGrant(await acquire(kind, T0 + 100))).toMatchObject({
          acquiredAtMs: T0 + 100,
          expiresAtMs: T0 + 100 + TTL,
          maxExpiresAtMs: T0 + 100 + HOLD,
        });
      });

      it('heartbeats extend at most to the cap, and past it the lease is expired', async () => {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 1);
        await setPolicy(kind, { maxHoldMs: HOLD }, T0);
        const lease = await mustAcquire(store(), { kind, nowMs: T0, ownerId: 'holder' });
        expect(lease.expiresAtMs).toBe(T0 + TTL);
        const key = {
          kind,
          ownerId: 'holder',
          credentialId: lease.credentialId,
          leaseToken: lease.leaseToken,
          leaseTtlMs: TTL,
        };
        expect(await store().heartbeat({ ...key, nowMs: T0 + 10_000 })).toEqual({
          ok: true,
          expiresAtMs: T0 + 10_000 + TTL,
          maxExpiresAtMs: T0 + HOLD,
        });
        expect(await store().heartbeat({ ...key, nowMs: T0 + 50_000 })).toEqual({
          ok: true,
          expiresAtMs: T0 + HOLD,
          maxExpiresAtMs: T0 + HOLD,
        });
        expect(await store().heartbeat({ ...key, nowMs: T0 + HOLD + 1 })).toEqual({
          ok: false,
          code: 'LEASE_EXPIRED',
        });
        // The credential is free again for the next lease.
        expect(mustGrant(await acquire(kind, T0 + HOLD + 2, 'next')).fencingToken).toBe(2);
      });

      it('a maxHoldMs shorter than the TTL caps the grant itself', async () => {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 1);
        await setPolicy(kind, { maxHoldMs: 30_000 }, T0);
        expect(mustGrant(await acquire(kind, T0 + 5))).toMatchObject({
          acquiredAtMs: T0 + 5,
          expiresAtMs: T0 + 5 + 30_000,
          maxExpiresAtMs: T0 + 5 + 30_000,
        });
      });

      it('without maxHoldMs neither grants nor heartbeats carry maxExpiresAtMs', async () => {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 1);
        await setPolicy(kind, { maxLeasesPerOwner: 5 }, T0);
        const lease = await mustAcquire(store(), { kind, nowMs: T0, ownerId: 'holder' });
        const heartbeat = await store().heartbeat({
          kind,
          ownerId: 'holder',
          credentialId: lease.credentialId,
          leaseToken: lease.leaseToken,
          leaseTtlMs: TTL,
          nowMs: T0 + 1,
        });
        expect(heartbeat).toEqual({ ok: true, expiresAtMs: T0 + 1 + TTL });
      });

      it('a policy set later caps an existing lease from its next heartbeat', async () => {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 2);
        const first = await mustAcquire(store(), { kind, nowMs: T0, ownerId: 'holder' });
        const second = await mustAcquire(store(), { kind, nowMs: T0, ownerId: 'holder-2' });
        await setPolicy(kind, { maxHoldMs: 30_000 }, T0 + 1);
        const keyOf = (lease: typeof first) => ({
          kind,
          ownerId: lease.ownerId,
          credentialId: lease.credentialId,
          leaseToken: lease.leaseToken,
          leaseTtlMs: TTL,
        });
        expect(await store().heartbeat({ ...keyOf(first), nowMs: T0 + 10_000 })).toEqual({
          ok: true,
          expiresAtMs: T0 + 30_000,
          maxExpiresAtMs: T0 + 30_000,
        });
        // Past the new cap though its old expiry is still ahead: the lease is over.
        expect(await store().heartbeat({ ...keyOf(second), nowMs: T0 + 40_000 })).toEqual({
          ok: false,
          code: 'LEASE_EXPIRED',
        });
      });

      it('a queued grant is capped from its grant time when delivered', async () => {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 1);
        await setPolicy(kind, { maxHoldMs: 30_000 }, T0);
        const holder = await mustAcquire(store(), { kind, nowMs: T0, ownerId: 'holder' });
        const queue = queueOf(store, kind);
        const a = ticketIdOf('a');
        expectWaiting(await queue.ask(a, { nowMs: T0 + 1 }), 1, 1);
        await queue.release(holder, T0 + 1_000);
        expect(mustGrant(await queue.ask(a, { nowMs: T0 + 3_000 }))).toMatchObject({
          acquiredAtMs: T0 + 1_000,
          expiresAtMs: T0 + 31_000,
          maxExpiresAtMs: T0 + 31_000,
        });
      });
    });

    describe('quotas for v1 acquires', () => {
      it('maxLeasesPerOwner: POOL_EXHAUSTED with quota owner and an acquire_failed event', async () => {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 3);
        await setPolicy(kind, { maxLeasesPerOwner: 1 }, T0);
        const held = await mustAcquire(store(), { kind, nowMs: T0 + 1, ownerId: 'job' });
        expect(await acquire(kind, T0 + 2, 'job')).toEqual({
          ok: false,
          code: 'POOL_EXHAUSTED',
          quota: 'owner',
        });
        const failed = (await allEvents(store(), { category: 'lease' })).at(-1);
        expect(failed).toMatchObject({ eventType: 'acquire_failed', ownerId: 'job', kind });
        // Another owner is not limited by job's lease.
        expect(await acquire(kind, T0 + 3, 'other-job')).toMatchObject({ ok: true });
        // Releasing frees the quota.
        await store().release({
          kind,
          ownerId: 'job',
          actorRole: 'ci',
          credentialId: held.credentialId,
          leaseToken: held.leaseToken,
          nowMs: T0 + 4,
        });
        expect(await acquire(kind, T0 + 5, 'job')).toMatchObject({ ok: true });
      });

      it('an empty pool stays plain POOL_EXHAUSTED even when over quota', async () => {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 1);
        await setPolicy(kind, { maxLeasesPerOwner: 1 }, T0);
        await mustAcquire(store(), { kind, nowMs: T0 + 1, ownerId: 'job' });
        expect(await acquire(kind, T0 + 2, 'job')).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
      });

      it('maxLeasesPerRole caps one role and leaves the other; 0 bars the role', async () => {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 4);
        await setPolicy(kind, { maxLeasesPerRole: { ci: 1 } }, T0);
        expect(await acquire(kind, T0 + 1, 'job-1')).toMatchObject({ ok: true });
        expect(await acquire(kind, T0 + 2, 'job-2')).toEqual({
          ok: false,
          code: 'POOL_EXHAUSTED',
          quota: 'role',
        });
        expect(await acquire(kind, T0 + 3, 'alice', 'maintainer')).toMatchObject({ ok: true });
        await setPolicy(kind, { maxLeasesPerRole: { maintainer: 0 } }, T0 + 4);
        // The lease alice holds is never revoked; a new one is refused.
        expect(await acquire(kind, T0 + 5, 'bob', 'maintainer')).toEqual({
          ok: false,
          code: 'POOL_EXHAUSTED',
          quota: 'role',
        });
      });

      it('maxLeasesPerRole 0 bars a role that holds nothing, for v1 and for tickets', async () => {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 1);
        await setPolicy(kind, { maxLeasesPerRole: { ci: 0 } }, T0);
        expect(await acquire(kind, T0 + 1, 'job')).toEqual({
          ok: false,
          code: 'POOL_EXHAUSTED',
          quota: 'role',
        });
        const queue = queueOf(store, kind);
        const [ci, maintainer] = [ticketIdOf('ci'), ticketIdOf('maintainer')];
        expectWaiting(await queue.ask(ci, { nowMs: T0 + 2, ownerId: 'job' }), 1, 1);
        // The barred ticket keeps its place and the maintainer's behind it is served.
        const lease = mustGrant(
          await queue.ask(maintainer, { nowMs: T0 + 3, ownerId: 'alice', actorRole: 'maintainer' }),
        );
        expect(lease.fencingToken).toBe(1);
        expectWaiting(await queue.ask(ci, { nowMs: T0 + 4, ownerId: 'job' }), 1, 1);
      });

      it('a lowered quota revokes nothing and grants nothing until the count is under it', async () => {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 4);
        const leases = [
          await mustAcquire(store(), { kind, nowMs: T0, ownerId: 'job' }),
          await mustAcquire(store(), { kind, nowMs: T0, ownerId: 'job' }),
        ];
        await setPolicy(kind, { maxLeasesPerOwner: 1 }, T0 + 1);
        for (const lease of leases) {
          expect(
            await store().heartbeat({
              kind,
              ownerId: 'job',
              credentialId: lease.credentialId,
              leaseToken: lease.leaseToken,
              leaseTtlMs: TTL,
              nowMs: T0 + 2,
            }),
          ).toMatchObject({ ok: true });
        }
        const release = (index: number, nowMs: number) =>
          store().release({
            kind,
            ownerId: 'job',
            actorRole: 'ci',
            credentialId: leases[index]!.credentialId,
            leaseToken: leases[index]!.leaseToken,
            nowMs,
          });
        expect(await acquire(kind, T0 + 3, 'job')).toMatchObject({ quota: 'owner' });
        await release(0, T0 + 4);
        expect(await acquire(kind, T0 + 5, 'job')).toMatchObject({ quota: 'owner' });
        await release(1, T0 + 6);
        expect(await acquire(kind, T0 + 7, 'job')).toMatchObject({ ok: true });
      });

      it('an expired lease no longer counts toward the quota', async () => {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 2);
        await setPolicy(kind, { maxLeasesPerOwner: 1 }, T0);
        await mustAcquire(store(), { kind, nowMs: T0, ownerId: 'job' });
        expect(await acquire(kind, T0 + 1, 'job')).toMatchObject({ quota: 'owner' });
        expect(await acquire(kind, T0 + TTL + 1, 'job')).toMatchObject({ ok: true });
        expect(await acquire(kind, T0 + TTL + 2, 'job')).toMatchObject({ quota: 'owner' });
      });

      it('20 concurrent acquires by one owner under maxLeasesPerOwner 1 grant exactly one lease', async () => {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 5);
        await setPolicy(kind, { maxLeasesPerOwner: 1 }, T0);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => acquire(kind, T0 + 10 + (i % 3), 'racer')),
        );
        expect(results.filter((result) => result.ok)).toHaveLength(1);
        for (const result of results.filter((entry) => !entry.ok)) {
          expect(result).toEqual({ ok: false, code: 'POOL_EXHAUSTED', quota: 'owner' });
        }
      });
    });

    describe('quotas in the wait queue', () => {
      it('a ticket over quota waits even when a credential is free', async () => {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 2);
        await setPolicy(kind, { maxLeasesPerOwner: 1 }, T0);
        await mustAcquire(store(), { kind, nowMs: T0, ownerId: 'job' });
        const queue = queueOf(store, kind);
        expectWaiting(await queue.ask(ticketIdOf('a'), { nowMs: T0 + 1, ownerId: 'job' }), 1, 1);
      });

      it('a waiter over quota keeps its place and does not block the one behind; it is served once under quota', async () => {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 2);
        await setPolicy(kind, { maxLeasesPerOwner: 1 }, T0);
        const jobLease = await mustAcquire(store(), { kind, nowMs: T0, ownerId: 'job' });
        const other = await mustAcquire(store(), { kind, nowMs: T0, ownerId: 'holder' });
        const queue = queueOf(store, kind);
        const [a, b] = [ticketIdOf('a'), ticketIdOf('b')];
        expectWaiting(await queue.ask(a, { nowMs: T0 + 1, ownerId: 'job' }), 1, 1);
        expectWaiting(await queue.ask(b, { nowMs: T0 + 2, ownerId: 'someone' }), 2, 2);
        await queue.release(other, T0 + 10);
        expect((await queue.tick([a, b], T0 + 11)).granted).toEqual([b]);
        expectWaiting(await queue.ask(a, { nowMs: T0 + 12, ownerId: 'job' }), 1, 1);
        // job releases its own lease: that frees both a credential and job's quota.
        await queue.release(jobLease, T0 + 20);
        expect((await queue.tick([a], T0 + 21)).granted).toEqual([a]);
        expect(mustGrant(await queue.ask(a, { nowMs: T0 + 22, ownerId: 'job' })).credentialId).toBe(
          jobLease.credentialId,
        );
      });

      it('an undelivered queued grant counts toward the waiter’s quota', async () => {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 2);
        await setPolicy(kind, { maxLeasesPerOwner: 1 }, T0);
        const holders = [
          await mustAcquire(store(), { kind, nowMs: T0, ownerId: 'h1' }),
          await mustAcquire(store(), { kind, nowMs: T0, ownerId: 'h2' }),
        ];
        const queue = queueOf(store, kind);
        const [a, b] = [ticketIdOf('a'), ticketIdOf('b')];
        await queue.ask(a, { nowMs: T0 + 1, ownerId: 'job' });
        await queue.ask(b, { nowMs: T0 + 2, ownerId: 'job' });
        await queue.release(holders[0]!, T0 + 10);
        await queue.release(holders[1]!, T0 + 11);
        expect((await queue.tick([a, b], T0 + 12)).granted).toEqual([a]);
        expectWaiting(await queue.ask(b, { nowMs: T0 + 13, ownerId: 'job' }), 1, 1);
      });

      /** Three credentials: h1 and h2 release, a (owner job) holds an undelivered grant of h1's. */
      async function grantedButUndelivered() {
        const kind = uniqueId('kind');
        await addMany(store(), kind, 3);
        await setPolicy(kind, { maxLeasesPerOwner: 1 }, T0);
        const holders = [];
        for (const ownerId of ['h1', 'h2', 'h3']) {
          holders.push(await mustAcquire(store(), { kind, nowMs: T0, ownerId }));
        }
        const queue = queueOf(store, kind);
        const a = ticketIdOf('a');
        expectWaiting(await queue.ask(a, { nowMs: T0 + 1, ownerId: 'job' }), 1, 1);
        await queue.release(holders[0]!, T0 + 10); // → a, not delivered
        await queue.release(holders[1]!, T0 + 11); // free
        expect(await acquire(kind, T0 + 12, 'job')).toEqual({
          ok: false,
          code: 'POOL_EXHAUSTED',
          quota: 'owner',
        });
        return { kind, a };
      }

      it('cancelling an undelivered grant frees the waiter’s quota', async () => {
        const { kind, a } = await grantedButUndelivered();
        await store().cancelWait({ kind, ticketId: a, nowMs: T0 + 20 });
        expect(await acquire(kind, T0 + 21, 'job')).toMatchObject({ ok: true });
      });

      it('a lapsed pickup frees the waiter’s quota', async () => {
        const { kind } = await grantedButUndelivered();
        expect(await acquire(kind, T0 + 10 + GRACE - 1, 'job')).toMatchObject({ quota: 'owner' });
        expect(await acquire(kind, T0 + 10 + GRACE + 1, 'job')).toMatchObject({ ok: true });
        expect(await acquire(kind, T0 + 10 + GRACE + 2, 'job')).toMatchObject({ quota: 'owner' });
      });
    });
  });
}
