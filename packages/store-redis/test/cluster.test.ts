import { WAIT_POLICY } from '@qa-broker/contract';
import { StoreError } from '@qa-broker/store';
import { setTimeout as delay } from 'node:timers/promises';
import type { Cluster } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { parseClusterUrl, redactClusterUrl } from '../src/cluster-url.js';
import { slotOf } from '../src/redis-client.js';
import { openRedisStore } from '../src/open-redis-store.js';
import type { RedisStore } from '../src/redis-store.js';
import {
  TEST_REDIS_CLUSTER_URL,
  deleteKeysOf,
  openClusterAdminClient,
  randomPrefix,
} from './support/test-redis.js';

const T0 = 1_900_000_000_000;
const opened: { store: RedisStore; prefix: string }[] = [];

async function openClusterStore(waitReplicas = 0): Promise<RedisStore> {
  const prefix = randomPrefix();
  const store = await openRedisStore({ url: TEST_REDIS_CLUSTER_URL, prefix, waitReplicas });
  opened.push({ store, prefix });
  return store;
}

afterAll(async () => {
  const admin = await openClusterAdminClient();
  try {
    for (const { store, prefix } of opened) {
      await store.close();
      await deleteKeysOf(admin, prefix);
    }
  } finally {
    admin.disconnect();
  }
});

function add(store: RedisStore, credentialId: string, kind: string) {
  return store.addCredential({
    credentialId,
    kind,
    payload: { pieces: ['{"fake":"x"}'], byteLength: 12 },
    status: 'active',
    actorId: 'fake-admin',
    nowMs: T0,
  });
}

/** Calls of one command on every primary, from INFO commandstats. */
async function callsOnPrimaries(store: RedisStore, command: string): Promise<number> {
  const client = store.client as Cluster;
  let total = 0;
  for (const node of client.nodes('master')) {
    const stats = await node.info('commandstats');
    total += Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
  }
  return total;
}

describe('redis-cluster:// URLs', () => {
  it('parse seed nodes, credentials and TLS, and refuse anything else without echoing it', () => {
    expect(parseClusterUrl('redis-cluster://127.0.0.1:7100,[::1]:7101')).toEqual({
      nodes: [
        { host: '127.0.0.1', port: 7100 },
        { host: '::1', port: 7101 },
      ],
      tls: false,
    });
    expect(parseClusterUrl('rediss-cluster://broker:fake%40pw@redis.internal:6380')).toEqual({
      nodes: [{ host: 'redis.internal', port: 6380 }],
      username: 'broker',
      password: 'fake@pw',
      tls: true,
    });
    for (const bad of [
      'redis-cluster://',
      'redis-cluster://host',
      'redis-cluster://fake-secret@h:99999',
    ]) {
      expect(() => parseClusterUrl(bad)).toThrow(RangeError);
      expect(() => parseClusterUrl(bad)).not.toThrow(/fake-secret/);
    }
    expect(redactClusterUrl('redis-cluster://u:fake-pw@h:1,h:2')).toBe(
      'redis-cluster://u:***@h:1,h:2',
    );
  });
});

describe('a store on the Redis Cluster', () => {
  it('refuses a plain redis:// URL that names a cluster node, saying which URL to use', async () => {
    const node = parseClusterUrl(TEST_REDIS_CLUSTER_URL).nodes[0]!;
    const failure = openRedisStore({
      url: `redis://${node.host}:${node.port}`,
      prefix: randomPrefix(),
    });
    await expect(failure).rejects.toBeInstanceOf(StoreError);
    await expect(failure).rejects.toThrow(/redis-cluster:\/\//);
  });

  it('is ready when every primary reports cluster_state:ok, and spreads kinds over the primaries', async () => {
    const store = await openClusterStore();
    await expect(store.ping()).resolves.toBeUndefined();
    const kinds = Array.from({ length: 12 }, (_, index) => `kind-${index}`);
    for (const [index, kind] of kinds.entries()) await add(store, `cred-${index}`, kind);
    const client = store.client as Cluster;
    const owners = new Set<string>();
    for (const node of client.nodes('master')) {
      const keys = await node.keys(`${store.keys.prefix}:kind:*:credentials`);
      if (keys.length > 0) owners.add(`${node.options.host}:${node.options.port}`);
    }
    expect(owners.size).toBe(3);
    expect(
      (await store.listCredentials({ status: 'all', limit: 50, includePayload: false })).length,
    ).toBe(12);
  });

  it('waits for a replica after each state change with waitReplicas 1, and never after a read', async () => {
    const store = await openClusterStore(1);
    await add(store, 'cred-w', 'kind-w');
    const before = await callsOnPrimaries(store, 'wait');
    const granted = await store.acquire({
      kind: 'kind-w',
      ownerId: 'o',
      actorRole: 'ci',
      leaseToken: 'fake-token-w',
      leaseTtlMs: 60_000,
      nowMs: T0,
    });
    expect(granted.ok).toBe(true);
    expect(await callsOnPrimaries(store, 'wait')).toBe(before + 1);
    await store.listCredentials({
      kind: 'kind-w',
      status: 'all',
      limit: 10,
      includePayload: false,
    });
    expect(await callsOnPrimaries(store, 'wait')).toBe(before + 1);
  });

  it('answers STORE_UNAVAILABLE when fewer replicas than asked confirm a change', async () => {
    const store = await openClusterStore(2); // each primary has one replica
    const failure = add(store, 'cred-2', 'kind-2');
    await expect(failure).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(failure).rejects.toThrow(/2 replica/);
  });
});

describe('wake-ups on the Redis Cluster', () => {
  /**
   * The queue scripts SPUBLISH on the kind's channel, on whichever primary owns the kind;
   * the broker's store listens to the kinds it answered WAITING for. Kinds spread over all
   * three primaries prove it listens on every shard.
   */
  it('a broker waiting through one store hears grants made on every primary by another', async () => {
    const granting = await openClusterStore();
    const prefix = granting.keys.prefix;
    const listening = await openRedisStore({ url: TEST_REDIS_CLUSTER_URL, prefix });
    opened.push({ store: listening, prefix });
    const woken: string[] = [];
    const subscription = await listening.subscribeWakeups('broker-far', (ticketIds) =>
      woken.push(...ticketIds),
    );
    try {
      const kinds = Array.from({ length: 9 }, (_, index) => `wake-kind-${index}`);
      const client = granting.client as Cluster;
      const primaries = new Set(
        kinds.map((kind) => client.slots[slotOf(granting.keys.kind(kind).credentials)]?.[0]),
      );
      expect(primaries.size).toBe(3);
      const releases: (() => Promise<unknown>)[] = [];
      for (const kind of kinds) {
        await add(granting, `cred-${kind}`, kind);
        const base = { kind, actorRole: 'ci' as const, leaseTtlMs: 60_000, nowMs: T0 };
        const held = await granting.acquire({
          ...base,
          ownerId: 'holder',
          leaseToken: 'fake-holder',
        });
        expect(held.ok).toBe(true);
        const waiting = await listening.acquire({
          ...base,
          ownerId: 'waiter',
          leaseToken: 'fake-waiter',
          wait: {
            ticketId: `ticket-${kind}`,
            priority: 0,
            brokerId: 'broker-far',
            sealedToken: 'fake-sealed',
            queueMax: WAIT_POLICY.queueMax,
          },
        });
        expect(waiting).toMatchObject({ code: 'WAITING' });
        releases.push(() =>
          granting.release({
            kind,
            ownerId: 'holder',
            credentialId: `cred-${kind}`,
            leaseToken: 'fake-holder',
            actorRole: 'ci',
            nowMs: T0 + 1,
          }),
        );
      }
      for (const release of releases) await release();
      const started = Date.now();
      while (woken.length < kinds.length && Date.now() - started < 10_000) await delay(20);
      expect([...woken].sort()).toEqual(kinds.map((kind) => `ticket-${kind}`).sort());
    } finally {
      await subscription.close();
    }
  });
});
