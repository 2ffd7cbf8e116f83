import { describe, expect, it } from 'vitest';
import type { CredentialStore } from '../store.js';
import type { BrokerEvent, EventFilter } from '../types.js';
import {
  T0,
  TTL,
  addInput,
  allEvents,
  chunkedPayload,
  mustAcquire,
  uniqueId,
  useFreshStore,
  type OpenStore,
} from './harness.js';

const DAY = 24 * 60 * 60 * 1000;

async function collect(
  store: CredentialStore,
  filter: Omit<EventFilter, 'cursor'>,
): Promise<BrokerEvent[]> {
  const events: BrokerEvent[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await store.listEvents({ ...filter, ...(cursor ? { cursor } : {}) });
    expect(result.events.length).toBeLessThanOrEqual(filter.limit);
    events.push(...result.events);
    if (!result.nextCursor) return events;
    cursor = result.nextCursor;
  }
  throw new Error('listEvents did not terminate');
}

export function describeEvents(openStore: OpenStore): void {
  describe('listEvents', () => {
    const store = useFreshStore(openStore);

    /** One add, one acquire, one failed acquire, one release, one disable, one failed disable per kind. */
    async function workload(kind: string, startMs: number) {
      const added = await store().addCredential(addInput({ kind, nowMs: startMs }));
      const lease = await mustAcquire(store(), { kind, nowMs: startMs + 1 });
      await store().acquire({
        kind,
        ownerId: 'o2',
        actorRole: 'maintainer',
        leaseToken: 'fake-t',
        leaseTtlMs: TTL,
        nowMs: startMs + 2,
      });
      await store().release({
        kind,
        ownerId: lease.ownerId,
        actorRole: 'ci',
        credentialId: lease.credentialId,
        leaseToken: lease.leaseToken,
        nowMs: startMs + 3,
      });
      await store().disableCredential({
        credentialId: added.credentialId,
        actorId: 'admin',
        nowMs: startMs + 4,
      });
      await store().disableCredential({
        credentialId: uniqueId('missing'),
        actorId: 'admin',
        nowMs: startMs + 5,
      });
      return added;
    }

    it('lists oldest first, with unique ids, paging by cursor without loss or repetition', async () => {
      const kindA = uniqueId('kind');
      const kindB = uniqueId('kind');
      // Written out of time order: listing is by occurredAtMs, not by insertion.
      await workload(kindB, T0 + 1_000);
      await workload(kindA, T0);
      const all = await collect(store(), { limit: 500 });
      expect(all).toHaveLength(12);
      const times = all.map((event) => event.occurredAtMs);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(new Set(all.map((event) => event.eventId)).size).toBe(12);
      for (const limit of [1, 5, 7]) expect(await collect(store(), { limit })).toEqual(all);
    });

    it('filters by category, kind, credential, event types and a [from, to) window', async () => {
      const kindA = uniqueId('kind');
      const kindB = uniqueId('kind');
      const addedA = await workload(kindA, T0);
      await workload(kindB, T0 + 1_000);
      const lease = await collect(store(), { category: 'lease', limit: 4 });
      expect(lease.map((event) => event.eventType)).toEqual([
        'acquire',
        'acquire_failed',
        'release',
        'acquire',
        'acquire_failed',
        'release',
      ]);
      const admin = await collect(store(), { category: 'admin', limit: 4 });
      expect(admin.map((event) => event.eventType)).toEqual([
        'add',
        'disable',
        'disable_failed',
        'add',
        'disable',
        'disable_failed',
      ]);
      expect(
        admin.every((event) => event.category === 'admin' && event.actorRole === 'maintainer'),
      ).toBe(true);
      const ofKindA = await collect(store(), { kind: kindA, limit: 2 });
      expect(ofKindA.map((event) => event.eventType)).toEqual([
        'add',
        'acquire',
        'acquire_failed',
        'release',
        'disable',
      ]);
      const ofCredential = await collect(store(), { credentialId: addedA.credentialId, limit: 3 });
      expect(ofCredential.map((event) => event.eventType)).toEqual([
        'add',
        'acquire',
        'release',
        'disable',
      ]);
      const failures = await collect(store(), {
        eventTypes: ['acquire_failed', 'disable_failed'],
        limit: 3,
      });
      expect(failures.map((event) => [event.eventType, event.code])).toEqual([
        ['acquire_failed', 'POOL_EXHAUSTED'],
        ['disable_failed', 'CREDENTIAL_NOT_FOUND'],
        ['acquire_failed', 'POOL_EXHAUSTED'],
        ['disable_failed', 'CREDENTIAL_NOT_FOUND'],
      ]);
      const window = await collect(store(), { fromMs: T0 + 1, toMs: T0 + 1_002, limit: 10 });
      expect(window.map((event) => event.occurredAtMs)).toEqual([
        T0 + 1,
        T0 + 2,
        T0 + 3,
        T0 + 4,
        T0 + 5,
        T0 + 1_000,
        T0 + 1_001,
      ]);
      const combined = await collect(store(), {
        category: 'lease',
        kind: kindB,
        eventTypes: ['release'],
        limit: 10,
      });
      expect(combined).toEqual([
        expect.objectContaining({ kind: kindB, eventType: 'release', occurredAtMs: T0 + 1_003 }),
      ]);
    });

    it('never records a payload or a lease token', async () => {
      const kind = uniqueId('kind');
      const secret = 'fake-secret-payload-marker';
      await store().addCredential(
        addInput({ kind, payload: chunkedPayload([`{"s":"${secret}`, '"}']) }),
      );
      const token = 'fake-lease-token-marker-0123456789';
      await store().acquire({
        kind,
        ownerId: 'o',
        actorRole: 'ci',
        leaseToken: token,
        leaseTtlMs: TTL,
        nowMs: T0,
      });
      await store().acquire({
        kind,
        ownerId: 'o',
        actorRole: 'ci',
        leaseToken: `${token}-2`,
        leaseTtlMs: TTL,
        nowMs: T0 + 1,
      });
      const listed = await store().listCredentials({
        kind,
        status: 'all',
        includePayload: false,
        limit: 10,
      });
      await store().heartbeat({
        kind,
        ownerId: 'o',
        credentialId: listed[0]!.credentialId,
        leaseToken: token,
        leaseTtlMs: TTL,
        nowMs: T0 + 2,
      });
      await store().release({
        kind,
        ownerId: 'o',
        actorRole: 'ci',
        credentialId: listed[0]!.credentialId,
        leaseToken: token,
        nowMs: T0 + 3,
      });
      await store().disableCredential({
        credentialId: listed[0]!.credentialId,
        actorId: 'admin',
        nowMs: T0 + 4,
      });
      const text = JSON.stringify(await allEvents(store()));
      expect(text).toContain('release');
      expect(text).not.toContain(secret);
      expect(text).not.toContain(token);
      expect(JSON.stringify(listed)).not.toContain(token);
    });
  });

  describe('pruneEvents', () => {
    const store = useFreshStore(openStore);

    it('deletes lease and admin events older than their own max age, in bounded batches', async () => {
      const kind = uniqueId('kind');
      const now = T0 + 40 * DAY;
      const leaseMax = 2 * DAY;
      const adminMax = 30 * DAY;
      // Old admin events (adds) 35 days back, recent ones 1 day back.
      for (let i = 0; i < 3; i++)
        await store().addCredential(addInput({ kind, nowMs: now - 35 * DAY + i }));
      await store().addCredential(addInput({ kind, nowMs: now - DAY }));
      // Lease events: 3 days back (old), exactly at the boundary (kept), and recent.
      for (let i = 0; i < 4; i++)
        await store().acquire({
          kind: uniqueId('empty'),
          ownerId: 'o',
          actorRole: 'ci',
          leaseToken: 'fake',
          leaseTtlMs: TTL,
          nowMs: now - 3 * DAY + i,
        });
      await store().acquire({
        kind: uniqueId('empty'),
        ownerId: 'o',
        actorRole: 'ci',
        leaseToken: 'fake',
        leaseTtlMs: TTL,
        nowMs: now - leaseMax,
      });
      await store().acquire({
        kind: uniqueId('empty'),
        ownerId: 'o',
        actorRole: 'ci',
        leaseToken: 'fake',
        leaseTtlMs: TTL,
        nowMs: now - 1,
      });
      // An admin event 3 days back is younger than the admin max age: kept.
      await store().disableCredential({
        credentialId: uniqueId('missing'),
        actorId: 'admin',
        nowMs: now - 3 * DAY,
      });
      const before = await allEvents(store());
      expect(before).toHaveLength(11);

      const input = { leaseEventMaxAgeMs: leaseMax, adminEventMaxAgeMs: adminMax, nowMs: now };
      const first = await store().pruneEvents({ ...input, batchSize: 5 });
      expect(first).toEqual({ deleted: 5, more: true });
      const second = await store().pruneEvents({ ...input, batchSize: 5 });
      expect(second).toEqual({ deleted: 2, more: false });
      expect(await store().pruneEvents({ ...input, batchSize: 5 })).toEqual({
        deleted: 0,
        more: false,
      });

      const after = await allEvents(store());
      expect(after).toHaveLength(4);
      expect(after.map((event) => [event.category, now - event.occurredAtMs])).toEqual([
        ['admin', 3 * DAY],
        ['lease', leaseMax],
        ['admin', DAY],
        ['lease', 1],
      ]);
    });

    it('reports more:true when a batch is exactly full', async () => {
      const kind = uniqueId('kind');
      for (let i = 0; i < 2; i++) await store().addCredential(addInput({ kind, nowMs: T0 + i }));
      const input = { leaseEventMaxAgeMs: DAY, adminEventMaxAgeMs: DAY, nowMs: T0 + 10 * DAY };
      expect(await store().pruneEvents({ ...input, batchSize: 2 })).toEqual({
        deleted: 2,
        more: true,
      });
      expect(await store().pruneEvents({ ...input, batchSize: 2 })).toEqual({
        deleted: 0,
        more: false,
      });
    });
  });
}
