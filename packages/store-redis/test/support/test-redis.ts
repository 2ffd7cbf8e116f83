import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createKeyspace } from '../../src/keys.js';
import { openRedisStore, type RedisStoreOptions } from '../../src/open-redis-store.js';
import type { RedisStore } from '../../src/redis-store.js';

export const TEST_REDIS_URL = process.env.QA_BROKER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

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

/** Every key of a prefix, found with SCAN (never KEYS on a shared server). */
export async function keysOf(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(
      cursor,
      'MATCH',
      createKeyspace(prefix).matchAll,
      'COUNT',
      1000,
    );
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

export async function deleteKeysOf(client: Redis, prefix: string): Promise<void> {
  const keys = await keysOf(client, prefix);
  for (let i = 0; i < keys.length; i += 500) await client.unlink(...keys.slice(i, i + 500));
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
