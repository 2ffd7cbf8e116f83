import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const STORE_KINDS = ['pglite', 'postgres', 'redis'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** Where one pool lives: every pool gets its own schema, key prefix or data directory. */
export type StoreTarget =
  | { kind: 'pglite'; dataDir: string; schema: string; preparedStatements: boolean }
  | { kind: 'postgres'; url: string; schema: string; preparedStatements: boolean }
  | { kind: 'redis'; url: string; prefix: string };

export interface ServiceUrls {
  postgresUrl: string;
  redisUrl: string;
  preparedStatements: boolean;
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
  }
}

/** For progress lines and the report: never a password. */
export function describeTarget(target: StoreTarget): string {
  switch (target.kind) {
    case 'pglite':
      return `pglite dataDir ${target.dataDir}`;
    case 'postgres':
      return `postgres schema ${target.schema}`;
    case 'redis':
      return `redis prefix ${target.prefix}`;
  }
}
