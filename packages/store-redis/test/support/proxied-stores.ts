import type { RedisStoreOptions } from '../../src/open-redis-store.js';
import { openRedisStore } from '../../src/open-redis-store.js';
import type { RedisStore } from '../../src/redis-store.js';
import { TcpProxy } from './tcp-proxy.js';
import { TEST_REDIS_URL, openIsolatedStore } from './test-redis.js';

export interface ProxiedStores {
  /** Talks to Redis through `proxy`, which a test delays, swaps or cuts. */
  proxied: RedisStore;
  /** The same keys through a direct connection: the ground truth. */
  direct: RedisStore;
  proxy: TcpProxy;
  close(): Promise<void>;
}

/**
 * Two stores on one random prefix, one behind a TCP proxy, with `credentialIds` added to
 * `kind` (directly) so a test can fault the proxied path and check the truth afterwards.
 */
export async function openProxiedStores(options: {
  kind: string;
  credentialIds: string[];
  nowMs?: number;
  proxied?: Partial<RedisStoreOptions>;
}): Promise<ProxiedStores> {
  const isolated = await openIsolatedStore();
  const proxy = await TcpProxy.start(new URL(TEST_REDIS_URL));
  const proxied = await openRedisStore({
    ...options.proxied,
    url: proxy.url,
    prefix: isolated.prefix,
  });
  for (const credentialId of options.credentialIds) {
    await isolated.store.addCredential({
      credentialId,
      kind: options.kind,
      payload: { pieces: ['{"fake":"x"}'], byteLength: 12 },
      status: 'active',
      actorId: 'fake-admin',
      ...(options.nowMs === undefined ? {} : { nowMs: options.nowMs }),
    });
  }
  return {
    proxied,
    direct: isolated.store,
    proxy,
    close: async () => {
      await proxied.close();
      await proxy.close();
      await isolated.cleanup();
    },
  };
}
