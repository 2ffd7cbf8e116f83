import { WAIT_POLICY } from '@qa-broker/contract';
import type { WakeupSubscription } from '@qa-broker/store';
import { setTimeout as delay } from 'node:timers/promises';
import { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseClusterUrl } from '../src/cluster-url.js';
import { openRedisStore, redisClusterOptions } from '../src/open-redis-store.js';
import { slotOf } from '../src/redis-client.js';
import type { RedisStore } from '../src/redis-store.js';
import type { ShardedWakeTuning } from '../src/sharded-wakeups.js';
import { wakeConnectionName } from '../src/wakeups.js';
import { TcpProxy } from './support/tcp-proxy.js';
import {
  TEST_REDIS_CLUSTER_URL,
  deleteKeysOf,
  openClusterAdminClient,
  randomPrefix,
} from './support/test-redis.js';

/**
 * Wake-ups on the real 3+3 Redis Cluster: the scripts SPUBLISH a grant on its kind's
 * channel, a broker's subscription SSUBSCRIBEs to the kinds it waits on, follows a
 * failover, and is rebuilt by its watchdog when its connection goes silent. No ticks run
 * here: every wake-up asserted arrived over sharded pub/sub.
 */

const T0 = 1_900_000_000_000;
const TTL = 60_000;
/** The local cluster's nodes (scripts/redis-cluster.sh): 3 primaries, 3 replicas. */
const NODE_PORTS = [7100, 7101, 7102, 7103, 7104, 7105];
const opened: { store: RedisStore; prefix: string }[] = [];
const subscriptions: WakeupSubscription[] = [];
const cleanups: (() => Promise<void>)[] = [];
let admin: Cluster | undefined;

async function adminClient(): Promise<Cluster> {
  admin ??= await openClusterAdminClient();
  return admin;
}

async function openClusterStore(prefix = randomPrefix()): Promise<RedisStore> {
  const store = await openRedisStore({ url: TEST_REDIS_CLUSTER_URL, prefix });
  opened.push({ store, prefix });
  return store;
}

afterEach(async () => {
  for (const subscription of subscriptions.splice(0)) await subscription.close();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  const client = await adminClient();
  try {
    for (const { store, prefix } of opened) {
      await store.close();
      await deleteKeysOf(client, prefix);
    }
  } finally {
    client.disconnect();
  }
});

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

/** A direct connection to every node, primaries and replicas. */
async function eachNode<T>(run: (node: Redis) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (const port of NODE_PORTS) {
    const node = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
    try {
      await node.connect();
      results.push(await run(node));
    } finally {
      node.disconnect();
    }
  }
  return results;
}

/** Subscribers of a sharded channel, counted on every node (a failover moves them). */
async function shardSubscribers(channel: string): Promise<number> {
  const counts = await eachNode(async (node) => {
    const reply = (await node.call('PUBSUB', 'SHARDNUMSUB', channel)) as [string, number];
    return Number(reply[1]);
  });
  return counts.reduce((sum, count) => sum + count, 0);
}

/** The sharded subscriber connections of a broker's subscription: `port/id` each. */
async function subscriberConnections(store: RedisStore, brokerId: string): Promise<string[]> {
  const name = `ioredis-cluster(ssubscriber):${wakeConnectionName(store.keys.prefix, brokerId)}`;
  const found = await eachNode(async (node) => {
    const list = (await node.client('LIST')) as string;
    return list
      .split('\n')
      .filter((line) => line.includes(` name=${name} `))
      .map((line) => `${node.options.port}/${/^id=(\d+)/.exec(line)?.[1]}`);
  });
  return found.flat();
}

/** The primary (host:port) that owns a kind's slot, as the store's client sees it. */
function ownerOf(store: RedisStore, kind: string): string | undefined {
  return (store.client as Cluster).slots[slotOf(store.keys.kind(kind).credentials)]?.[0];
}

/** `count` kinds of a prefix, each on a different primary. */
function kindsOnDistinctPrimaries(store: RedisStore, count: number): string[] {
  const byOwner = new Map<string, string>();
  for (let index = 0; byOwner.size < count && index < 200; index += 1) {
    const kind = `shard-kind-${index}`;
    const owner = ownerOf(store, kind);
    if (owner !== undefined && !byOwner.has(owner)) byOwner.set(owner, kind);
  }
  expect(byOwner.size).toBe(count);
  return [...byOwner.values()];
}

/**
 * `count` credentials of `kind`, each leased to its own holder through `store`; returns the
 * releases. All are held before anyone waits, so no new credential goes to a waiter.
 */
async function holdCredentials(store: RedisStore, kind: string, count = 1) {
  const releases: (() => Promise<unknown>)[] = [];
  for (let index = 0; index < count; index += 1) {
    const credentialId = `cred-${kind}-${index}`;
    const ownerId = `holder-${index}`;
    await store.addCredential({
      credentialId,
      kind,
      payload: { pieces: ['{"fake":"x"}'], byteLength: 12 },
      status: 'active',
      actorId: 'fake-admin',
      nowMs: T0,
    });
    const held = await store.acquire({
      kind,
      ownerId,
      actorRole: 'ci',
      leaseToken: `fake-holder-${index}`,
      leaseTtlMs: TTL,
      nowMs: T0,
    });
    expect(held.ok).toBe(true);
    releases.push(() =>
      store.release({
        kind,
        ownerId,
        credentialId,
        leaseToken: `fake-holder-${index}`,
        actorRole: 'ci',
        nowMs: T0 + 1,
      }),
    );
  }
  return releases;
}

/** A ticket of `brokerId` queued on `kind` through the broker's own store: WAITING. */
async function waitWithTicket(store: RedisStore, kind: string, ticketId: string, brokerId: string) {
  const answer = await store.acquire({
    kind,
    ownerId: `owner-${ticketId}`,
    actorRole: 'ci',
    leaseToken: `fake-${ticketId}`,
    leaseTtlMs: TTL,
    nowMs: T0,
    wait: {
      ticketId,
      priority: 0,
      brokerId,
      sealedToken: 'fake-sealed',
      queueMax: WAIT_POLICY.queueMax,
    },
  });
  expect(answer).toMatchObject({ code: 'WAITING' });
}

async function subscribe(
  store: RedisStore,
  brokerId: string,
  woken: string[],
  tuning: ShardedWakeTuning = {},
) {
  const subscription = await store.subscribeWakeups(
    brokerId,
    (ticketIds) => woken.push(...ticketIds),
    tuning,
  );
  subscriptions.push(subscription);
  return subscription;
}

describe('sharded wake-ups on the Redis Cluster', () => {
  it('SSUBSCRIBEs to a kind once it answers WAITING, and a release by another store wakes the ticket at once', async () => {
    const broker = await openClusterStore();
    const other = await openClusterStore(broker.keys.prefix);
    const kind = 'fake-fast-kind';
    const channel = broker.keys.kind(kind).wakeChannel;
    expect(channel).toBe(`${broker.keys.prefix}:kind:{${kind}}:wake`);
    const [release] = await holdCredentials(other, kind);
    const woken: string[] = [];
    await subscribe(broker, 'broker-fast', woken);
    // Nothing is waited on yet: nothing is listened to.
    expect(await shardSubscribers(channel)).toBe(0);
    await waitWithTicket(broker, kind, 't-fast', 'broker-fast');
    // The WAITING answer came back only once the SSUBSCRIBE was confirmed.
    expect(await shardSubscribers(channel)).toBe(1);
    const released = performance.now();
    await release!();
    await waitFor('the wake-up of t-fast', () => woken.length > 0, 2_000);
    const elapsedMs = performance.now() - released;
    expect(woken).toEqual(['t-fast']);
    // Well inside the 500 ms tick that would otherwise find the grant.
    expect(elapsedMs).toBeLessThan(250);
  });

  it('wakes kinds on different shards, and never hands a broker another broker’s ticket', async () => {
    const broker = await openClusterStore();
    const other = await openClusterStore(broker.keys.prefix);
    const [kindA, kindB] = kindsOnDistinctPrimaries(broker, 2);
    const releasesA = await holdCredentials(other, kindA!, 2);
    const releasesB = await holdCredentials(other, kindB!);
    const mine: string[] = [];
    const theirs: string[] = [];
    await subscribe(broker, 'broker-mine', mine);
    await subscribe(broker, 'broker-theirs', theirs);
    await waitWithTicket(broker, kindA!, 't-mine-a', 'broker-mine');
    await waitWithTicket(broker, kindA!, 't-theirs-a', 'broker-theirs');
    await waitWithTicket(broker, kindB!, 't-mine-b', 'broker-mine');
    for (const release of [...releasesA, ...releasesB]) await release();
    await waitFor('both of broker-mine’s wake-ups', () => mine.length >= 2);
    await waitFor('broker-theirs’ wake-up', () => theirs.length >= 1);
    // Anything misaddressed would have come with the right ones, on the same channel.
    await delay(200);
    expect([...mine].sort()).toEqual(['t-mine-a', 't-mine-b']);
    expect(theirs).toEqual(['t-theirs-a']);
  });

  it('drops a kind idle past watchIdleMs, and listens again at its next WAITING answer', async () => {
    const broker = await openClusterStore();
    const kind = 'fake-idle-kind';
    const channel = broker.keys.kind(kind).wakeChannel;
    const [release] = await holdCredentials(broker, kind);
    const woken: string[] = [];
    await subscribe(broker, 'broker-idle', woken, { watchIdleMs: 300, probeIntervalMs: 100 });
    await waitWithTicket(broker, kind, 't-idle-1', 'broker-idle');
    expect(await shardSubscribers(channel)).toBe(1);
    await waitFor('the SUNSUBSCRIBE', async () => (await shardSubscribers(channel)) === 0, 3_000);
    await waitWithTicket(broker, kind, 't-idle-1', 'broker-idle');
    expect(await shardSubscribers(channel)).toBe(1);
    await release!();
    await waitFor('the wake-up after listening again', () => woken.length > 0);
    expect(woken).toEqual(['t-idle-1']);
  });

  it('follows its subscriber connection being killed (CLIENT KILL), and close() ends it', async () => {
    const broker = await openClusterStore();
    const kind = 'fake-kill-kind';
    const channel = broker.keys.kind(kind).wakeChannel;
    const [release] = await holdCredentials(broker, kind);
    const woken: string[] = [];
    const subscription = await subscribe(broker, 'broker-kill', woken);
    await waitWithTicket(broker, kind, 't-kill', 'broker-kill');
    const [before] = await subscriberConnections(broker, 'broker-kill');
    expect(before).toBeDefined();
    const [port, id] = before!.split('/');
    const node = new Redis({ host: '127.0.0.1', port: Number(port), lazyConnect: true });
    cleanups.push(() => Promise.resolve(node.disconnect()));
    await node.connect();
    await node.client('KILL', 'ID', id!);
    // ioredis' sharded subscribers notice the closed socket and SSUBSCRIBE again.
    await waitFor('the resubscription', async () => {
      const after = await subscriberConnections(broker, 'broker-kill');
      return after.length === 1 && after[0] !== before && (await shardSubscribers(channel)) === 1;
    });
    await release!();
    await waitFor('the wake-up after the kill', () => woken.length > 0);
    expect(woken).toEqual(['t-kill']);

    await subscription.close();
    await waitFor('the subscriber to be gone', async () => (await shardSubscribers(channel)) === 0);
    expect(await subscriberConnections(broker, 'broker-kill')).toEqual([]);
  });

  it('hears a kind again after CLUSTER FAILOVER of the shard that owns it', async () => {
    const broker = await openClusterStore();
    const other = await openClusterStore(broker.keys.prefix);
    const kind = 'fake-failover-kind';
    const channel = broker.keys.kind(kind).wakeChannel;
    const slot = slotOf(channel);
    const [release] = await holdCredentials(other, kind);
    const woken: string[] = [];
    await subscribe(broker, 'broker-failover', woken);
    await waitWithTicket(broker, kind, 't-failover', 'broker-failover');
    const [primary, replica] = (broker.client as Cluster).slots[slot]!;
    expect(replica).toBeDefined();
    const promote = async (address: string) => {
      const [host, port] = address.split(':');
      const node = new Redis({ host, port: Number(port), lazyConnect: true });
      try {
        await node.connect();
        await node.cluster('FAILOVER');
        // Every node must agree before the test goes on: a client that asks a node still
        // holding the old view would route to the old primary.
        await waitFor(`every node to see ${address} as primary`, async () =>
          (await eachNode(async (each) => (await each.cluster('NODES')) as string)).every((nodes) =>
            nodes
              .split('\n')
              .some((line) => line.includes(` ${address}@`) && /[ ,]master[ ,]/.test(line)),
          ),
        );
      } finally {
        node.disconnect();
      }
    };
    await promote(replica!);
    // Give the shard back to its first primary, so other tests find the layout they expect.
    cleanups.push(() => promote(primary!));
    const [replicaPort] = replica!.split(':').slice(1);
    const onNewPrimary = async () =>
      (await subscriberConnections(broker, 'broker-failover')).some((connection) =>
        connection.startsWith(`${replicaPort}/`),
      );
    await waitFor('the subscription to move to the new primary', onNewPrimary);
    await waitFor('the store to see the new owner', () => ownerOf(other, kind) === replica);
    await release!();
    await waitFor('the wake-up after the failover', () => woken.length > 0);
    expect(woken).toEqual(['t-failover']);
  });
});

describe('the sharded wake-up watchdog', () => {
  it('rebuilds a subscription whose connection went silent, and hears wake-ups again', async () => {
    // Every node behind a proxy (natMap), so one connection can be partitioned alone.
    const proxies = new Map<string, TcpProxy>();
    for (const port of NODE_PORTS) {
      const address = `127.0.0.1:${port}`;
      proxies.set(address, await TcpProxy.start(new URL(`redis://${address}`)));
    }
    cleanups.push(async () => {
      for (const proxy of proxies.values()) await proxy.close();
    });
    const natMap = Object.fromEntries(
      [...proxies].map(([address, proxy]) => {
        const port = Number(new URL(proxy.url).port);
        return [address, { host: '127.0.0.1', port }];
      }),
    );
    const seeds = parseClusterUrl(TEST_REDIS_CLUSTER_URL).nodes.map(({ host, port }) => ({
      host: '127.0.0.1',
      port: Number(new URL(proxies.get(`${host}:${port}`)!.url).port),
    }));
    const client = new Cluster(seeds, {
      ...redisClusterOptions({ commandTimeoutMs: 400, connectTimeoutMs: 1_000, tls: false }),
      natMap,
    });
    client.on('error', () => {});
    client.on('node error', () => {});
    await client.connect();
    await Promise.all(client.nodes('master').map((node) => node.ping()));
    const prefix = randomPrefix();
    const broker = await openRedisStore({ url: TEST_REDIS_CLUSTER_URL, prefix, client });
    cleanups.push(async () => {
      await broker.close();
      client.disconnect();
    });
    const other = await openClusterStore(prefix);
    const kind = 'fake-silent-kind';
    const [release] = await holdCredentials(other, kind);
    const woken: string[] = [];
    await subscribe(broker, 'broker-silent', woken, { probeIntervalMs: 100 });
    await waitWithTicket(broker, kind, 't-silent', 'broker-silent');
    let before: string | undefined;
    await waitFor('one subscriber connection', async () => {
      const connections = await subscriberConnections(broker, 'broker-silent');
      before = connections[0];
      return connections.length === 1;
    });

    const marker = `ioredis-cluster(ssubscriber):${wakeConnectionName(prefix, 'broker-silent')}`;
    const silenced = [...proxies.values()].reduce((sum, proxy) => sum + proxy.silence(marker), 0);
    expect(silenced).toBe(1);
    // Nothing was closed: the client cannot tell. Only the probe that never comes back can.
    await waitFor('the watchdog to replace the silent connection', async () => {
      const after = await subscriberConnections(broker, 'broker-silent');
      return after.length === 1 && after[0] !== before;
    });
    await release!();
    await waitFor('the wake-up after the rebuild', () => woken.length > 0);
    expect(woken).toEqual(['t-silent']);
  });
});
