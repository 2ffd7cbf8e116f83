import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The single-node stores, and the deployments at scale beside them: the local Redis Cluster
 * (scripts/redis-cluster.sh) answering once the primary has a change, and waiting for one
 * replica (WAIT 1) after each; PostgreSQL through PgBouncer 1.18 and 1.24 in transaction
 * mode (scripts/pgbouncer.sh).
 */
export const STORE_KINDS = [
  'pglite',
  'postgres',
  'redis',
  'redis-cluster',
  'redis-cluster-wait1',
  'pgbouncer-1.18',
  'pgbouncer-1.24',
] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** Where one pool lives: every pool gets its own schema, key prefix or data directory. */
export type StoreTarget =
  | { kind: 'pglite'; dataDir: string; schema: string; preparedStatements: boolean }
  /** `adminUrl`: a direct connection for bulk loading and cleanup when `url` is a pooler. */
  | {
      kind: 'postgres';
      url: string;
      schema: string;
      preparedStatements: boolean;
      adminUrl?: string;
    }
  | { kind: 'redis'; url: string; prefix: string; waitReplicas?: number };

export interface ServiceUrls {
  postgresUrl: string;
  redisUrl: string;
  preparedStatements: boolean;
}

/** The local cluster and poolers the scale stores run on (the same the tests use). */
export const REDIS_CLUSTER_URL = 'redis-cluster://127.0.0.1:7100,127.0.0.1:7101,127.0.0.1:7102';
const PGBOUNCER_PORTS = { 'pgbouncer-1.18': 6432, 'pgbouncer-1.24': 6433 } as const;

/** The local service a store kind needs beyond PostgreSQL and Redis (scripts/<name>). */
export function serviceOf(kind: StoreKind): { script: string; args: string[] } | undefined {
  if (kind === 'redis-cluster' || kind === 'redis-cluster-wait1')
    return { script: 'redis-cluster.sh', args: [] };
  if (kind === 'pgbouncer-1.18') return { script: 'pgbouncer.sh', args: ['1.18'] };
  if (kind === 'pgbouncer-1.24') return { script: 'pgbouncer.sh', args: ['1.24'] };
  return undefined;
}

export function isClusterTarget(target: StoreTarget): boolean {
  return target.kind === 'redis' && target.url.startsWith('redis-cluster://');
}

export function freshTarget(kind: StoreKind, urls: ServiceUrls): StoreTarget {
  const suffix = randomBytes(5).toString('hex');
  switch (kind) {
    case 'pglite':
      return {
        kind,
        dataDir: join(tmpdir(), `qa-broker-bench-${suffix}`),
        schema: 'qa_broker',
        preparedStatements: urls.preparedStatements,
      };
    case 'postgres':
      return {
        kind,
        url: urls.postgresUrl,
        schema: `bench_${suffix}`,
        preparedStatements: urls.preparedStatements,
      };
    case 'redis':
      return { kind, url: urls.redisUrl, prefix: `qa-bench-${suffix}` };
    case 'redis-cluster':
    case 'redis-cluster-wait1':
      return {
        kind: 'redis',
        url: REDIS_CLUSTER_URL,
        prefix: `qa-bench-${suffix}`,
        waitReplicas: kind === 'redis-cluster-wait1' ? 1 : 0,
      };
    case 'pgbouncer-1.18':
    case 'pgbouncer-1.24':
      // The role scripts/pgbouncer.sh logs in as (statement_timeout set on the role).
      return {
        kind: 'postgres',
        url: `postgres://qa_broker_pooled@127.0.0.1:${PGBOUNCER_PORTS[kind]}/postgres?pooler=transaction`,
        schema: `bench_${suffix}`,
        // PgBouncer keeps named statements in transaction mode only from 1.21 on.
        preparedStatements: kind === 'pgbouncer-1.24' && urls.preparedStatements,
        adminUrl: urls.postgresUrl,
      };
  }
}

/** For progress lines and the report: never a password. */
export function describeTarget(target: StoreTarget): string {
  switch (target.kind) {
    case 'pglite':
      return `pglite dataDir ${target.dataDir}`;
    case 'postgres':
      return `postgres schema ${target.schema}${target.adminUrl ? ' (through PgBouncer)' : ''}`;
    case 'redis':
      return `redis prefix ${target.prefix}${isClusterTarget(target) ? ` (cluster, wait ${target.waitReplicas ?? 0})` : ''}`;
  }
}
