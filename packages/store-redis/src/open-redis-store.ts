import { Redis } from 'ioredis';
import { toStoreError } from './errors.js';
import { createKeyspace, DEFAULT_KEY_PREFIX } from './keys.js';
import { RedisStore } from './redis-store.js';
import { registerScripts } from './scripts.js';

export interface RedisStoreOptions {
  /** `redis://` or `rediss://` (TLS). Ignored when `client` is given. */
  url: string;
  /** Prefix of every key; default "qa-broker". Must not contain "{" or "}". */
  prefix?: string;
  /** Longest wait for one command's reply before it fails with STORE_UNAVAILABLE; default 2000. */
  commandTimeoutMs?: number;
  /** Longest wait for a connection; default 5000. */
  connectTimeoutMs?: number;
  /**
   * A client to reuse (the store then never closes it). It should be configured as
   * `redisClientOptions` describes, or the availability guarantees do not hold.
   */
  client?: Redis;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Client settings that make failures fast and honest. A command is never queued while the
 * connection is down, never retried and never resent after a reconnect: a caller told
 * "unavailable" must not have its acquire run later behind its back. A reply slower than
 * the timeout fails the command and, through `socketTimeout`, drops the socket, so a
 * half-dead connection is replaced instead of timing out forever. Reconnects happen by
 * themselves with a short capped backoff.
 */
export function redisClientOptions(options: {
  commandTimeoutMs: number;
  connectTimeoutMs: number;
}) {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: options.commandTimeoutMs,
    socketTimeout: options.commandTimeoutMs,
    connectTimeout: options.connectTimeoutMs,
    retryStrategy: (attempt: number) => Math.min(50 * attempt, 1_000),
    // After a failover the old primary answers READONLY: reconnect to find the new one.
    reconnectOnError: (error: Error) => error.message.startsWith('READONLY'),
    // RESP2 keeps script replies plain arrays, whatever the client default becomes.
    protocol: 2 as const,
  };
}

/** Connects (or adopts `options.client`), registers the scripts and returns the store. */
export async function openRedisStore(options: RedisStoreOptions): Promise<RedisStore> {
  const keys = createKeyspace(options.prefix ?? DEFAULT_KEY_PREFIX);
  if (options.client) {
    registerScripts(options.client);
    return new RedisStore(options.client, keys, false);
  }
  const client = new Redis(
    options.url,
    redisClientOptions({
      commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    }),
  );
  // Connection errors surface as StoreErrors on the calls that hit them; without a
  // listener ioredis would also print every reconnect attempt.
  client.on('error', () => {});
  registerScripts(client);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw toStoreError(error, 'connect');
  }
  return new RedisStore(client, keys, true);
}
