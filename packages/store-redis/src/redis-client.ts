import { Cluster, Command, type Redis } from 'ioredis';

/**
 * The store runs on either a single Redis (or a Sentinel-managed primary) or a Redis
 * Cluster. Both speak the same commands; what differs is which server answers: one for a
 * `Redis`, the primary that owns the key's hash slot for a `Cluster`.
 */
export type RedisClient = Redis | Cluster;

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** The per-command reply timeout the client was built with (undefined = none). */
export function commandTimeoutOf(client: RedisClient): number | undefined {
  return isCluster(client)
    ? client.options.redisOptions?.commandTimeout
    : client.options.commandTimeout;
}

/**
 * The hash slot a key maps to (its `{tag}` when it has one), computed by the very code the
 * cluster client routes commands with (an unsent command is never settled or queued).
 */
export function slotOf(key: string): number {
  return new Command('exists', [key]).getSlot();
}

/**
 * The connection to the server that runs commands on `key`: the client itself for a single
 * Redis; for a cluster, the connection to the primary that currently owns the key's slot
 * (undefined while the slot map is unknown). A script and a `WAIT` after it must go to the
 * same connection, and a script's clock estimate belongs to that server.
 */
export function serverFor(client: RedisClient, key: string): Redis | undefined {
  if (!isCluster(client)) return client;
  const owner = client.slots[slotOf(key)]?.[0];
  if (owner === undefined) return undefined;
  return client
    .nodes('master')
    .find((node) => `${node.options.host}:${node.options.port}` === owner);
}
