import { WAIT_POLICY } from '@qa-broker/contract';
import type { AcquireResult, StoredPayload, TicketWait } from '@qa-broker/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseStoredRecord } from '../src/record.js';
import type { RedisStore } from '../src/redis-store.js';
import { openIsolatedStore } from './support/test-redis.js';

/**
 * Health and policy inside the Redis scripts, where the conformance suite cannot look:
 * payload versions kept for a holder and deleted when its lease ends, the quota counters
 * staying exact through every way a lease ends, and the bounded over-quota skip.
 */

const T0 = 1_900_000_000_000;
const TTL = 60_000;
const GRACE = WAIT_POLICY.ticketGraceMs;
const KIND = 'fake-health-kind';

let store: RedisStore;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ store, cleanup } = await openIsolatedStore());
});

afterEach(async () => {
  await cleanup();
});

const payloadOf = (...pieces: string[]): StoredPayload => ({
  pieces,
  byteLength: Buffer.byteLength(pieces.join(''), 'utf8'),
});

async function add(credentialId: string, payload = payloadOf('{"fake":"v0"}')) {
  return store.addCredential({
    credentialId,
    kind: KIND,
    payload,
    status: 'active',
    actorId: 'fake-admin',
    nowMs: T0 - 1_000,
  });
}

function acquire(nowMs: number, ownerId: string, wait?: TicketWait): Promise<AcquireResult> {
  return store.acquire({
    kind: KIND,
    ownerId,
    actorRole: 'ci',
    leaseToken: `fake-token-${ownerId}`,
    leaseTtlMs: TTL,
    nowMs,
    ...(wait ? { wait } : {}),
  });
}

function ticket(ticketId: string): TicketWait {
  return {
    ticketId,
    priority: 0,
    brokerId: 'fake-broker',
    sealedToken: `fake-sealed-${ticketId}`,
    queueMax: 1_000,
  };
}

function release(nowMs: number, ownerId: string, credentialId: string) {
  return store.release({
    kind: KIND,
    ownerId,
    actorRole: 'ci',
    credentialId,
    leaseToken: `fake-token-${ownerId}`,
    nowMs,
  });
}

function mustLease(result: AcquireResult) {
  if (!result.ok) throw new Error(`expected a grant, got ${result.code}`);
  return result.lease;
}

async function payloadFields(): Promise<string[]> {
  return (await store.client.hkeys(store.keys.kind(KIND).payloads)).sort();
}

/**
 * The quota counters must equal a recount from the lease zset and the records: one per
 * member of `leases`, under the role and the owner of the lease on its record.
 */
async function expectCountsExact(): Promise<void> {
  const keys = store.keys.kind(KIND);
  const expected: Record<string, string> = {};
  for (const id of await store.client.zrange(keys.leases, '0', '-1')) {
    const raw = await store.client.hget(keys.credentials, id);
    const lease = parseStoredRecord(raw!).lease!;
    for (const field of [`role:${lease.actorRole}`, `owner:${lease.ownerId}`]) {
      expected[field] = String(Number(expected[field] ?? '0') + 1);
    }
  }
  expect(await store.client.hgetall(keys.leaseCounts)).toEqual(expected);
}

describe('payload versions for update-while-leased', () => {
  it('keeps the granted version until release, then deletes its pieces', async () => {
    await add('cred-1', payloadOf('{"fake":', '"v0"}'));
    await acquire(T0, 'holder');
    await store.updateCredential({
      credentialId: 'cred-1',
      actorId: 'fake-admin',
      payload: payloadOf('{"fake":"v1"}'),
      nowMs: T0 + 1,
    });
    expect(await payloadFields()).toEqual(['cred-1:0', 'cred-1:0@1', 'cred-1:1']);
    // A second update during the same lease: the holder's version stays, the middle one goes.
    await store.updateCredential({
      credentialId: 'cred-1',
      actorId: 'fake-admin',
      payload: payloadOf('{"fake":"v2"}'),
      nowMs: T0 + 2,
    });
    expect(await payloadFields()).toEqual(['cred-1:0', 'cred-1:0@2', 'cred-1:1']);
    expect(await release(T0 + 3, 'holder', 'cred-1')).toEqual({ ok: true, released: true });
    expect(await payloadFields()).toEqual(['cred-1:0@2']);
    expect(mustLease(await acquire(T0 + 4, 'next')).inlinePiece).toBe('{"fake":"v2"}');
  });

  it('deletes the granted version once the expired lease is reclaimed', async () => {
    await add('cred-1');
    await add('cred-2');
    await acquire(T0, 'holder');
    await store.updateCredential({
      credentialId: 'cred-1',
      actorId: 'fake-admin',
      payload: payloadOf('{"fake":"v1"}'),
      nowMs: T0 + 1,
    });
    expect(await payloadFields()).toEqual(['cred-1:0', 'cred-1:0@1', 'cred-2:0']);
    // Any step of the kind after the expiry reclaims it (here an acquire of cred-2).
    await acquire(T0 + TTL + 1, 'other');
    expect(await payloadFields()).toEqual(['cred-1:0@1', 'cred-2:0']);
  });

  it('an update of a credential nobody holds replaces its pieces at once', async () => {
    await add('cred-1', payloadOf('{"fake":', '"v0"}'));
    await store.updateCredential({
      credentialId: 'cred-1',
      actorId: 'fake-admin',
      payload: payloadOf('{"fake":"v1"}'),
      nowMs: T0,
    });
    expect(await payloadFields()).toEqual(['cred-1:0@1']);
  });
});

describe('quota counters', () => {
  it('stay exact through grants, releases, reclaims, pickup lapses, cancels and disables', async () => {
    for (const id of ['cred-1', 'cred-2', 'cred-3']) await add(id);
    await store.setPolicy({
      kind: KIND,
      patch: { maxLeasesPerOwner: 5 },
      actorId: 'fake-admin',
      nowMs: T0,
    });
    const a = mustLease(await acquire(T0, 'job-a'));
    const b = mustLease(await acquire(T0, 'job-b'));
    const c = mustLease(await acquire(T0, 'job-c'));
    await expectCountsExact();
    expect(await store.client.hget(store.keys.kind(KIND).leaseCounts, 'role:ci')).toBe('3');
    // Tickets queue; a release hands on (grant counted for the waiter), a cancel ends it.
    expect(await acquire(T0 + 1, 'waiter-1', ticket('t-1'))).toMatchObject({ code: 'WAITING' });
    expect(await acquire(T0 + 2, 'waiter-2', ticket('t-2'))).toMatchObject({ code: 'WAITING' });
    await release(T0 + 3, 'job-a', a.credentialId);
    await expectCountsExact();
    await store.cancelWait({ kind: KIND, ticketId: 't-1', nowMs: T0 + 4 });
    await expectCountsExact();
    // t-2 got it in the cancel's hand-on; it never picks it up: the pickup lapses.
    await store.tickWaiters({
      kind: KIND,
      brokerId: 'fake-broker',
      ticketIds: [],
      nowMs: T0 + 4 + GRACE + 1,
    });
    await expectCountsExact();
    // A broken release quarantines, and still frees the holder's quota.
    await store.release({
      kind: KIND,
      ownerId: 'job-b',
      actorRole: 'ci',
      credentialId: b.credentialId,
      leaseToken: 'fake-token-job-b',
      outcome: 'broken',
      nowMs: T0 + 10_000,
    });
    await expectCountsExact();
    // c expires and is reclaimed by a later step; a disable of an expired lease too.
    await acquire(T0 + TTL + 1, 'job-d');
    await expectCountsExact();
    expect(
      await store.disableCredential({
        credentialId: c.credentialId,
        actorId: 'fake-admin',
        nowMs: T0 + 3 * TTL,
      }),
    ).toMatchObject({ ok: true });
    await expectCountsExact();
    expect(await store.client.hgetall(store.keys.kind(KIND).leaseCounts)).toEqual({});
  });

  it('a heartbeat that revives a lease reclaimed at its very expiry counts it again', async () => {
    await add('cred-1');
    await add('cred-2');
    const lease = mustLease(await acquire(T0, 'holder'));
    // Another acquire at exactly the expiry reclaims it into the free set (and takes cred-2).
    await acquire(T0 + TTL, 'other');
    await expectCountsExact();
    expect(
      await store.heartbeat({
        kind: KIND,
        ownerId: 'holder',
        credentialId: lease.credentialId,
        leaseToken: 'fake-token-holder',
        leaseTtlMs: TTL,
        nowMs: T0 + TTL,
      }),
    ).toMatchObject({ ok: true });
    await expectCountsExact();
    expect(await store.client.hget(store.keys.kind(KIND).leaseCounts, 'owner:holder')).toBe('1');
  });
});

describe('over-quota waiters in dispatch', () => {
  it('steps over up to the step budget of over-quota waiters to grant the one behind', async () => {
    await add('cred-1');
    await add('cred-2');
    await store.setPolicy({
      kind: KIND,
      patch: { maxLeasesPerOwner: 1 },
      actorId: 'fake-admin',
      nowMs: T0,
    });
    await acquire(T0, 'busy');
    const other = mustLease(await acquire(T0, 'other'));
    // 90 tickets of the owner already at its cap, then one of a fresh owner.
    for (let i = 0; i < 90; i++) {
      expect(await acquire(T0 + 1, 'busy', ticket(`t-busy-${i}`))).toMatchObject({
        code: 'WAITING',
      });
    }
    expect(await acquire(T0 + 2, 'fresh', ticket('t-fresh'))).toMatchObject({
      code: 'WAITING',
      queue: { position: 91, queueLength: 91 },
    });
    await release(T0 + 3, 'other', other.credentialId);
    const tick = await store.tickWaiters({
      kind: KIND,
      brokerId: 'fake-broker',
      ticketIds: ['t-fresh', 't-busy-0'],
      nowMs: T0 + 4,
    });
    expect(tick.granted).toEqual(['t-fresh']);
    // The stepped-over waiters kept their places.
    expect(await acquire(T0 + 5, 'busy', ticket('t-busy-0'))).toMatchObject({
      code: 'WAITING',
      queue: { position: 1 },
    });
  });
});

describe('policy storage', () => {
  it('keeps one hash per kind and lists kinds with a policy in the global registry', async () => {
    await store.setPolicy({
      kind: KIND,
      patch: { maxLeasesPerRole: { ci: 2 }, quarantineAfterBroken: 3 },
      actorId: 'fake-admin',
      nowMs: T0,
    });
    expect(await store.client.hgetall(store.keys.kind(KIND).policy)).toEqual({
      updatedAtMs: String(T0),
      'maxLeasesPerRole.ci': '2',
      quarantineAfterBroken: '3',
    });
    expect(await store.client.zrange(store.keys.global.policyKinds, '0', '-1')).toEqual([KIND]);
  });
});
