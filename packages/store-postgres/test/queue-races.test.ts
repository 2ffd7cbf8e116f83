import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WAIT_POLICY } from '@qa-broker/contract';
import type { PostgresStore } from '../src/index.js';
import { openScratchPostgresStore } from './support/postgres-server.js';

const NOW = 1_800_000_000_000;
const TTL = 60_000;

function ticketId(): string {
  return createHash('sha256').update(randomBytes(16)).digest('hex');
}

/**
 * The spec's "PostgreSQL trap", on a real pool where statements truly overlap: under READ
 * COMMITTED a release and a concurrent enqueue would not see each other, leaving a
 * credential free while a ticket waits. With the per-kind queue lock (shared for v1,
 * exclusive for queue steps) every release either hands its credential on or is seen by
 * the enqueue — without any tick to repair it afterwards.
 */
describe('queue races on a real PostgreSQL pool', () => {
  let store: PostgresStore;

  beforeAll(async () => {
    store = await openScratchPostgresStore({ poolSize: 20 });
  });
  afterAll(async () => {
    await store?.close();
  });

  async function leasedKind(kind: string, size: number) {
    const holders = [];
    for (let i = 0; i < size; i++) {
      const credentialId = `${kind}-c${i}`;
      await store.addCredential({
        credentialId,
        kind,
        payload: { pieces: ['{"fake":"x"}'], byteLength: 12 },
        status: 'active',
        actorId: 'admin',
        nowMs: NOW,
      });
    }
    for (let i = 0; i < size; i++) {
      const leaseToken = `fake-holder-${kind}-${i}`;
      const result = await store.acquire({
        kind,
        ownerId: `holder-${i}`,
        actorRole: 'ci',
        leaseToken,
        leaseTtlMs: TTL,
        nowMs: NOW,
      });
      if (!result.ok) throw new Error('setup: expected a grant');
      holders.push({ credentialId: result.lease.credentialId, ownerId: `holder-${i}`, leaseToken });
    }
    return holders;
  }

  function ask(kind: string, ticket: string, nowMs: number) {
    return store.acquire({
      kind,
      ownerId: `job-${ticket.slice(0, 8)}`,
      actorRole: 'ci',
      leaseToken: `fake-${ticket.slice(0, 16)}`,
      leaseTtlMs: TTL,
      nowMs,
      wait: {
        ticketId: ticket,
        priority: 0,
        brokerId: 'broker-race',
        sealedToken: 'sealed(fake)',
        queueMax: WAIT_POLICY.queueMax,
      },
    });
  }

  it('releases racing enqueues never leave a credential free while a ticket waits, ten rounds', async () => {
    for (let round = 0; round < 10; round++) {
      const kind = `race-${round}-${randomBytes(3).toString('hex')}`;
      const holders = await leasedKind(kind, 8);
      const tickets = Array.from({ length: 8 }, ticketId);
      const now = NOW + 1_000;
      const answers = await Promise.all([
        ...tickets.map((ticket) => ask(kind, ticket, now)),
        ...holders.map((holder) => store.release({ kind, actorRole: 'ci', nowMs: now, ...holder })),
      ]);
      const releases = answers.slice(tickets.length);
      expect(releases.every((answer) => answer.ok)).toBe(true);
      // Every ticket got a credential, at once or as a grant waiting for pickup.
      const stats = (await store.poolStats()).find((entry) => entry.kind === kind);
      expect(stats).toMatchObject({ free: 0, leased: 8, waiting: 0 });
      const queued = await store.listQueues({ kind, limit: 100, nowMs: now + 1 });
      const immediate = answers.slice(0, tickets.length).filter((answer) => answer.ok).length;
      expect(queued.flatMap((queue) => queue.waiters).every((waiter) => waiter.reserved)).toBe(
        true,
      );
      expect(immediate + (queued[0]?.waiters.length ?? 0)).toBe(8);
    }
  });

  it('old clients polling while releases hand off to waiting tickets take nothing from them', async () => {
    const kind = `fair-${randomBytes(3).toString('hex')}`;
    const holders = await leasedKind(kind, 5);
    const tickets = Array.from({ length: 5 }, ticketId);
    for (const ticket of tickets)
      expect(await ask(kind, ticket, NOW + 100)).toMatchObject({ code: 'WAITING' });
    const now = NOW + 1_000;
    const answers = await Promise.all([
      ...holders.map((holder) => store.release({ kind, actorRole: 'ci', nowMs: now, ...holder })),
      ...Array.from({ length: 20 }, (_, i) =>
        store.acquire({
          kind,
          ownerId: `old-${i}`,
          actorRole: 'ci',
          leaseToken: `fake-old-${i}`,
          leaseTtlMs: TTL,
          nowMs: now,
        }),
      ),
    ]);
    const polls = answers.slice(holders.length);
    expect(polls.filter((answer) => answer.ok)).toEqual([]);
    const tick = await store.tickWaiters({
      kind,
      brokerId: 'broker-race',
      ticketIds: tickets,
      nowMs: now + 1,
    });
    expect(new Set(tick.granted)).toEqual(new Set(tickets));
    const leases = await Promise.all(tickets.map((ticket) => ask(kind, ticket, now + 2)));
    const credentials = leases.map((lease) => (lease.ok ? lease.lease.credentialId : ''));
    expect(new Set(credentials).size).toBe(5);
    expect(credentials).not.toContain('');
  });
});
