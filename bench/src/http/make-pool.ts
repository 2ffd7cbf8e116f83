import { Pool } from 'undici';

/**
 * A keep-alive connection pool to a child on 127.0.0.1. One connection per client, no
 * pipelining, bounded timeouts so a stuck child can never hang the bench.
 */
export function makePool(port: number, connections: number): Pool {
  return new Pool(`http://127.0.0.1:${port}`, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
    connectTimeout: 5_000,
  });
}
