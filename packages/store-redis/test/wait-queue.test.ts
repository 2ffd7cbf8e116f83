import { WAIT_POLICY } from '@qa-broker/contract';
import type { AcquireInput, AcquireResult, TicketWait } from '@qa-broker/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
