import { StoreError } from '@qa-broker/store';
import { Cluster, Redis } from 'ioredis';
import { isClusterUrl, parseClusterUrl } from './cluster-url.js';
import { toStoreError } from './errors.js';
import { createKeyspace, DEFAULT_KEY_PREFIX } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { RedisStore } from './redis-store.js';
import { setWaitReplicas } from './replica-wait.js';
import { registerScripts } from './scripts.js';

export interface RedisStoreOptions {
  /**
   * `redis://` or `rediss://` (TLS) for one Redis; `redis-cluster://host:port[,host:port…]`
   * or `rediss-cluster://…` for a Redis Cluster. Ignored when `client` is given.
   */
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
  client?: RedisClient;
  /**
   * Replicas that must confirm every state change (Redis `WAIT`) before the store answers;
   * default 0. With 1 on a cluster whose primaries each have a replica, a primary lost
   * (killed, not only failed over) loses nothing the broker acknowledged; each write then
   * waits for a replica's acknowledgement.
   */
  waitReplicas?: number;
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

/**
 * The same guarantees on a cluster. A command is redirected on MOVED/ASK and retried on
 * TRYAGAIN/CLUSTERDOWN (Redis did not run it), but never resent after its connection
 * closed (`retryDelayOnFailover: 0`: it may have run). While a primary is gone, its slots'
 * commands go to any node, which answers MOVED once a replica has taken over; until then
 * they fail fast with STORE_UNAVAILABLE. Every retry stays within the command timeout,
 * and a script that reaches a node after its deadline changes nothing.
 */
export function redisClusterOptions(options: {
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  username?: string;
  password?: string;
  tls: boolean;
}) {
  const {
    lazyConnect: _lazy,
    enableOfflineQueue: _offline,
    retryStrategy: _retry,
    ...nodeOptions
  } = redisClientOptions(options);
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    retryDelayOnFailover: 0,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: Math.min(1_000, options.connectTimeoutMs),
    slotsRefreshInterval: 2_000,
    clusterRetryStrategy: (attempt: number) => Math.min(50 * attempt, 1_000),
    redisOptions: {
      ...nodeOptions,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.tls ? { tls: {} } : {}),
    },
  };
}

/** Connects (or adopts `options.client`), registers the scripts and returns the store. */
export async function openRedisStore(options: RedisStoreOptions): Promise<RedisStore> {
  const keys = createKeyspace(options.prefix ?? DEFAULT_KEY_PREFIX);
  if (options.client) {
    registerScripts(options.client);
    setWaitReplicas(options.client, options.waitReplicas ?? 0);
    return new RedisStore(options.client, keys, false);
  }
  const timeouts = {
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  };
  let client: RedisClient;
  if (isClusterUrl(options.url)) {
    let location;
    try {
      location = parseClusterUrl(options.url);
    } catch (error) {
      throw new StoreError('INTERNAL_ERROR', (error as Error).message);
    }
    client = new Cluster(location.nodes, redisClusterOptions({ ...timeouts, ...location }));
    client.on('node error', () => {});
  } else {
    client = new Redis(options.url, redisClientOptions(timeouts));
  }
  setWaitReplicas(client, options.waitReplicas ?? 0);
  // Connection errors surface as StoreErrors on the calls that hit them; without a
  // listener ioredis would also print every reconnect attempt.
  client.on('error', () => {});
  registerScripts(client);
  try {
    await connectWithin(client, timeouts.connectTimeoutMs);
    if (client instanceof Redis) await refuseClusterNode(client);
    else await connectPrimaries(client);
  } catch (error) {
    client.disconnect();
    throw toStoreError(error, 'connect');
  }
  return new RedisStore(client, keys, true);
}

/** A cluster client keeps trying its seed nodes; the store's start must not wait forever. */
async function connectWithin(client: RedisClient, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not become ready within ${timeoutMs} ms.`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([client.connect(), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A cluster client opens its connections to the other primaries lazily, and without an
 * offline queue a command for a primary still connecting fails at once ("Connection is
 * closed"). Open them all before the store is used: a PING on a node's own connection
 * waits for it (bounded by the connect timeout).
 */
async function connectPrimaries(cluster: Cluster): Promise<void> {
  await Promise.all(cluster.nodes('master').map((node) => node.ping()));
}

/**
 * A `redis://` URL that names a cluster node would seem to work (it connects, `PING`
 * answers) and then fail on every key another node owns: say so at start instead.
 */
async function refuseClusterNode(client: Redis): Promise<void> {
  let info: string;
  try {
    info = await client.info('cluster');
  } catch {
    return; // INFO denied by ACLs: nothing to learn here.
  }
  if (/^cluster_enabled:1/m.test(info)) {
    throw new StoreError(
      'INTERNAL_ERROR',
      'This Redis is a Redis Cluster node: use --store redis-cluster://host:port[,host:port…] (rediss-cluster:// for TLS), not redis://.',
    );
  }
}
