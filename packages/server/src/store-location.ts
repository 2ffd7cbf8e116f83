import { ConfigError } from './config-error.js';

/** How the broker talks to a PostgreSQL server (absent fields: the adapter's defaults). */
export interface PostgresTuning {
  /** Prepare the hot statements once per connection (default on; off behind PgBouncer < 1.21). */
  preparedStatements?: boolean;
  poolSize?: number;
  statementTimeoutMs?: number;
}

export type StoreLocation =
  | ({
      type: 'postgres';
      url: string;
      schema?: string;
      /** A direct connection to the same database, for the wake-up LISTEN only. */
      listenUrl?: string;
    } & PostgresTuning)
  /** `dataDir` absent = in memory. */
  | ({ type: 'pglite'; dataDir?: string; schema?: string } & Pick<
      PostgresTuning,
      'preparedStatements'
    >)
  /** `waitReplicas`: replicas that confirm each state change (WAIT); absent = 0. */
  | { type: 'redis'; url: string; prefix?: string; waitReplicas?: number };

export const DEFAULT_STORE = 'pglite:./.qa-broker/data';

const FORMS =
  'postgres://…, postgresql://…, pglite:<dir>, pglite:memory, redis://…, rediss://…, redis-cluster://host:port[,host:port…] or rediss-cluster://…';

/** `redis-cluster://h:p,h:p`: a list of seed nodes, which a WHATWG URL cannot hold. */
const CLUSTER_URL = /^rediss?-cluster:\/\/([^@/?#]*@)?[^@/?#,]+:\d{1,5}(,[^@/?#,]+:\d{1,5})*\/?$/i;

function schemeOf(value: string): string {
  const colon = value.indexOf(':');
  return colon > 0 ? value.slice(0, colon + 1) : value.slice(0, 16);
}

/** Parses a `--store` value; `source` names where it came from for the error message. */
export function parseStoreLocation(value: string, source: string): StoreLocation {
  const lower = value.toLowerCase();
  if (lower.startsWith('pglite:')) {
    const dir = value.slice('pglite:'.length).trim();
    if (!dir)
      throw new ConfigError(
        `${source} "pglite:" needs a directory or "memory": set it to pglite:<dir> or pglite:memory.`,
      );
    return dir === 'memory' ? { type: 'pglite' } : { type: 'pglite', dataDir: dir };
  }
  if (lower.startsWith('redis-cluster://') || lower.startsWith('rediss-cluster://')) {
    if (!CLUSTER_URL.test(value)) {
      throw new ConfigError(
        `${source} is not a valid ${schemeOf(value)}// URL: list the seed nodes as redis-cluster://host:port[,host:port…].`,
      );
    }
    return { type: 'redis', url: value };
  }
  const isPostgres = lower.startsWith('postgres://') || lower.startsWith('postgresql://');
  const isRedis = lower.startsWith('redis://') || lower.startsWith('rediss://');
  if (isPostgres || isRedis) {
    if (!URL.canParse(value)) {
      // Never echo the value: it may hold a password.
      throw new ConfigError(
        `${source} is not a valid ${schemeOf(value)}// URL: fix the value of ${source}.`,
      );
    }
    return isPostgres ? { type: 'postgres', url: value } : { type: 'redis', url: value };
  }
  throw new ConfigError(
    `${source} has an unsupported store "${schemeOf(value)}…": set ${source} to ${FORMS}.`,
  );
}

/**
 * Places the store's tables (Postgres schema) or keys (Redis prefix) where asked, so
 * several brokers or test runs can share one database. Only the matching one applies.
 */
export function withNamespace(
  location: StoreLocation,
  namespace: { schema?: string; redisPrefix?: string },
): StoreLocation {
  if (location.type === 'redis') {
    return namespace.redisPrefix ? { ...location, prefix: namespace.redisPrefix } : location;
  }
  return namespace.schema ? { ...location, schema: namespace.schema } : location;
}

/** Applies the PostgreSQL settings that fit the location (PGlite has one connection). */
export function withPostgresTuning(location: StoreLocation, tuning: PostgresTuning): StoreLocation {
  if (location.type === 'redis') return location;
  const preparedStatements =
    tuning.preparedStatements === undefined
      ? {}
      : { preparedStatements: tuning.preparedStatements };
  if (location.type === 'pglite') return { ...location, ...preparedStatements };
  return {
    ...location,
    ...preparedStatements,
    ...(tuning.poolSize === undefined ? {} : { poolSize: tuning.poolSize }),
    ...(tuning.statementTimeoutMs === undefined
      ? {}
      : { statementTimeoutMs: tuning.statementTimeoutMs }),
  };
}

/** A store location fit for logs and banners: any password is replaced. */
export function describeStoreLocation(location: StoreLocation): string {
  if (location.type === 'pglite') return `pglite:${location.dataDir ?? 'memory'}`;
  if (/^rediss?-cluster:/i.test(location.url)) {
    return location.url.replace(/^([a-z-]+:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
  }
  const store = withoutPassword(location.url);
  if (location.type !== 'postgres' || !location.listenUrl) return store;
  return `${store}, wake-ups LISTEN on ${withoutPassword(location.listenUrl)}`;
}

function withoutPassword(value: string): string {
  const url = new URL(value);
  if (url.password) url.password = '***';
  // pg also reads a password from the query string.
  if (url.searchParams.has('password')) url.searchParams.set('password', '***');
  return url.toString();
}
