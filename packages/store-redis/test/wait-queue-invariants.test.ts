import { WAIT_POLICY } from '@qa-broker/contract';
import type { ActorRole } from '@qa-broker/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KindKeys } from '../src/keys.js';
import type { RedisStore } from '../src/redis-store.js';
import { openIsolatedStore } from './support/test-redis.js';

/**
 * Seeded random walks over one kind's queue (tickets, old clients, releases, ticks,
 * cancels, adds, time jumps), checking after every step that the Redis structures agree
 * with each other: what the scripts promise each other, beyond what the API shows.
 */

const T0 = 1_900_000_000_000;
const TTL = 20_000;
const GRACE = WAIT_POLICY.ticketGraceMs;
const KIND = 'fake-walk-kind';
const STEPS = 250;

let store: RedisStore;
let cleanup: () => Promise<void>;
let keys: KindKeys;

beforeEach(async () => {
  ({ store, cleanup } = await openIsolatedStore());
  keys = store.keys.kind(KIND);
});

afterEach(async () => {
  await cleanup();
});

/** mulberry32: a tiny deterministic PRNG, so a failing seed can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Entry {
  ownerId: string;
  actorRole: ActorRole;
  explicit: boolean;
  deadlineMs: number;
  credentialId?: string;
  fencingToken?: number;
  delivered?: boolean;
}

interface Lease {
  ownerId: string;
  expiresAtMs: number;
  token?: string;
  waiterId?: string;
}

interface Record {
  status: string;
  fence: number;
  seq: number;
  lease?: Lease;
}

async function zset(key: string): Promise<Map<string, number>> {
  const flat = await store.client.zrange(key, '0', '-1', 'WITHSCORES');
  const map = new Map<string, number>();
  for (let i = 0; i < flat.length; i += 2) map.set(flat[i]!, Number(flat[i + 1]));
  return map;
}

async function hash<T>(key: string): Promise<Map<string, T>> {
  const raw = await store.client.hgetall(key);
  return new Map(Object.entries(raw).map(([field, json]) => [field, JSON.parse(json) as T]));
}

/** Everything the scripts keep consistent, read straight from Redis at store time `now`. */
async function checkInvariants(now: number, step: string): Promise<void> {
  const [records, entries, free, leases, waiting, deadlines, ticketDeadlines, grants, reserved] =
    await Promise.all([
      hash<Record>(keys.credentials),
      hash<Entry>(keys.waiters),
      zset(keys.free),
      zset(keys.leases),
      zset(keys.waiting),
      zset(keys.waiterDeadlines),
      zset(keys.ticketDeadlines),
      zset(keys.ticketGrants),
      zset(keys.reservations),
    ]);
  const freeIds = new Set([...free.keys()].map((member) => member.slice(17)));
  for (const [id, record] of records) {
    // A credential is free or leased (the lease zset also holds expired, unreclaimed ones).
    expect(freeIds.has(id) && leases.has(id), `${step}: ${id} both free and leased`).toBe(false);
    if (leases.has(id)) {
      expect(record.lease?.expiresAtMs, `${step}: ${id} lease zset score`).toBe(leases.get(id));
    }
    const lease = record.lease;
    if (lease && lease.expiresAtMs > now && lease.waiterId !== undefined) {
      // A live queued grant points at its entry, which points back.
      const entry = entries.get(lease.waiterId);
      expect(entry?.credentialId, `${step}: ${id} grant without its entry`).toBe(id);
      expect(entry?.fencingToken).toBe(record.fence);
      if (lease.token === undefined) {
        const set = entry?.explicit ? grants : reserved;
        expect(set.has(lease.waiterId), `${step}: undelivered ${lease.waiterId} unlisted`).toBe(
          true,
        );
      } else {
        expect(entry?.explicit, `${step}: a delivered implicit entry must be consumed`).toBe(true);
      }
    }
  }
  for (const [waiterId, score] of waiting) {
    const entry = entries.get(waiterId);
    expect(entry, `${step}: ${waiterId} waits without an entry`).toBeDefined();
    expect(entry!.credentialId, `${step}: ${waiterId} granted but still waiting`).toBeUndefined();
    expect(deadlines.get(waiterId), `${step}: ${waiterId} deadline`).toBe(entry!.deadlineMs);
    expect(ticketDeadlines.has(waiterId)).toBe(entry!.explicit);
    expect(score).toBeGreaterThan(0);
  }
  for (const waiterId of deadlines.keys()) expect(waiting.has(waiterId)).toBe(true);
  for (const waiterId of ticketDeadlines.keys()) expect(waiting.has(waiterId)).toBe(true);
  for (const [set, explicit] of [
    [grants, true],
    [reserved, false],
  ] as const) {
    for (const waiterId of set.keys()) {
      const entry = entries.get(waiterId);
      expect(entry?.explicit, `${step}: ${waiterId} in the wrong grant set`).toBe(explicit);
      expect(entry?.credentialId).toBeDefined();
      expect(entry?.delivered).toBeUndefined();
    }
  }
  // Every step dispatches: a free credential never sits beside a live waiting entry.
  const liveWaiting = [...deadlines.values()].filter((deadline) => deadline > now).length;
  expect(free.size > 0 && liveWaiting > 0, `${step}: free credential while someone waits`).toBe(
    false,
  );
}

async function walk(seed: number): Promise<void> {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const tickets = ['t-1', 't-2', 't-3', 't-4', 't-5', 't-6', 't-7', 't-8'];
  const ticketOwner = (
    ticket: string,
  ): { ownerId: string; actorRole: ActorRole; priority: number } =>
    ticket === 't-8'
      ? { ownerId: `job-${ticket}`, actorRole: 'maintainer', priority: 20 }
      : { ownerId: `job-${ticket}`, actorRole: 'ci', priority: 0 };
  const oldClients = ['old-1', 'old-2', 'old-3'];
  /** Leases the walk knows the token of: credentialId -> holder. */
  const held = new Map<string, { ownerId: string; token: string; role: ActorRole }>();
  const fences = new Map<string, number>();
  let now = T0;
  let serial = 0;
  let credentials = 0;
  const addOne = async () => {
    credentials += 1;
    await store.addCredential({
      credentialId: `cred-${credentials}`,
      kind: KIND,
      payload: { pieces: ['{"fake":"x"}'], byteLength: 12 },
      status: 'active',
      actorId: 'fake-admin',
      nowMs: now,
    });
  };
  for (let i = 0; i < 2; i++) await addOne();

  for (let step = 0; step < STEPS; step++) {
    now += pick([0, 1, 50, 300, 1_000, 2_000, 2_000, GRACE + 1]);
    const roll = next();
    let label: string;
    serial += 1;
    const token = `fake-walk-${seed}-${serial}`;
    if (roll < 0.4) {
      const ticket = pick(tickets);
      const who = ticketOwner(ticket);
      label = `ask ${ticket}`;
      const result = await store.acquire({
        kind: KIND,
        ownerId: who.ownerId,
        actorRole: who.actorRole,
        leaseToken: token,
        leaseTtlMs: TTL,
        nowMs: now,
        wait: {
          ticketId: ticket,
          priority: who.priority,
          brokerId: 'fake-broker',
          sealedToken: `sealed-${token}`,
          queueMax: 5,
        },
      });
      if (result.ok && result.lease.sealedToken === undefined) {
        held.set(result.lease.credentialId, { ownerId: who.ownerId, token, role: who.actorRole });
      }
      if (result.ok) {
        const fence = result.lease.fencingToken;
        expect(fence).toBeGreaterThanOrEqual(fences.get(result.lease.credentialId) ?? 0);
        fences.set(result.lease.credentialId, fence);
      }
    } else if (roll < 0.55) {
      const ownerId = pick(oldClients);
      label = `poll ${ownerId}`;
      const result = await store.acquire({
        kind: KIND,
        ownerId,
        actorRole: 'ci',
        leaseToken: token,
        leaseTtlMs: TTL,
        nowMs: now,
      });
      if (result.ok) {
        held.set(result.lease.credentialId, { ownerId, token, role: 'ci' });
        // A fresh grant to an old client always has a new fencing token.
        expect(result.lease.fencingToken).toBeGreaterThan(
          fences.get(result.lease.credentialId) ?? 0,
        );
        fences.set(result.lease.credentialId, result.lease.fencingToken);
      }
    } else if (roll < 0.7 && held.size > 0) {
      const [credentialId, holder] = pick([...held.entries()]);
      label = `release ${credentialId}`;
      held.delete(credentialId);
      await store.release({
        kind: KIND,
        ownerId: holder.ownerId,
        credentialId,
        leaseToken: holder.token,
        actorRole: holder.role,
        nowMs: now,
      });
    } else if (roll < 0.9) {
      label = 'tick';
      await store.tickWaiters({
        kind: KIND,
        brokerId: 'fake-broker',
        ticketIds: tickets.filter(() => next() < 0.6),
        nowMs: now,
      });
    } else if (roll < 0.985) {
      const ticket = pick(tickets);
      label = `cancel ${ticket}`;
      await store.cancelWait({ kind: KIND, ticketId: ticket, nowMs: now });
    } else {
      label = 'add';
      await addOne();
    }
    await checkInvariants(now, `seed ${seed} step ${step} (${label})`);
  }
}

describe('wait queue invariants under random walks', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`holds every cross-structure invariant (seed ${seed})`, async () => {
      await walk(seed);
    });
  }
});
