import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { toStoreError } from './errors.js';
import { assertListenConnectionHearsStore } from './listen-check.js';
import { listenConnectionFor } from './listen-target.js';
import { pgSqlClient } from './pg-client.js';
import { pgliteSqlClient } from './pglite-client.js';
import { assertServerStatementTimeout, takePoolerOption, type PoolerMode } from './pooler.js';
import { PostgresStore } from './postgres-store.js';
import { DEFAULT_SCHEMA, quoteSchema } from './schema-name.js';
import { WakeListener } from './wake-listener.js';
import { registryFor, WakeRegistry } from './wake-registry.js';
import { WakeupHub } from './wakeup-hub.js';

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
  /**
   * Wake brokers on other processes with LISTEN/NOTIFY (default true): a dedicated
   * connection outside the pool LISTENs once a broker subscribes, and grants are
   * announced with pg_notify after commit. false = poll-only (for PgBouncer transaction
   * pooling, where LISTEN silently does nothing): brokers in this process are still woken
   * directly, others find their grants by their own ticks (every 500 ms). With
   * `pooler: 'transaction'` the default is false and true is refused, unless a
   * `listenConnectionString` is given. An explicit false always wins.
   */
  notify?: boolean;
  /**
   * A postgres:// URL of a DIRECT connection to the store's PostgreSQL server and
   * database (not through the pooler), used only for the wake-up LISTEN connection. Turns
   * wake-ups on behind `pooler: 'transaction'`: the NOTIFYs still go through the pooler
   * (each is its own transaction, delivered at commit, which transaction pooling keeps),
   * only LISTEN needs a session of its own. Checked at open: it must reach the store's
   * database on the same primary. One connection per store, opened on first subscribe.
   */
  listenConnectionString?: string;
  /**
   * Prepare the hot statements once per connection and run them by name (default true).
   * Turn off behind a pooler that cannot keep prepared statements between transactions
   * (PgBouncer in transaction mode before 1.21).
   */
  preparedStatements?: boolean;
}

export interface PgliteStoreOptions {
  /** Directory of a durable database; absent = in memory. */
  dataDir?: string;
  /** Reuse a running instance (starting one takes seconds); the store will not close it. */
  pglite?: PGlite;
  schema?: string;
  migrate?: boolean;
  /** Prepare the hot statements once and run them by name (default true). */
  preparedStatements?: boolean;
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
  const listenAt = listenConnectionFor(options, pooler, fromUrl.connectionString);
  const connectTimeoutMs = options.connectTimeoutMs ?? statementTimeoutMs;
  const pool = new pg.Pool({
    connectionString: fromUrl.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: connectTimeoutMs,
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
  // The listener hands notifications to the hub, which is made with the listener.
  const hubRef: { hub?: WakeupHub } = {};
  const listener = listenAt
    ? new WakeListener({
        // The URL and a connect timeout only: no statement_timeout or other startup
        // parameter (a LISTEN connection runs no statement worth bounding on the server).
        clientConfig: {
          connectionString: listenAt.connectionString,
          connectionTimeoutMillis: connectTimeoutMs,
        },
        applicationName: `qa-broker-wakeups ${schema}`,
        onNotification: (channel, payload) => hubRef.hub?.receive(channel, payload),
      })
    : undefined;
  const hub = new WakeupHub(schema, new WakeRegistry(), listener);
  hubRef.hub = hub;
  const client = pgSqlClient(pool, { preparedStatements: options.preparedStatements ?? true });
  const store = await prepare(new PostgresStore(client, schema, hub), options.migrate);
  try {
    if (pooler === 'transaction') await assertServerStatementTimeout(client.db, statementTimeoutMs);
    if (listenAt?.verify) {
      await assertListenConnectionHearsStore(
        client.db,
        {
          connectionString: listenAt.connectionString,
          connectionTimeoutMillis: connectTimeoutMs,
          query_timeout: statementTimeoutMs,
        },
        connectTimeoutMs,
      );
    }
  } catch (error) {
    await store.close().catch(() => undefined);
    throw toStoreError(error, 'open');
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
  // In-process wake-ups only, shared by every store on this instance.
  const hub = new WakeupHub(schema, registryFor(pglite));
  return prepare(
    new PostgresStore(
      pgliteSqlClient(pglite, !options.pglite, {
        preparedStatements: options.preparedStatements ?? true,
      }),
      schema,
      hub,
    ),
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
