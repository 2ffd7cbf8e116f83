import { PGlite } from '@electric-sql/pglite';
import { Cluster, Redis } from 'ioredis';
import pg from 'pg';

/**
 * The low-level clients the bench uses beside the adapters: pg for DROP SCHEMA and the
 * server version, ioredis for MEMORY USAGE and key cleanup, PGlite for bulk loading an
 * embedded pool. The versions are the workspace catalog's, the same the adapters use.
 */
export type PgClientLike = Pick<pg.Client, 'connect' | 'end'> & {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
};

export function newPgClient(connectionString: string): PgClientLike {
  return new pg.Client({ connectionString });
}

export type RedisLike = Pick<Redis, 'call' | 'quit'>;

export async function newRedisClient(url: string): Promise<RedisLike> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return client;
}

/** A plain cluster client on `redis-cluster://h:p,h:p` seeds, for key cleanup. */
export async function newRedisClusterClient(url: string): Promise<Cluster> {
  const seeds = url
    .replace(/^redis-cluster:\/\//, '')
    .split(',')
    .map((node) => {
      const [host, port] = node.split(':');
      return { host: host!, port: Number(port) };
    });
  const cluster = new Cluster(seeds, {
    lazyConnect: true,
    redisOptions: { maxRetriesPerRequest: 1 },
  });
  await cluster.connect();
  return cluster;
}

export type PgliteLike = Pick<PGlite, 'query' | 'close'>;

/** An embedded PGlite on a data directory. */
export async function newPglite(dataDir: string): Promise<PgliteLike> {
  return PGlite.create(dataDir);
}
