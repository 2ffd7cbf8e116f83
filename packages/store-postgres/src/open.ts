import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { toStoreError } from './errors.js';
import { pgSqlClient } from './pg-client.js';
import { pgliteSqlClient } from './pglite-client.js';
import { assertServerStatementTimeout, takePoolerOption, type PoolerMode } from './pooler.js';
import { PostgresStore } from './postgres-store.js';
import { DEFAULT_SCHEMA, quoteSchema } from './schema-name.js';

export interface PostgresStoreOptions {
  /** A postgres:// URL; its `pooler=transaction` option sets `pooler`. */
  connectionString: string;
  /**
   * `transaction` behind a transaction pooler such as PgBouncer in transaction mode: no
   * startup parameters beyond the pooler's own, and the server-side statement_timeout is
   * checked (it must be set on the role or database) instead of set. Default `none`.
   */
  pooler?: PoolerMode;
  /** Default `qa_broker`; must match `^[a-z_][a-z0-9_]{0,62}$`. */
  schema?: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Server-side statement_timeout and client-side query timeout (default 5000 ms). */
  statementTimeoutMs?: number;
  /** How long to wait for a connection (default: statementTimeoutMs). */
  connectTimeoutMs?: number;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
}

export interface PgliteStoreOptions {
  /** Directory of a durable database; absent = in memory. */
  dataDir?: string;
  /** Reuse a running instance (starting one takes seconds); the store will not close it. */
  pglite?: PGlite;
  schema?: string;
  migrate?: boolean;
}

const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;
/** The client-side timeout leaves the server's statement_timeout room to fire first. */
const CLIENT_TIMEOUT_MARGIN_MS = 1_000;

/** A store on a PostgreSQL server, through a pg Pool with bounded waits. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  quoteSchema(schema); // fail on a bad name before connecting
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const fromUrl = takePoolerOption(options.connectionString);
  const pooler = options.pooler ?? fromUrl.pooler ?? 'none';
  const pool = new pg.Pool({
    connectionString: fromUrl.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? statementTimeoutMs,
    // A transaction pooler refuses statement_timeout as a startup parameter (PgBouncer:
    // "unsupported startup parameter"); the role's or database's setting applies instead.
    ...(pooler === 'none' ? { statement_timeout: statementTimeoutMs } : {}),
    query_timeout: statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
    application_name: 'qa-broker',
  });
  // An idle connection that dies (server restart, network cut) emits 'error' on the pool;
  // unhandled, that would crash the process. The pool drops it, and the next query that
  // needs a connection reports STORE_UNAVAILABLE, so there is nothing else to do here.
  pool.on('error', () => undefined);
  const client = pgSqlClient(pool);
  const store = await prepare(new PostgresStore(client, schema), options.migrate);
  if (pooler === 'transaction') {
    try {
      await assertServerStatementTimeout(client.db, statementTimeoutMs);
    } catch (error) {
      await store.close().catch(() => undefined);
      throw toStoreError(error, 'open');
    }
  }
  return store;
}

/** A store on embedded PGlite: in memory, or durable in `dataDir`. */
export async function openPgliteStore(options: PgliteStoreOptions = {}): Promise<PostgresStore> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  quoteSchema(schema);
  let pglite = options.pglite;
  if (!pglite) {
    try {
      pglite = await PGlite.create(options.dataDir);
    } catch (error) {
      throw toStoreError(error, 'open');
    }
  }
  return prepare(
    new PostgresStore(pgliteSqlClient(pglite, !options.pglite), schema),
    options.migrate,
  );
}

async function prepare(store: PostgresStore, migrate = true): Promise<PostgresStore> {
  try {
    if (migrate) await store.migrate();
    else await store.ping();
    return store;
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}
