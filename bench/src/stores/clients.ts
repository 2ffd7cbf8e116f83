import { PGlite } from '@electric-sql/pglite';
import { Redis } from 'ioredis';
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

export type PgliteLike = Pick<PGlite, 'query' | 'close'>;

/** An embedded PGlite on a data directory. */
export async function newPglite(dataDir: string): Promise<PgliteLike> {
  return PGlite.create(dataDir);
}
