import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { parseClusterUrl } from '../../src/cluster-url.js';
import { createKeyspace } from '../../src/keys.js';
import { isCluster, type RedisClient } from '../../src/redis-client.js';
import { openRedisStore, type RedisStoreOptions } from '../../src/open-redis-store.js';
import type { RedisStore } from '../../src/redis-store.js';

export const TEST_REDIS_URL = process.env.QA_BROKER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The local cluster of scripts/redis-cluster.sh (started by this package's globalSetup). */
export const TEST_REDIS_CLUSTER_URL =
  process.env.QA_BROKER_TEST_REDIS_CLUSTER_URL ??
  'redis-cluster://127.0.0.1:7100,127.0.0.1:7101,127.0.0.1:7102';

/** A key prefix no other test (or run) shares. */
export function randomPrefix(): string {
  return `qa-broker-test-${randomBytes(6).toString('hex')}`;
}

/** A plain client for inspecting and cleaning up keys; fails loudly if Redis is missing. */
export async function openAdminClient(): Promise<Redis> {
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return client;
}

/** A plain cluster client for inspecting and cleaning up keys on the test cluster. */
export async function openClusterAdminClient(): Promise<Cluster> {
  const client = new Cluster(parseClusterUrl(TEST_REDIS_CLUSTER_URL).nodes, {
    lazyConnect: true,
    redisOptions: { maxRetriesPerRequest: 1 },
  });
  await client.connect();
  return client;
}

/** Every key of a prefix, found with SCAN (never KEYS on a shared server); on every primary of a cluster. */
export async function keysOf(client: RedisClient, prefix: string): Promise<string[]> {
  const servers = isCluster(client) ? client.nodes('master') : [client];
  const found: string[] = [];
  for (const server of servers) {
    let cursor = '0';
    do {
      const [next, batch] = await server.scan(
        cursor,
        'MATCH',
        createKeyspace(prefix).matchAll,
        'COUNT',
        1000,
      );
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}

export async function deleteKeysOf(client: RedisClient, prefix: string): Promise<void> {
  // One UNLINK per key: on a cluster keys of different kinds live in different slots.
  for (const key of await keysOf(client, prefix)) await client.unlink(key);
}

/** A store on its own random prefix; `cleanup` closes it and deletes its keys. */
export async function openIsolatedStore(
  options: Partial<RedisStoreOptions> = {},
): Promise<{ store: RedisStore; prefix: string; cleanup: () => Promise<void> }> {
  const prefix = options.prefix ?? randomPrefix();
  const store = await openRedisStore({ url: TEST_REDIS_URL, ...options, prefix });
  return {
    store,
    prefix,
    cleanup: async () => {
      await store.close();
      const admin = await openAdminClient();
      try {
        await deleteKeysOf(admin, prefix);
      } finally {
        admin.disconnect();
      }
    },
  };
}
