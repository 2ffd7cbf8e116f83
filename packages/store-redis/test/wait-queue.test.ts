import { WAIT_POLICY } from '@qa-broker/contract';
import type { AcquireInput, AcquireResult, TicketWait } from '@qa-broker/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { poolStatsScript } from '../src/ops/pool-stats.js';
import type { RedisStore } from '../src/redis-store.js';
import { openIsolatedStore } from './support/test-redis.js';

/**
 * The wait queue through the store's methods, time moved by explicit `nowMs`: the rules
 * of QUEUE-STORE-DESIGN.md that matter for the Redis scripts (hand-on in the same step,
 * queued grants as token-less leases, delivery, lapses, old clients, bounded steps).
 */

const T0 = 1_900_000_000_000;
const TTL = 60_000;
const GRACE = WAIT_POLICY.ticketGraceMs;
const KIND = 'fake-queue-kind';
const BROKER = 'fake-broker-1';

let store: RedisStore;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ store, cleanup } = await openIsolatedStore());
});

afterEach(async () => {
  await cleanup();
});

async function add(credentialId: string, nowMs = T0) {
  return store.addCredential({
    credentialId,
    kind: KIND,
    payload: { pieces: ['{"fake":"x"}'], byteLength: 12 },
    status: 'active',
    actorId: 'fake-admin',
    nowMs,
  });
}

function ticketWait(ticketId: string, overrides: Partial<TicketWait> = {}): TicketWait {
  return {
    ticketId,
    priority: 0,
    brokerId: BROKER,
    sealedToken: `sealed-${ticketId}`,
    queueMax: WAIT_POLICY.queueMax,
    ...overrides,
  };
}

function acquire(
  nowMs: number,
  ownerId: string,
  options: { wait?: TicketWait; token?: string; role?: 'ci' | 'maintainer' } = {},
): Promise<AcquireResult> {
  const input: AcquireInput = {
    kind: KIND,
    ownerId,
    actorRole: options.role ?? 'ci',
    leaseToken: options.token ?? `fake-token-${ownerId}-${nowMs}`,
    leaseTtlMs: TTL,
    nowMs,
    ...(options.wait ? { wait: options.wait } : {}),
  };
  return store.acquire(input);
}

function leaseOf(result: AcquireResult) {
  if (!result.ok) throw new Error(`expected a grant, got ${result.code}`);
  return result.lease;
}

describe('tickets', () => {
  it('grants at once when a credential is free and nobody waits, with waitedMs 0', async () => {
    await add('cred-1');
    const lease = leaseOf(
      await acquire(T0 + 1, 'owner-a', { wait: ticketWait('t-a'), token: 'fake-a' }),
    );
    expect(lease).toMatchObject({ credentialId: 'cred-1', fencingToken: 1, waitedMs: 0 });
    expect(lease.sealedToken).toBeUndefined();
    expect(
      await store.heartbeat({
        kind: KIND,
        ownerId: 'owner-a',
        credentialId: 'cred-1',
        leaseToken: 'fake-a',
        leaseTtlMs: TTL,
        nowMs: T0 + 2,
      }),
    ).toEqual({ ok: true, expiresAtMs: T0 + 2 + TTL });
  });

  it('queues in order, hands a released credential to the head in the same step, delivers once', async () => {
    await add('cred-1');
    leaseOf(await acquire(T0, 'holder', { token: 'fake-holder' }));
    expect(await acquire(T0 + 10, 'owner-a', { wait: ticketWait('t-a') })).toEqual({
      ok: false,
      code: 'WAITING',
      queue: { position: 1, queueLength: 1 },
    });
    expect(await acquire(T0 + 20, 'owner-b', { wait: ticketWait('t-b') })).toEqual({
      ok: false,
      code: 'WAITING',
      queue: { position: 2, queueLength: 2 },
    });
    const released = await store.release({
      kind: KIND,
      ownerId: 'holder',
      credentialId: 'cred-1',
      leaseToken: 'fake-holder',
      actorRole: 'ci',
      nowMs: T0 + 100,
    });
    expect(released).toEqual({ ok: true, released: true });

    // The queued grant is a lease without a token: listed, but nobody's token matches it.
    const [record] = await store.listCredentials({
      kind: KIND,
      status: 'all',
      includePayload: false,
      limit: 10,
    });
    expect(record?.lease).toEqual({
      ownerId: 'owner-a',
      actorRole: 'ci',
      acquiredAtMs: T0 + 100,
      heartbeatAtMs: T0 + 100,
      expiresAtMs: T0 + 100 + GRACE,
    });
    const beat = {
      kind: KIND,
      ownerId: 'owner-a',
      credentialId: 'cred-1',
      leaseToken: 'fake-any',
      leaseTtlMs: TTL,
      nowMs: T0 + 101,
    };
    expect(await store.heartbeat(beat)).toEqual({ ok: false, code: 'LEASE_NOT_OWNER' });
    expect(await store.release({ ...beat, actorRole: 'ci' })).toEqual({
      ok: false,
      code: 'LEASE_NOT_OWNER',
    });
    expect(
      await store.tickWaiters({
        kind: KIND,
        brokerId: BROKER,
        ticketIds: ['t-a', 't-b'],
        nowMs: T0 + 102,
      }),
    ).toEqual({
      granted: ['t-a'],
      nextExpiryAtMs: T0 + 100 + GRACE,
    });
    expect(await store.listQueues({ kind: KIND, limit: 10, nowMs: T0 + 150 })).toEqual([
      {
        kind: KIND,
        waiters: [
          {
            waiterId: 't-a',
            explicit: true,
            ownerId: 'owner-a',
            actorRole: 'ci',
            priority: 0,
            waitedMs: 140,
            reserved: true,
          },
          {
            waiterId: 't-b',
            explicit: true,
            ownerId: 'owner-b',
            actorRole: 'ci',
            priority: 0,
            waitedMs: 130,
            reserved: false,
          },
        ],
      },
    ]);

    const delivered = leaseOf(
      await acquire(T0 + 200, 'owner-a', { wait: ticketWait('t-a'), token: 'fake-a-1' }),
    );
    expect(delivered).toMatchObject({
      credentialId: 'cred-1',
      fencingToken: 2,
      expiresAtMs: T0 + 200 + TTL,
      waitedMs: 90,
      acquiredAtMs: T0 + 100,
    });
    expect(delivered.sealedToken).toBeUndefined();
    // A re-ask with another token gets the same lease and the first delivery's sealed token.
    const again = leaseOf(
      await acquire(T0 + 300, 'owner-a', {
        wait: ticketWait('t-a', { sealedToken: 'sealed-other' }),
        token: 'fake-a-2',
      }),
    );
    expect(again).toEqual({ ...delivered, sealedToken: 'sealed-t-a' });
    expect(await store.heartbeat({ ...beat, leaseToken: 'fake-a-1', nowMs: T0 + 301 })).toEqual({
      ok: true,
      expiresAtMs: T0 + 301 + TTL,
    });
    expect(await store.heartbeat({ ...beat, leaseToken: 'fake-a-2', nowMs: T0 + 301 })).toEqual({
      ok: false,
      code: 'LEASE_NOT_OWNER',
    });
  });
});

describe('ticket rules', () => {
  it('serves higher priority first and keeps a ticket’s first priority', async () => {
    await add('cred-1');
    leaseOf(await acquire(T0, 'holder', { token: 'fake-holder' }));
    await acquire(T0 + 1, 'owner-a', { wait: ticketWait('t-a') });
    await acquire(T0 + 2, 'owner-m', {
      wait: ticketWait('t-m', { priority: 10 }),
      role: 'maintainer',
    });
    // A re-ask with another priority does not move the ticket.
    expect(await acquire(T0 + 3, 'owner-a', { wait: ticketWait('t-a', { priority: 50 }) })).toEqual(
      {
        ok: false,
        code: 'WAITING',
        queue: { position: 2, queueLength: 2 },
      },
    );
    await store.release({
      kind: KIND,
      ownerId: 'holder',
      credentialId: 'cred-1',
      leaseToken: 'fake-holder',
      actorRole: 'ci',
      nowMs: T0 + 4,
    });
    const ticks = await store.tickWaiters({
      kind: KIND,
      brokerId: BROKER,
      ticketIds: ['t-a', 't-m'],
      nowMs: T0 + 5,
    });
    expect(ticks.granted).toEqual(['t-m']);
  });

  it('answers TICKET_CONFLICT to another owner or role, QUEUE_FULL past queueMax, changing nothing', async () => {
    await add('cred-1');
    leaseOf(await acquire(T0, 'holder'));
    await acquire(T0 + 1, 'owner-a', { wait: ticketWait('t-a') });
    expect(await acquire(T0 + 2, 'owner-b', { wait: ticketWait('t-a') })).toEqual({
      ok: false,
      code: 'TICKET_CONFLICT',
    });
    expect(
      await acquire(T0 + 2, 'owner-a', { wait: ticketWait('t-a'), role: 'maintainer' }),
    ).toEqual({
      ok: false,
      code: 'TICKET_CONFLICT',
    });
    expect(await acquire(T0 + 3, 'owner-b', { wait: ticketWait('t-b', { queueMax: 1 }) })).toEqual({
      ok: false,
      code: 'QUEUE_FULL',
    });
    // The waiting ticket itself is never refused by the cap.
    expect(
      await acquire(T0 + 4, 'owner-a', { wait: ticketWait('t-a', { queueMax: 1 }) }),
    ).toMatchObject({ code: 'WAITING' });
    expect(await poolStatsScript(store.client, store.keys.kind(KIND), KIND, T0 + 4)).toMatchObject({
      leased: 1,
      waiting: 1,
    });
  });

  it('lets an unrenewed ticket lapse after ticketGraceMs; asking again joins at the back', async () => {
    await add('cred-1');
    leaseOf(await acquire(T0, 'holder'));
    await acquire(T0 + 1, 'owner-a', { wait: ticketWait('t-a') });
    await acquire(T0 + 2, 'owner-b', { wait: ticketWait('t-b') });
    // t-b is renewed by its broker's tick; t-a is not.
    await store.tickWaiters({
      kind: KIND,
      brokerId: BROKER,
      ticketIds: ['t-b'],
      nowMs: T0 + 3_000,
    });
    expect(await acquire(T0 + 1 + GRACE, 'owner-a', { wait: ticketWait('t-a') })).toEqual({
      ok: false,
      code: 'WAITING',
      queue: { position: 2, queueLength: 2 },
    });
    expect(await store.listQueues({ limit: 10, nowMs: T0 + 1 + GRACE })).toMatchObject([
      { kind: KIND, waiters: [{ waiterId: 't-b' }, { waiterId: 't-a', waitedMs: 0 }] },
    ]);
  });

  it('reclaims a grant not picked up by pickupBy and hands it on', async () => {
    await add('cred-1');
    leaseOf(await acquire(T0, 'holder', { token: 'fake-holder' }));
    await acquire(T0 + 1, 'owner-a', { wait: ticketWait('t-a') });
    await acquire(T0 + 2, 'owner-b', { wait: ticketWait('t-b') });
    await store.release({
      kind: KIND,
      ownerId: 'holder',
      credentialId: 'cred-1',
      leaseToken: 'fake-holder',
      actorRole: 'ci',
      nowMs: T0 + 10,
    });
    // t-a never picks up; t-b's broker keeps ticking past t-a's pickupBy.
    await store.tickWaiters({
      kind: KIND,
      brokerId: BROKER,
      ticketIds: ['t-b'],
      nowMs: T0 + 4_000,
    });
    expect(
      await store.tickWaiters({
        kind: KIND,
        brokerId: BROKER,
        ticketIds: ['t-b'],
        nowMs: T0 + 10 + GRACE,
      }),
    ).toEqual({
      granted: ['t-b'],
      nextExpiryAtMs: T0 + 10 + 2 * GRACE,
    });
    // t-a lost its grant and its place: it starts a new wait.
    expect(await acquire(T0 + 11 + GRACE, 'owner-a', { wait: ticketWait('t-a') })).toMatchObject({
      code: 'WAITING',
      queue: { position: 1, queueLength: 1 },
    });
    expect(
      leaseOf(await acquire(T0 + 12 + GRACE, 'owner-b', { wait: ticketWait('t-b') })),
    ).toMatchObject({
      credentialId: 'cred-1',
      fencingToken: 3,
    });
  });

  it('cancelWait hands an undelivered grant on with a release event; a waiting ticket keeps its place', async () => {
    await add('cred-1');
    leaseOf(await acquire(T0, 'holder', { token: 'fake-holder' }));
    await acquire(T0 + 1, 'owner-a', { wait: ticketWait('t-a') });
    await acquire(T0 + 2, 'owner-b', { wait: ticketWait('t-b') });
    await store.cancelWait({ kind: KIND, ticketId: 't-b', nowMs: T0 + 3 });
    expect(await acquire(T0 + 4, 'owner-b', { wait: ticketWait('t-b') })).toMatchObject({
      queue: { position: 2 },
    });
    await store.release({
      kind: KIND,
      ownerId: 'holder',
      credentialId: 'cred-1',
      leaseToken: 'fake-holder',
      actorRole: 'ci',
      nowMs: T0 + 10,
    });
    await store.cancelWait({ kind: KIND, ticketId: 't-a', nowMs: T0 + 20 });
    expect(
      (
        await store.tickWaiters({
          kind: KIND,
          brokerId: BROKER,
          ticketIds: ['t-a', 't-b'],
          nowMs: T0 + 21,
        })
      ).granted,
    ).toEqual(['t-b']);
    const { events } = await store.listEvents({ kind: KIND, category: 'lease', limit: 20 });
    const trail = events.map((event) =>
      event.category === 'lease' ? [event.eventType, event.ownerId] : [event.eventType],
    );
    expect(trail).toEqual([
      ['acquire', 'holder'],
      ['release', 'holder'],
      ['acquire', 'owner-a'],
      ['release', 'owner-a'],
      ['acquire', 'owner-b'],
    ]);
  });

  it('hands an added credential to the head waiter; releasing a ticket lease ends the ticket', async () => {
    await add('cred-1');
    leaseOf(await acquire(T0, 'holder'));
    await acquire(T0 + 1, 'owner-a', { wait: ticketWait('t-a') });
    await add('cred-2', T0 + 2);
    const lease = leaseOf(
      await acquire(T0 + 3, 'owner-a', { wait: ticketWait('t-a'), token: 'fake-a' }),
    );
    expect(lease).toMatchObject({ credentialId: 'cred-2', waitedMs: 1 });
    await store.release({
      kind: KIND,
      ownerId: 'owner-a',
      credentialId: 'cred-2',
      leaseToken: 'fake-a',
      actorRole: 'ci',
      nowMs: T0 + 4,
    });
    // The ticket's lease ended: the same ticket asks anew and gets a fresh grant.
    expect(
      leaseOf(await acquire(T0 + 5, 'owner-a', { wait: ticketWait('t-a'), token: 'fake-a-2' })),
    ).toMatchObject({
      credentialId: 'cred-2',
      fencingToken: 2,
      waitedMs: 0,
    });
  });
});

describe('old clients (no wait)', () => {
  it('follow v1 while no ticket waits, and queue implicitly (with a reservation) while one does', async () => {
    await add('cred-1');
    leaseOf(await acquire(T0, 'holder', { token: 'fake-holder' }));
    expect(await acquire(T0 + 1, 'old-1')).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
    await acquire(T0 + 2, 'owner-a', { wait: ticketWait('t-a') });
    expect(await acquire(T0 + 3, 'old-1')).toEqual({
      ok: false,
      code: 'POOL_EXHAUSTED',
      queue: { position: 2, queueLength: 2 },
    });
    // The ticket ahead gets the first credential; the old client the second, reserved.
    await store.release({
      kind: KIND,
      ownerId: 'holder',
      credentialId: 'cred-1',
      leaseToken: 'fake-holder',
      actorRole: 'ci',
      nowMs: T0 + 10,
    });
    await add('cred-2', T0 + 11);
    expect(await store.listQueues({ kind: KIND, limit: 10, nowMs: T0 + 12 })).toMatchObject([
      {
        waiters: [
          { waiterId: 't-a', reserved: true },
          { waiterId: 'implicit:ci:old-1', explicit: false, reserved: true },
        ],
      },
    ]);
    const records = await store.listCredentials({
      kind: KIND,
      status: 'all',
      includePayload: false,
      limit: 10,
    });
    expect(records.find((record) => record.credentialId === 'cred-2')?.lease).toMatchObject({
      ownerId: 'old-1',
      expiresAtMs: T0 + 3 + GRACE,
    });
    const lease = leaseOf(await acquire(T0 + 13, 'old-1', { token: 'fake-old' }));
    expect(lease).toMatchObject({ credentialId: 'cred-2', expiresAtMs: T0 + 13 + TTL });
    // Consumed: the same old owner asking again is refused (the ticket still holds cred-1).
    expect(await acquire(T0 + 14, 'old-1')).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
  });

  it('drop implicit reservations once no ticket waits, except the caller’s own', async () => {
    await add('cred-1');
    await add('cred-2', T0 + 1);
    leaseOf(await acquire(T0 + 2, 'holder-1', { token: 'fake-h1' }));
    leaseOf(await acquire(T0 + 3, 'holder-2', { token: 'fake-h2' }));
    await acquire(T0 + 4, 'owner-a', { wait: ticketWait('t-a') });
    await acquire(T0 + 5, 'old-1');
    await acquire(T0 + 6, 'old-2');
    const release = (ownerId: string, credentialId: string, leaseToken: string, nowMs: number) =>
      store.release({ kind: KIND, ownerId, credentialId, leaseToken, actorRole: 'ci', nowMs });
    await release('holder-1', 'cred-1', 'fake-h1', T0 + 10);
    leaseOf(await acquire(T0 + 11, 'owner-a', { wait: ticketWait('t-a') }));
    await release('holder-2', 'cred-2', 'fake-h2', T0 + 12);
    // old-1 holds the reservation of cred-2; no ticket waits now, so old-2 is served v1:
    // old-1's reservation is dropped and cred-2 is free again.
    expect(leaseOf(await acquire(T0 + 13, 'old-2'))).toMatchObject({
      credentialId: 'cred-2',
      fencingToken: 3,
    });
    expect(await acquire(T0 + 14, 'old-1')).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
    expect(await store.listQueues({ limit: 10, nowMs: T0 + 15 })).toEqual([]);
  });
});

describe('bounded steps', () => {
  it('examines at most the step limit of queue entries per step, and still serves the live head', async () => {
    await add('cred-1');
    leaseOf(await acquire(T0, 'holder', { token: 'fake-holder' }));
    for (let i = 0; i < 150; i++)
      await acquire(T0 + 1, `owner-${i}`, { wait: ticketWait(`t-${i}`) });
    const later = T0 + 1 + GRACE;
    await acquire(later, 'owner-live', { wait: ticketWait('t-live') });
    const keys = store.keys.kind(KIND);
    // That acquire dropped 50 lapsed entries (half the budget of 100): 100 remain.
    expect(await store.client.zcard(keys.waiting)).toBe(101);
    expect(await poolStatsScript(store.client, keys, KIND, later)).toMatchObject({ waiting: 1 });
    await store.release({
      kind: KIND,
      ownerId: 'holder',
      credentialId: 'cred-1',
      leaseToken: 'fake-holder',
      actorRole: 'ci',
      nowMs: later + 1,
    });
    // The release's step: 50 dropped by deadline, then dispatch spent its 50 on lapsed heads.
    expect(await store.client.zcard(keys.waiting)).toBe(1);
    expect(
      (
        await store.tickWaiters({
          kind: KIND,
          brokerId: BROKER,
          ticketIds: ['t-live'],
          nowMs: later + 2,
        })
      ).granted,
    ).toEqual(['t-live']);
  });
});

describe('tickWaiters batches', () => {
  it('renews and reports more tickets than one step examines, across several scripts', async () => {
    await add('cred-1');
    leaseOf(await acquire(T0, 'holder', { token: 'fake-holder' }));
    const tickets = Array.from({ length: 230 }, (_, i) => `t-batch-${i}`);
    for (const ticket of tickets)
      await acquire(T0 + 1, `owner-${ticket}`, { wait: ticketWait(ticket) });
    // Renewed just before they would lapse, all 230 stay live.
    await store.tickWaiters({
      kind: KIND,
      brokerId: BROKER,
      ticketIds: tickets,
      nowMs: T0 + GRACE,
    });
    const later = T0 + GRACE + 2_000;
    expect(await poolStatsScript(store.client, store.keys.kind(KIND), KIND, later)).toMatchObject({
      waiting: 230,
    });
    await store.release({
      kind: KIND,
      ownerId: 'holder',
      credentialId: 'cred-1',
      leaseToken: 'fake-holder',
      actorRole: 'ci',
      nowMs: later,
    });
    expect(
      await store.tickWaiters({
        kind: KIND,
        brokerId: BROKER,
        ticketIds: tickets,
        nowMs: later + 1,
      }),
    ).toEqual({ granted: ['t-batch-0'], nextExpiryAtMs: later + GRACE });
  });
});

describe('a deployment where nobody sends wait', () => {
  it('never creates a queue key, so every v1 step stays on the v1 path', async () => {
    await add('cred-1');
    await add('cred-2', T0 + 1);
    const first = leaseOf(await acquire(T0 + 2, 'owner-1', { token: 'fake-1' }));
    leaseOf(await acquire(T0 + 3, 'owner-2', { token: 'fake-2' }));
    expect(await acquire(T0 + 4, 'owner-3')).toEqual({ ok: false, code: 'POOL_EXHAUSTED' });
    await store.release({
      kind: KIND,
      ownerId: 'owner-1',
      credentialId: first.credentialId,
      leaseToken: 'fake-1',
      actorRole: 'ci',
      nowMs: T0 + 5,
    });
    // The other lease expires and is reclaimed by a later acquire.
    leaseOf(await acquire(T0 + 3 + TTL, 'owner-3'));
    leaseOf(await acquire(T0 + 4 + TTL, 'owner-4'));
    await store.tickWaiters({ kind: KIND, brokerId: BROKER, ticketIds: [], nowMs: T0 + 5 + TTL });
    expect(await store.listQueues({ limit: 10, nowMs: T0 + 6 + TTL })).toEqual([]);
    const keys = store.keys.kind(KIND);
    const queueKeys = [
      keys.waiters,
      keys.waiting,
      keys.waiterDeadlines,
      keys.ticketDeadlines,
      keys.ticketGrants,
      keys.reservations,
    ];
    expect(await store.client.exists(...queueKeys)).toBe(0);
  });
});
