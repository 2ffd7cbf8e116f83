import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GLOBAL_HASH_TAG, kindHashTag } from '../src/keys.js';
import type { RedisStore } from '../src/redis-store.js';
import { keysOf, openAdminClient, openIsolatedStore } from './support/test-redis.js';

const T0 = 1_900_000_000_000;
const TTL = 60_000;
/** Kinds whose braces or percent signs would break a naive hash tag. */
const KINDS = ['telegram', 'we{ird}kind', '%7B', '{', 'ünï:cödé'];

/** The part of a key Redis Cluster hashes: between the first "{" and the next "}". */
function clusterHashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close <= open + 1) return undefined;
  return key.slice(open + 1, close);
}

let store: RedisStore;
let prefix: string;
let cleanup: () => Promise<void>;
/** Every key of the test's prefix seen so far (see `workload`). */
const keysSeen = new Set<string>();

beforeEach(async () => {
  keysSeen.clear();
  ({ store, prefix, cleanup } = await openIsolatedStore());
});

afterEach(async () => {
  await cleanup();
});

/** Touches every script: add, acquire (grant and exhausted), heartbeat, release, read, disable. */
async function workload(kind: string, index: number): Promise<void> {
  const credentialId = `cred-${index}`;
  await store.addCredential({
    credentialId,
    kind,
    payload: { pieces: ['{"fake":', '"x"}'], byteLength: 12 },
    status: 'active',
    actorId: 'fake-admin',
    note: 'fake note',
    nowMs: T0,
  });
  const lease = { kind, ownerId: 'o', credentialId, leaseToken: `fake-token-${index}` };
  await store.acquire({ ...lease, actorRole: 'ci', leaseTtlMs: TTL, nowMs: T0 + 1 });
  await store.acquire({ ...lease, actorRole: 'ci', leaseTtlMs: TTL, nowMs: T0 + 2 });
  await store.heartbeat({ ...lease, leaseTtlMs: TTL, nowMs: T0 + 3 });
  await store.readPayloadChunk({ ...lease, actorRole: 'ci', index: 1, nowMs: T0 + 3 });
  await store.release({ ...lease, actorRole: 'ci', nowMs: T0 + 4 });
  await store.disableCredential({ credentialId, actorId: 'fake-admin', nowMs: T0 + 5 });
  await store.replacePayload({
    credentialId,
    expectedPieces: ['{"fake":', '"x"}'],
    payload: { pieces: ['{}'], byteLength: 2 },
  });
  // Two more, one left leased and one free, so every per-kind key exists at the end.
  for (const suffix of ['b', 'c']) {
    await store.addCredential({
      credentialId: `${credentialId}-${suffix}`,
      kind,
      payload: { pieces: ['{}'], byteLength: 2 },
      status: 'active',
      actorId: 'fake-admin',
      nowMs: T0 + 6,
    });
  }
  await store.acquire({ ...lease, actorRole: 'ci', leaseTtlMs: TTL, nowMs: T0 + 7 });
  // Health and policy: a policy, a quarantine (of the credential just leased, so the pool
  // keeps one free for the queue part), a payload update while leased (a pinned version).
  await store.setPolicy({
    kind,
    patch: { maxHoldMs: 3_600_000, maxLeasesPerOwner: 100 },
    actorId: 'fake-admin',
    nowMs: T0 + 7,
  });
  await store.quarantineCredential({
    credentialId: `${credentialId}-b`,
    actorId: 'fake-admin',
    nowMs: T0 + 7,
  });
  await store.updateCredential({
    credentialId: `${credentialId}-b`,
    actorId: 'fake-admin',
    payload: { pieces: ['{"fake":', '"y"}'], byteLength: 12 },
    nowMs: T0 + 7,
  });
  // A free credential and a waiter never coexist (dispatch pairs them up), so the keys are
  // gathered before the queue part as well as at the end.
  await rememberKeys();
  await queueWorkload(kind, credentialId);
}

async function rememberKeys(): Promise<void> {
  const admin = await openAdminClient();
  try {
    for (const key of await keysOf(admin, prefix)) keysSeen.add(key);
  } finally {
    admin.disconnect();
  }
}

/**
 * Fills every queue key: with the pool leased out, two tickets and an old client queue;
 * two credentials added later go undelivered to the first ticket and to the old client.
 */
async function queueWorkload(kind: string, credentialId: string): Promise<void> {
  const ask = (ownerId: string, nowMs: number, ticketId?: string) =>
    store.acquire({
      kind,
      ownerId,
      actorRole: 'ci',
      leaseToken: `fake-queue-token-${ownerId}`,
      leaseTtlMs: TTL,
      nowMs,
      ...(ticketId
        ? {
            wait: {
              ticketId,
              priority: 0,
              brokerId: 'fake-broker',
              sealedToken: 'fake-sealed',
              queueMax: 10,
            },
          }
        : {}),
    });
  await ask('q-holder', T0 + 8);
  await ask('q-ticket-1', T0 + 9, 'fake-ticket-1');
  await ask('q-old', T0 + 10);
  await ask('q-ticket-2', T0 + 11, 'fake-ticket-2');
  for (const suffix of ['d', 'e']) {
    await store.addCredential({
      credentialId: `${credentialId}-${suffix}`,
      kind,
      payload: { pieces: ['{}'], byteLength: 2 },
      status: 'active',
      actorId: 'fake-admin',
      nowMs: T0 + 12,
    });
  }
}

describe('key layout', () => {
  it('escapes braces and percent signs one-to-one', () => {
    const tags = KINDS.map(kindHashTag);
    expect(new Set(tags).size).toBe(KINDS.length);
    for (const tag of tags) expect(tag).not.toMatch(/[{}]/);
    expect(kindHashTag('we{ird}kind')).toBe('we%7Bird%7Dkind');
  });

  it('gives every key of one kind the same hash tag, and global keys their own', async () => {
    for (const [index, kind] of KINDS.entries()) await workload(kind, index);
    await store.disableCredential({ credentialId: 'cred-missing', actorId: 'a', nowMs: T0 });
    await store.listEvents({ limit: 100 });
    await store.poolStats();
    await store.pruneEvents({
      leaseEventMaxAgeMs: 1,
      adminEventMaxAgeMs: 1,
      batchSize: 1,
      nowMs: T0,
    });

    await rememberKeys();
    const keys = [...keysSeen];
    const expectedTags = new Set([GLOBAL_HASH_TAG, ...KINDS.map(kindHashTag)]);
    const tagsSeen = new Map<string, string[]>();
    for (const key of keys) {
      const tag = clusterHashTag(key);
      expect(tag, key).toBeDefined();
      expect(expectedTags.has(tag!), key).toBe(true);
      // The tag is the segment right after ":kind:" or ":global:", so it names the owner.
      expect(
        key.startsWith(`${prefix}:kind:{${tag}}:`) || key.startsWith(`${prefix}:global:{${tag}}:`),
        key,
      ).toBe(true);
      tagsSeen.set(tag!, [...(tagsSeen.get(tag!) ?? []), key]);
    }
    expect(new Set(tagsSeen.keys())).toEqual(expectedTags);
    expect(keys).toContain(store.keys.global.policyKinds);
    // Each kind's pool, indexes, payloads, counter, event logs, queue, policy, quota counts
    // and quarantine set: all in its one slot.
    for (const kind of KINDS) {
      const kindKeys = store.keys.kind(kind);
      expect(new Set(tagsSeen.get(kindHashTag(kind)))).toEqual(
        new Set([
          kindKeys.credentials,
          kindKeys.payloads,
          kindKeys.free,
          kindKeys.leases,
          kindKeys.updatedActive,
          kindKeys.updatedDisabled,
          kindKeys.sequence,
          kindKeys.leaseEvents,
          kindKeys.adminEvents,
          kindKeys.waiters,
          kindKeys.waiting,
          kindKeys.waiterDeadlines,
          kindKeys.ticketDeadlines,
          kindKeys.ticketGrants,
          kindKeys.reservations,
          kindKeys.policy,
          kindKeys.leaseCounts,
          kindKeys.quarantined,
        ]),
      );
    }
  });
});
