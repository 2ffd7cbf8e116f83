import { createHash } from 'node:crypto';
import { WAIT_POLICY } from '@qa-broker/contract';
import { describe, expect, it } from 'vitest';
import type { CredentialStore } from '../store.js';
import type { AcquireResult, GrantedLease } from '../types.js';
import {
  T0,
  TTL,
  addInput,
  addMany,
  allEvents,
  fakeLeaseToken,
  mustAcquire,
  mustFind,
  uniqueId,
  useFreshStore,
  type OpenStore,
} from './harness.js';

const GRACE = WAIT_POLICY.ticketGraceMs;
const BROKER = 'broker-conformance-a';

/** A ticketId as the server makes it: SHA-256 hex of a (here fake) ticket. */
export function ticketIdOf(label: string): string {
  return createHash('sha256').update(uniqueId(label)).digest('hex');
}

interface AskOptions {
  nowMs: number;
  ownerId?: string;
  actorRole?: 'ci' | 'maintainer';
  priority?: number;
  brokerId?: string;
  queueMax?: number;
}

/** One test's view of one kind's queue. */
export function queueOf(store: () => CredentialStore, kind: string) {
  const tokens = new Map<string, string>();
  return {
    kind,
    /** An acquire with `wait`; the sealed token names the call's token, so tests can tell them apart. */
    async ask(ticketId: string, options: AskOptions): Promise<AcquireResult> {
      const leaseToken = fakeLeaseToken('queued');
      const result = await store().acquire({
        kind,
        ownerId: options.ownerId ?? `owner-of-${ticketId.slice(0, 8)}`,
        actorRole: options.actorRole ?? 'ci',
        leaseToken,
        leaseTtlMs: TTL,
        nowMs: options.nowMs,
        wait: {
          ticketId,
          priority: options.priority ?? 0,
          brokerId: options.brokerId ?? BROKER,
          sealedToken: `sealed(${leaseToken})`,
          queueMax: options.queueMax ?? WAIT_POLICY.queueMax,
        },
      });
      if (result.ok && result.lease.sealedToken === undefined) tokens.set(ticketId, leaseToken);
      return result;
    },
    /** The token the store kept for a ticket's delivered grant. */
    tokenOf(ticketId: string): string {
      const token = tokens.get(ticketId);
      if (!token) throw new Error(`ticket ${ticketId} was never delivered in this test`);
      return token;
    },
    /** An old client's acquire (no `wait`). */
    poll(ownerId: string, nowMs: number, actorRole: 'ci' | 'maintainer' = 'ci') {
      return store().acquire({
        kind,
        ownerId,
        actorRole,
        leaseToken: fakeLeaseToken('polled'),
        leaseTtlMs: TTL,
        nowMs,
      });
    },
    tick(ticketIds: string[], nowMs: number, brokerId = BROKER) {
      return store().tickWaiters({ kind, brokerId, ticketIds, nowMs });
    },
    async release(
      lease: { credentialId: string; leaseToken: string; ownerId: string },
      nowMs: number,
    ) {
      const result = await store().release({
        kind,
        ownerId: lease.ownerId,
        actorRole: 'ci',
        credentialId: lease.credentialId,
        leaseToken: lease.leaseToken,
        nowMs,
      });
      expect(result).toEqual({ ok: true, released: true });
    },
  };
}

export function expectWaiting(result: AcquireResult, position: number, queueLength: number): void {
  expect(result).toEqual({ ok: false, code: 'WAITING', queue: { position, queueLength } });
}

export function mustGrant(result: AcquireResult): GrantedLease {
  if (!result.ok) throw new Error(`expected a grant, got ${result.code}`);
  return result.lease;
}

export function describeWaitQueue(openStore: OpenStore): void {
  describe('wait queue', () => {
    const store = useFreshStore(openStore);

    /** A kind with `size` credentials, all held by v1 leases taken at T0. */
    async function exhaustedKind(size = 1) {
      const kind = uniqueId('kind');
      await addMany(store(), kind, size, T0 - 1_000);
      const holders = [];
      for (let i = 0; i < size; i++) {
        holders.push(await mustAcquire(store(), { kind, ownerId: `holder-${i}`, nowMs: T0 }));
      }
      return { queue: queueOf(store, kind), holders };
    }

    it('grants a ticket at once when a credential is free and nobody waits', async () => {
      const kind = uniqueId('kind');
      const [credential] = await addMany(store(), kind, 1);
      const queue = queueOf(store, kind);
      const lease = mustGrant(await queue.ask(ticketIdOf('t'), { nowMs: T0 + 10 }));
      expect(lease).toMatchObject({
        credentialId: credential!.credentialId,
        fencingToken: 1,
        waitedMs: 0,
        expiresAtMs: T0 + 10 + TTL,
      });
      expect(lease.sealedToken).toBeUndefined();
    });

    it('queues tickets first come, first served, and a re-ask keeps its place', async () => {
      const { queue } = await exhaustedKind();
      const [a, b, c] = [ticketIdOf('a'), ticketIdOf('b'), ticketIdOf('c')];
      expectWaiting(await queue.ask(a, { nowMs: T0 + 1 }), 1, 1);
      expectWaiting(await queue.ask(b, { nowMs: T0 + 2 }), 2, 2);
      expectWaiting(await queue.ask(c, { nowMs: T0 + 3 }), 3, 3);
      expectWaiting(await queue.ask(a, { nowMs: T0 + 4 }), 1, 3);
      expectWaiting(await queue.ask(c, { nowMs: T0 + 5 }), 3, 3);
      expectWaiting(await queue.ask(b, { nowMs: T0 + 6 }), 2, 3);
    });

    it('a waiting answer writes no event', async () => {
      const { queue } = await exhaustedKind();
      const before = await allEvents(store(), { category: 'lease' });
      expectWaiting(await queue.ask(ticketIdOf('a'), { nowMs: T0 + 1 }), 1, 1);
      expect(await allEvents(store(), { category: 'lease' })).toEqual(before);
    });

    it('release hands the credential to the head waiter in the same step', async () => {
      const { queue, holders } = await exhaustedKind();
      const [a, b] = [ticketIdOf('a'), ticketIdOf('b')];
      await queue.ask(a, { nowMs: T0 + 100 });
      await queue.ask(b, { nowMs: T0 + 200 });
      await queue.release(holders[0]!, T0 + 1_000);
      // Nobody else can take it, not even an old client asking right now.
      const polled = await queue.poll('latecomer', T0 + 1_001);
      expect(polled).toMatchObject({ ok: false, code: 'POOL_EXHAUSTED' });
      expect(await queue.tick([a, b], T0 + 1_002)).toMatchObject({ granted: [a] });
      const lease = mustGrant(await queue.ask(a, { nowMs: T0 + 1_050 }));
      expect(lease).toMatchObject({
        credentialId: holders[0]!.credentialId,
        fencingToken: 2,
        waitedMs: 900,
        expiresAtMs: T0 + 1_050 + TTL,
      });
      expect(lease.sealedToken).toBeUndefined();
      expectWaiting(await queue.ask(b, { nowMs: T0 + 1_060 }), 1, 2);
    });

    it('writes the acquire event of a queued grant in the grant step, with the waiter as owner', async () => {
      const { queue, holders } = await exhaustedKind();
      const a = ticketIdOf('a');
      await queue.ask(a, { nowMs: T0 + 100, ownerId: 'waiting-job', actorRole: 'maintainer' });
      await queue.release(holders[0]!, T0 + 1_000);
      const events = await allEvents(store(), { category: 'lease' });
      expect(events.at(-1)).toMatchObject({
        eventType: 'acquire',
        ownerId: 'waiting-job',
        actorRole: 'maintainer',
        credentialId: holders[0]!.credentialId,
        occurredAtMs: T0 + 1_000,
      });
      const count = events.length;
      mustGrant(
        await queue.ask(a, { nowMs: T0 + 1_100, ownerId: 'waiting-job', actorRole: 'maintainer' }),
      );
      expect(await allEvents(store(), { category: 'lease' })).toHaveLength(count);
    });

    it('a queued grant holds no token until delivered: the credential is leased to the waiter', async () => {
      const { queue, holders } = await exhaustedKind();
      const a = ticketIdOf('a');
      await queue.ask(a, { nowMs: T0 + 100, ownerId: 'waiter' });
      await queue.release(holders[0]!, T0 + 1_000);
      const record = await mustFind(store(), holders[0]!.credentialId, queue.kind);
      expect(record.lease).toMatchObject({ ownerId: 'waiter', acquiredAtMs: T0 + 1_000 });
      expect(record.lease!.expiresAtMs).toBe(T0 + 1_000 + GRACE);
      expect(
        await store().disableCredential({
          credentialId: holders[0]!.credentialId,
          actorId: 'x',
          nowMs: T0 + 1_001,
        }),
      ).toEqual({
        ok: false,
        code: 'LEASE_ACTIVE',
      });
    });

    it('a delivered ticket re-asked returns the same lease with the first sealed token', async () => {
      const kind = uniqueId('kind');
      await addMany(store(), kind, 1);
      const queue = queueOf(store, kind);
      const a = ticketIdOf('a');
      const first = mustGrant(await queue.ask(a, { nowMs: T0 + 10 }));
      const token = queue.tokenOf(a);
      const again = mustGrant(await queue.ask(a, { nowMs: T0 + 500, brokerId: 'broker-b' }));
      expect(again).toMatchObject({
        credentialId: first.credentialId,
        fencingToken: first.fencingToken,
        expiresAtMs: first.expiresAtMs,
        sealedToken: `sealed(${token})`,
      });
      // The first token holds the lease; the re-ask's own token was never stored.
      const heartbeat = await store().heartbeat({
        kind,
        ownerId: `owner-of-${a.slice(0, 8)}`,
        credentialId: first.credentialId,
        leaseToken: token,
        leaseTtlMs: TTL,
        nowMs: T0 + 600,
      });
      expect(heartbeat).toEqual({ ok: true, expiresAtMs: T0 + 600 + TTL });
      const reasked = mustGrant(await queue.ask(a, { nowMs: T0 + 700 }));
      expect(reasked.expiresAtMs).toBe(T0 + 600 + TTL);
    });

    it('a ticket whose lease has ended starts a new wait at the back', async () => {
      const { queue, holders } = await exhaustedKind();
      const [a, b] = [ticketIdOf('a'), ticketIdOf('b')];
      await queue.ask(a, { nowMs: T0 + 1, ownerId: 'job-a' });
      await queue.release(holders[0]!, T0 + 10);
      const lease = mustGrant(await queue.ask(a, { nowMs: T0 + 20, ownerId: 'job-a' }));
      expectWaiting(await queue.ask(b, { nowMs: T0 + 30 }), 1, 1);
      await queue.release(
        { credentialId: lease.credentialId, leaseToken: queue.tokenOf(a), ownerId: 'job-a' },
        T0 + 40,
      );
      // b was first: it got the credential; a queues again, behind nobody waiting.
      expect(await queue.tick([b], T0 + 41)).toMatchObject({ granted: [b] });
      expectWaiting(await queue.ask(a, { nowMs: T0 + 50, ownerId: 'job-a' }), 1, 1);
    });

    it('serves higher priority first, equal priorities in arrival order, priority fixed by the first ask', async () => {
      const { queue, holders } = await exhaustedKind(3);
      const [low, mid1, mid2, high] = [
        ticketIdOf('l'),
        ticketIdOf('m1'),
        ticketIdOf('m2'),
        ticketIdOf('h'),
      ];
      expectWaiting(await queue.ask(low, { nowMs: T0 + 1, priority: -5 }), 1, 1);
      expectWaiting(await queue.ask(mid1, { nowMs: T0 + 2 }), 1, 2);
      expectWaiting(await queue.ask(mid2, { nowMs: T0 + 3 }), 2, 3);
      expectWaiting(
        await queue.ask(high, { nowMs: T0 + 4, priority: 50, actorRole: 'maintainer' }),
        1,
        4,
      );
      // Asking again with another priority changes nothing.
      expectWaiting(await queue.ask(low, { nowMs: T0 + 5, priority: 100 }), 4, 4);
      for (const [i, holder] of holders.entries()) await queue.release(holder, T0 + 10 + i);
      const tick = await queue.tick([low, mid1, mid2, high], T0 + 20);
      expect(new Set(tick.granted)).toEqual(new Set([high, mid1, mid2]));
      expectWaiting(await queue.ask(low, { nowMs: T0 + 21, priority: -5 }), 1, 1);
    });

    it('hands releases on in strict arrival order across many waiters', async () => {
      const { queue, holders } = await exhaustedKind(1);
      const tickets = Array.from({ length: 6 }, (_, i) => ticketIdOf(`w${i}`));
      for (const [i, ticket] of tickets.entries()) {
        await queue.ask(ticket, { nowMs: T0 + 10 + i, ownerId: `job-${i}` });
      }
      let holder: { credentialId: string; leaseToken: string; ownerId: string } = holders[0]!;
      let now = T0 + 100;
      for (const [i, ticket] of tickets.entries()) {
        await queue.release(holder, now);
        // Each waiter keeps renewing; only the head gets the credential.
        const tick = await queue.tick(tickets.slice(i), now + 1);
        expect(tick.granted).toEqual([ticket]);
        const lease = mustGrant(await queue.ask(ticket, { nowMs: now + 2, ownerId: `job-${i}` }));
        holder = {
          credentialId: lease.credentialId,
          leaseToken: queue.tokenOf(ticket),
          ownerId: `job-${i}`,
        };
        now += 1_000;
      }
    });

    it('TICKET_CONFLICT when another owner or role presents the ticket; other kinds never collide', async () => {
      const { queue } = await exhaustedKind();
      const a = ticketIdOf('a');
      expectWaiting(await queue.ask(a, { nowMs: T0 + 1, ownerId: 'job-1' }), 1, 1);
      expect(await queue.ask(a, { nowMs: T0 + 2, ownerId: 'job-2' })).toEqual({
        ok: false,
        code: 'TICKET_CONFLICT',
      });
      expect(
        await queue.ask(a, { nowMs: T0 + 3, ownerId: 'job-1', actorRole: 'maintainer' }),
      ).toEqual({
        ok: false,
        code: 'TICKET_CONFLICT',
      });
      const other = await exhaustedKind();
      expectWaiting(await other.queue.ask(a, { nowMs: T0 + 4, ownerId: 'job-2' }), 1, 1);
      expectWaiting(await queue.ask(a, { nowMs: T0 + 5, ownerId: 'job-1' }), 1, 1);
    });

    it('QUEUE_FULL for a new ticket once queueMax live tickets wait; known tickets and old clients still pass', async () => {
      const { queue } = await exhaustedKind();
      const [a, b, c] = [ticketIdOf('a'), ticketIdOf('b'), ticketIdOf('c')];
      expectWaiting(await queue.ask(a, { nowMs: T0 + 1, queueMax: 2 }), 1, 1);
      expectWaiting(await queue.ask(b, { nowMs: T0 + 2, queueMax: 2 }), 2, 2);
      expect(await queue.ask(c, { nowMs: T0 + 3, queueMax: 2 })).toEqual({
        ok: false,
        code: 'QUEUE_FULL',
      });
      expectWaiting(await queue.ask(a, { nowMs: T0 + 4, queueMax: 2 }), 1, 2);
      expect(await queue.poll('old-client', T0 + 5)).toMatchObject({
        ok: false,
        code: 'POOL_EXHAUSTED',
        queue: { position: 3, queueLength: 3 },
      });
      // Once a lapses, there is room again.
      await queue.tick([b], T0 + 4_000);
      expectWaiting(await queue.ask(c, { nowMs: T0 + 4 + GRACE + 1, queueMax: 2 }), 2, 2);
    });

    it('a ticket not renewed lapses ticketGraceMs after its last ask, and rejoins at the back', async () => {
      const { queue, holders } = await exhaustedKind();
      const [a, b] = [ticketIdOf('a'), ticketIdOf('b')];
      await queue.ask(a, { nowMs: T0 });
      await queue.ask(b, { nowMs: T0 + 10 });
      // b keeps renewing, a does not.
      await queue.tick([b], T0 + 4_000);
      await queue.tick([b], T0 + 8_000);
      await queue.release(holders[0]!, T0 + GRACE + 100);
      expect((await queue.tick([a, b], T0 + GRACE + 101)).granted).toEqual([b]);
      expectWaiting(await queue.ask(a, { nowMs: T0 + GRACE + 200 }), 1, 1);
    });

    it('tickWaiters keeps a ticket live past ticketGraceMs', async () => {
      const { queue } = await exhaustedKind();
      const [a, b] = [ticketIdOf('a'), ticketIdOf('b')];
      await queue.ask(a, { nowMs: T0 });
      await queue.ask(b, { nowMs: T0 + 1 });
      for (let t = 1_000; t <= 20_000; t += 1_000) await queue.tick([a, b], T0 + t);
      expectWaiting(await queue.ask(b, { nowMs: T0 + 20_500 }), 2, 2);
    });

    it('a grant not picked up within ticketGraceMs is reclaimed and handed on', async () => {
      const { queue, holders } = await exhaustedKind();
      const [a, b] = [ticketIdOf('a'), ticketIdOf('b')];
      await queue.ask(a, { nowMs: T0 });
      await queue.ask(b, { nowMs: T0 + 1 });
      await queue.release(holders[0]!, T0 + 1_000);
      // a's broker died: nobody delivers; b's broker keeps ticking.
      await queue.tick([b], T0 + 3_000);
      expect((await queue.tick([b], T0 + 1_000 + GRACE - 1)).granted).toEqual([]);
      expect((await queue.tick([b], T0 + 1_000 + GRACE + 1)).granted).toEqual([b]);
      const lease = mustGrant(await queue.ask(b, { nowMs: T0 + 1_000 + GRACE + 2 }));
      expect(lease.fencingToken).toBe(3);
      // a, coming back, queues again.
      expectWaiting(await queue.ask(a, { nowMs: T0 + 1_000 + GRACE + 3 }), 1, 1);
    });

    it('cancelWait hands an undelivered grant on at once, and leaves a waiting ticket its place', async () => {
      const { queue, holders } = await exhaustedKind();
      const [a, b] = [ticketIdOf('a'), ticketIdOf('b')];
      await queue.ask(a, { nowMs: T0 });
      await queue.ask(b, { nowMs: T0 + 1 });
      await store().cancelWait({ kind: queue.kind, ticketId: b, nowMs: T0 + 2 });
      await queue.release(holders[0]!, T0 + 10);
      await store().cancelWait({ kind: queue.kind, ticketId: a, nowMs: T0 + 11 });
      expect((await queue.tick([b], T0 + 12)).granted).toEqual([b]);
      const lease = mustGrant(await queue.ask(b, { nowMs: T0 + 13 }));
      expect(lease.credentialId).toBe(holders[0]!.credentialId);
    });

    it('an expired lease is handed on by tickWaiters, which names the earliest expiry', async () => {
      const { queue, holders } = await exhaustedKind();
      const a = ticketIdOf('a');
      await queue.ask(a, { nowMs: T0 + 1 });
      const first = await queue.tick([a], T0 + 2);
      expect(first).toEqual({ granted: [], nextExpiryAtMs: holders[0]!.expiresAtMs });
      for (let t = T0 + 1_000; t < holders[0]!.expiresAtMs; t += 4_000) await queue.tick([a], t);
      const atExpiry = await queue.tick([a], holders[0]!.expiresAtMs + 1);
      expect(atExpiry.granted).toEqual([a]);
      expect(atExpiry.nextExpiryAtMs).toBe(holders[0]!.expiresAtMs + 1 + GRACE);
      const lease = mustGrant(await queue.ask(a, { nowMs: holders[0]!.expiresAtMs + 2 }));
      expect(lease.credentialId).toBe(holders[0]!.credentialId);
    });

    it('adding a credential hands it to the head waiter', async () => {
      const kind = uniqueId('kind');
      const queue = queueOf(store, kind);
      const a = ticketIdOf('a');
      expectWaiting(await queue.ask(a, { nowMs: T0 }), 1, 1);
      const added = await store().addCredential(addInput({ kind, nowMs: T0 + 5 }));
      expect((await queue.tick([a], T0 + 6)).granted).toEqual([a]);
      expect(mustGrant(await queue.ask(a, { nowMs: T0 + 7 })).credentialId).toBe(
        added.credentialId,
      );
    });

    it('old clients follow v1 while no ticket waits', async () => {
      const kind = uniqueId('kind');
      await addMany(store(), kind, 1);
      const queue = queueOf(store, kind);
      expect(await queue.poll('old-1', T0)).toMatchObject({ ok: true });
      expect(await queue.poll('old-2', T0 + 1)).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
      const events = await allEvents(store(), { category: 'lease' });
      expect(events.map((event) => event.eventType)).toEqual(['acquire', 'acquire_failed']);
    });

    it('old clients join the queue implicitly while tickets wait, and a reservation waits for their poll', async () => {
      const { queue, holders } = await exhaustedKind(2);
      const [a, b] = [ticketIdOf('a'), ticketIdOf('b')];
      expectWaiting(await queue.ask(a, { nowMs: T0 + 1 }), 1, 1);
      expect(await queue.poll('old-client', T0 + 2)).toEqual({
        ok: false,
        code: 'POOL_EXHAUSTED',
        queue: { position: 2, queueLength: 2 },
      });
      expectWaiting(await queue.ask(b, { nowMs: T0 + 3 }), 3, 3);
      await queue.release(holders[0]!, T0 + 100); // → a
      await queue.release(holders[1]!, T0 + 200); // → reserved for old-client
      expect((await queue.tick([a, b], T0 + 201)).granted).toEqual([a]);
      // The ticket behind it does not take the reserved credential.
      expectWaiting(await queue.ask(b, { nowMs: T0 + 202 }), 1, 1);
      const polled = await queue.poll('old-client', T0 + 300);
      expect(polled).toMatchObject({ ok: true, lease: { credentialId: holders[1]!.credentialId } });
      // Consumed by its grant: the next poll of the same owner queues anew.
      expect(await queue.poll('old-client', T0 + 400)).toEqual({
        ok: false,
        code: 'POOL_EXHAUSTED',
        queue: { position: 2, queueLength: 2 },
      });
    });

    it('a reservation lapses when its old client stops polling, and goes to the next waiter', async () => {
      const { queue, holders } = await exhaustedKind();
      const [a, b] = [ticketIdOf('a'), ticketIdOf('b')];
      // No ticket waits yet: a plain v1 refusal, no place.
      expect(await queue.poll('old-client', T0)).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
      expectWaiting(await queue.ask(a, { nowMs: T0 + 1 }), 1, 1);
      expect(await queue.poll('old-client', T0 + 2)).toMatchObject({ queue: { position: 2 } });
      expectWaiting(await queue.ask(b, { nowMs: T0 + 3 }), 3, 3);
      await queue.release(holders[0]!, T0 + 4); // → a
      const lease = mustGrant(await queue.ask(a, { nowMs: T0 + 5 }));
      expect(await queue.poll('old-client', T0 + 7)).toMatchObject({ queue: { position: 1 } });
      await queue.release(
        {
          credentialId: lease.credentialId,
          leaseToken: queue.tokenOf(a),
          ownerId: `owner-of-${a.slice(0, 8)}`,
        },
        T0 + 10,
      );
      // Reserved for old-client until it lapses (last poll + grace); then b gets it.
      await queue.tick([b], T0 + 4_000);
      expect((await queue.tick([b], T0 + 7 + GRACE - 1)).granted).toEqual([]);
      expect((await queue.tick([b], T0 + 7 + GRACE + 1)).granted).toEqual([b]);
    });

    it('listQueues shows live waiters in order with their mode, never lapsed ones', async () => {
      const { queue, holders } = await exhaustedKind();
      const [a, b, c] = [ticketIdOf('a'), ticketIdOf('b'), ticketIdOf('c')];
      await queue.ask(a, { nowMs: T0, ownerId: 'job-a' });
      await queue.ask(b, {
        nowMs: T0 + 10,
        ownerId: 'job-b',
        priority: 5,
        actorRole: 'maintainer',
      });
      await queue.poll('old-client', T0 + 20);
      await queue.ask(c, { nowMs: T0 + 30, ownerId: 'job-c' });
      await queue.release(holders[0]!, T0 + 40); // → b (priority 5)
      const [listed] = await store().listQueues({ kind: queue.kind, limit: 100, nowMs: T0 + 50 });
      expect(listed?.kind).toBe(queue.kind);
      expect(listed?.waiters).toEqual([
        {
          waiterId: b,
          explicit: true,
          ownerId: 'job-b',
          actorRole: 'maintainer',
          priority: 5,
          waitedMs: 40,
          reserved: true,
        },
        {
          waiterId: a,
          explicit: true,
          ownerId: 'job-a',
          actorRole: 'ci',
          priority: 0,
          waitedMs: 50,
          reserved: false,
        },
        expect.objectContaining({
          explicit: false,
          ownerId: 'old-client',
          actorRole: 'ci',
          priority: 0,
          waitedMs: 30,
          reserved: false,
        }),
        {
          waiterId: c,
          explicit: true,
          ownerId: 'job-c',
          actorRole: 'ci',
          priority: 0,
          waitedMs: 20,
          reserved: false,
        },
      ]);
      const limited = await store().listQueues({ kind: queue.kind, limit: 2, nowMs: T0 + 50 });
      expect(limited[0]?.waiters.map((waiter) => waiter.waiterId)).toEqual([b, a]);
      // Nobody renews: past the grace only b's grant (until its pickup) would remain, and it lapses too.
      expect(
        await store().listQueues({ kind: queue.kind, limit: 100, nowMs: T0 + 40 + GRACE + 1 }),
      ).toEqual([]);
    });

    it('poolStats counts live waiters', async () => {
      const { queue } = await exhaustedKind();
      await queue.ask(ticketIdOf('a'), { nowMs: T0 + 1 });
      await queue.ask(ticketIdOf('b'), { nowMs: T0 + 2 });
      const stats = await store().poolStats();
      expect(stats.find((entry) => entry.kind === queue.kind)).toMatchObject({
        free: 0,
        leased: 1,
        waiting: 2,
      });
    });

    it('concurrent tickets get distinct places, and concurrent releases never grant one credential twice', async () => {
      const { queue, holders } = await exhaustedKind(5);
      const tickets = Array.from({ length: 20 }, (_, i) => ticketIdOf(`c${i}`));
      const answers = await Promise.all(
        tickets.map((ticket) => queue.ask(ticket, { nowMs: T0 + 10 })),
      );
      const positions = answers.map((answer) =>
        answer.ok || answer.code !== 'WAITING' ? 0 : answer.queue.position,
      );
      expect([...positions].sort((x, y) => x - y)).toEqual(tickets.map((_, i) => i + 1));
      await Promise.all(holders.map((holder) => queue.release(holder, T0 + 20)));
      const { granted } = await queue.tick(tickets, T0 + 21);
      expect(granted).toHaveLength(5);
      const byPosition = tickets.filter((_, i) => positions[i]! <= 5);
      expect(new Set(granted)).toEqual(new Set(byPosition));
      const leases = await Promise.all(
        granted.map((ticket) => queue.ask(ticket, { nowMs: T0 + 22 })),
      );
      const credentials = leases.map((lease) => mustGrant(lease).credentialId);
      expect(new Set(credentials).size).toBe(5);
    });

    it('subscribeWakeups tells the waiter’s broker of its grant', async () => {
      const kind = uniqueId('kind');
      await addMany(store(), kind, 1);
      const holder = await mustAcquire(store(), {
        kind,
        ownerId: 'holder',
        nowMs: await store().now(),
      });
      const queue = queueOf(store, kind);
      const brokerId = uniqueId('broker');
      const woken: string[] = [];
      const subscription = await store().subscribeWakeups(brokerId, (ticketIds) =>
        woken.push(...ticketIds),
      );
      try {
        const a = ticketIdOf('a');
        expectWaiting(await queue.ask(a, { nowMs: await store().now(), brokerId }), 1, 1);
        await queue.release(holder, await store().now());
        const deadline = Date.now() + 3_000;
        while (!woken.includes(a) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
        expect(woken).toContain(a);
      } finally {
        await subscription.close();
      }
    });
  });
}
