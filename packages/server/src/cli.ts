import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { ConfigError } from './config-error.js';
import { loadMigrateConfig, loadRotateKeysConfig, loadServeConfig } from './config.js';
import type { Env } from './config.js';
import { Keyring } from './encryption/keyring.js';
import { rotateKeys } from './encryption/rotate-keys.js';
import { createBrokerLogger } from './logger.js';
import { startBroker } from './main.js';
import { openStore } from './open-store.js';
import { describeStoreLocation } from './store-location.js';
import type { TextSink } from './text-sink.js';

export interface CliIo {
  env: Env;
  stdout: TextSink;
  stderr: TextSink;
  /** Stops `serve` like SIGTERM does (tests run it in-process). */
  signal?: AbortSignal;
}

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

const TOP_HELP = `Usage: qa-broker-server <command> [options]

The QA credential broker server.

Commands:
  serve        Run the broker (applies pending store migrations first)
  migrate      Apply pending store migrations, then exit
  rotate-keys  Re-encrypt every stored payload under the first QA_BROKER_ENCRYPTION_KEYS key

Run "qa-broker-server <command> --help" for a command's options.
`;

const STORE_HELP = `  --store URL          postgres://…, postgresql://…, pglite:<dir>, pglite:memory,
                       redis://…, rediss://…, redis-cluster://host:port[,host:port…]
                       or rediss-cluster://…   [QA_BROKER_STORE; default pglite:./.qa-broker/data]
                       Behind PgBouncer in transaction mode add ?pooler=transaction to the
                       postgres:// URL (see the README's "Deploy at scale").
  --schema NAME        Postgres/PGlite schema   [QA_BROKER_POSTGRES_SCHEMA; default qa_broker]`;

const SERVE_HELP = `Usage: qa-broker-server serve [options]

Options (flag > environment variable > default):
  --host H             Address to listen on   [QA_BROKER_HOST; default 127.0.0.1]
  --port P             Port, 0 for any free one   [PORT; default 8787]
${STORE_HELP}
  --redis-prefix P     Redis key prefix   [QA_BROKER_REDIS_PREFIX; default qa-broker]
  --store-prepared-statements on|off  Prepare the hot SQL statements once per connection and
                       run them by name (Postgres, PGlite); off behind a pooler that cannot
                       keep them (PgBouncer in transaction mode before 1.21)
                       [QA_BROKER_STORE_PREPARED_STATEMENTS; default on]
  --postgres-pool-size N       Connections to PostgreSQL   [QA_BROKER_POSTGRES_POOL_SIZE; default 10]
  --postgres-statement-timeout-ms N  PostgreSQL statement_timeout (a connection wait is
                       bounded by it too)   [QA_BROKER_POSTGRES_STATEMENT_TIMEOUT_MS; default 5000]
  --store-redis-wait-replicas N  Redis replicas that must confirm every state change (WAIT)
                       before the broker answers; 0 answers once the primary has it, and a
                       primary lost before its replica caught up loses those changes
                       [QA_BROKER_STORE_REDIS_WAIT_REPLICAS; default 0]
  --endpoint-prefix P  Route prefix   [QA_BROKER_ENDPOINT_PREFIX; default /qa-credentials/v1]
  --payload-max-bytes N        admin/add body limit   [QA_BROKER_PAYLOAD_MAX_BYTES; default 67108864]
  --lease-body-max-bytes N     acquire/heartbeat/release/payload-chunk body limit
                       [QA_BROKER_LEASE_BODY_MAX_BYTES; default 65536]
  --admin-body-max-bytes N     admin/remove, admin/list, admin/events body limit
                       [QA_BROKER_ADMIN_BODY_MAX_BYTES; default 65536]
  --lease-ttl-min-ms N, --lease-ttl-max-ms N, --lease-ttl-default-ms N
                       [QA_BROKER_LEASE_TTL_MIN_MS, …_MAX_MS, …_DEFAULT_MS; default 30000, 7200000, 1200000]
  --heartbeat-interval-min-ms N, --heartbeat-interval-max-ms N, --heartbeat-interval-default-ms N
                       [QA_BROKER_HEARTBEAT_INTERVAL_MIN_MS, …; default 5000, 300000, 30000]
  --auth-failure-limit L       Wrong tokens one client address may send per window before
                       it gets 429 RATE_LIMITED (with Retry-After) until the window ends:
                       30/60s, 100/5m, 30 (per minute) or off   [QA_BROKER_AUTH_FAILURE_LIMIT; default 30/60s]
  --trust-proxy N      Proxies in front of the broker whose X-Forwarded-For names the client
                       address: 0/off, 1/on, or a count   [QA_BROKER_TRUST_PROXY; default off]
  --headers-timeout-ms N       All request headers within   [QA_BROKER_HEADERS_TIMEOUT_MS; default 10000]
  --request-timeout-ms N       Whole request within   [QA_BROKER_REQUEST_TIMEOUT_MS; default 30000]
  --keep-alive-timeout-ms N    Idle keep-alive connections closed after
                       [QA_BROKER_KEEP_ALIVE_TIMEOUT_MS; default 5000]
  --store-timeout-ms N         One store call within, else 503 STORE_UNAVAILABLE with Retry-After
                       [QA_BROKER_STORE_TIMEOUT_MS; default 8000]
  --queue-max N        Live ticket waiters one kind may hold; more get 503 QUEUE_FULL
                       [QA_BROKER_QUEUE_MAX; default 10000]
  --store-notify on|off        PostgreSQL wake-ups by LISTEN/NOTIFY (on), or poll-only (off:
                       for a transaction pooler such as PgBouncer; a queued grant then
                       reaches its waiter within the 500 ms reconcile tick; poll-only
                       with ?pooler=transaction unless --store-listen-url is given)
                       [QA_BROKER_STORE_NOTIFY; default on]
  --store-listen-url URL       A direct postgres:// connection to the store's PostgreSQL
                       server and database (not through the pooler), used only to LISTEN
                       for wake-ups: behind PgBouncer in transaction mode, waiters on other
                       brokers are then woken by NOTIFY instead of their tick. One
                       connection per broker; postgres:// stores only, not with
                       --store-notify off   [QA_BROKER_STORE_LISTEN_URL; default none]
  --require-encryption on|off  With QA_BROKER_ENCRYPTION_KEYS set, refuse to serve a payload
                       piece still stored in plaintext (500 PAYLOAD_UNREADABLE, the lease
                       given back); run rotate-keys to seal them   [QA_BROKER_REQUIRE_ENCRYPTION; default off]
  --log-level L        fatal, error, warn, info, debug, trace or silent   [QA_BROKER_LOG_LEVEL; default info]
  -h, --help           Show this help

Role secrets and encryption keys come from the environment only (never a flag):
  QA_BROKER_SECRET_MAINTAINER, QA_BROKER_SECRET_CI
  (fallbacks OPENCLAW_QA_CONVEX_SECRET_MAINTAINER, OPENCLAW_QA_CONVEX_SECRET_CI).
  QA_BROKER_ENCRYPTION_KEYS=id:base64key[,id:base64key…] encrypts payloads at rest
  (AES-256-GCM; the first key encrypts, all decrypt; unset = stored unencrypted, with a
  warning at start). Make a key with: openssl rand -base64 32
With none set, a loopback host gets throwaway secrets printed once; any other host refuses to start.
Request logs are JSON lines on stdout; messages for people go to stderr.
`;

const MIGRATE_HELP = `Usage: qa-broker-server migrate [options]

Applies pending migrations (Postgres and PGlite; Redis has none) and exits.

Options:
${STORE_HELP}
  -h, --help           Show this help
`;

const ROTATE_KEYS_HELP = `Usage: qa-broker-server rotate-keys [options]

Re-encrypts every stored payload under the first key of QA_BROKER_ENCRYPTION_KEYS
(comma-separated id:base64key; every listed key can still decrypt). Pieces stored before
encryption was turned on (plaintext) are sealed too. Safe to run while brokers serve: each
write is a compare-and-set, and a credential that changed meanwhile is retried.
Progress goes to stderr, a summary to stdout; exits 1 if any credential failed.

Options:
${STORE_HELP}
  --redis-prefix P     Redis key prefix   [QA_BROKER_REDIS_PREFIX; default qa-broker]
  -h, --help           Show this help
`;

const stringOption = { type: 'string' } as const;
const helpOption = { type: 'boolean', short: 'h' } as const;

const SERVE_OPTIONS = {
  host: stringOption,
  port: stringOption,
  store: stringOption,
  'endpoint-prefix': stringOption,
  'payload-max-bytes': stringOption,
  'lease-ttl-min-ms': stringOption,
  'lease-ttl-max-ms': stringOption,
  'lease-ttl-default-ms': stringOption,
  'heartbeat-interval-min-ms': stringOption,
  'heartbeat-interval-max-ms': stringOption,
  'heartbeat-interval-default-ms': stringOption,
  'log-level': stringOption,
  'auth-failure-limit': stringOption,
  'trust-proxy': stringOption,
  'headers-timeout-ms': stringOption,
  'request-timeout-ms': stringOption,
  'keep-alive-timeout-ms': stringOption,
  'lease-body-max-bytes': stringOption,
  'admin-body-max-bytes': stringOption,
  'store-timeout-ms': stringOption,
  'queue-max': stringOption,
  'store-notify': stringOption,
  'store-listen-url': stringOption,
  'require-encryption': stringOption,
  schema: stringOption,
  'redis-prefix': stringOption,
  'store-prepared-statements': stringOption,
  'postgres-pool-size': stringOption,
  'postgres-statement-timeout-ms': stringOption,
  'store-redis-wait-replicas': stringOption,
  help: helpOption,
} satisfies ParseArgsConfig['options'];

const MIGRATE_OPTIONS = {
  store: stringOption,
  schema: stringOption,
  help: helpOption,
} satisfies ParseArgsConfig['options'];

const ROTATE_KEYS_OPTIONS = {
  store: stringOption,
  schema: stringOption,
  'redis-prefix': stringOption,
  help: helpOption,
} satisfies ParseArgsConfig['options'];

class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
}

function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Resolves on SIGTERM, SIGINT or the test's abort signal. Listening starts at once, so a
 * signal during start-up is not lost; `dispose` removes the listeners.
 */
function stopRequested(signal: AbortSignal | undefined): {
  requested: Promise<string>;
  dispose: () => void;
} {
  let resolveStop: (reason: string) => void = () => undefined;
  const requested = new Promise<string>((resolve) => {
    resolveStop = resolve;
  });
  const onTerm = () => resolveStop('SIGTERM');
  const onInt = () => resolveStop('SIGINT');
  const onAbort = () => resolveStop('abort');
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const dispose = () => {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    signal?.removeEventListener('abort', onAbort);
  };
  return { requested, dispose };
}

async function serve(args: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(args, SERVE_OPTIONS);
  if (flags.help) {
    io.stdout.write(SERVE_HELP);
    return EXIT_OK;
  }
  const config = loadServeConfig(flags, io.env);
  const logger = createBrokerLogger(config.logLevel, io.stdout);
  if (config.secretsGenerated) {
    io.stderr.write(
      'WARNING: no role secrets configured (QA_BROKER_SECRET_MAINTAINER, QA_BROKER_SECRET_CI). ' +
        'Throwaway secrets for this run only (loopback host):\n' +
        `  QA_BROKER_SECRET_MAINTAINER=${config.secrets.maintainer ?? ''}\n` +
        `  QA_BROKER_SECRET_CI=${config.secrets.ci ?? ''}\n`,
    );
  }
  const stop = stopRequested(io.signal);
  try {
    const broker = await startBroker(config, { stderr: io.stderr, logger });
    io.stderr.write(
      `qa-broker-server listening on ${broker.url}${config.endpointPrefix} (store ${describeStoreLocation(config.store)})\n`,
    );
    const reason = await stop.requested;
    io.stderr.write(`qa-broker-server: ${reason} received, draining and stopping\n`);
    await broker.close();
    return EXIT_OK;
  } finally {
    stop.dispose();
  }
}

async function migrate(args: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(args, MIGRATE_OPTIONS);
  if (flags.help) {
    io.stdout.write(MIGRATE_HELP);
    return EXIT_OK;
  }
  const config = loadMigrateConfig(flags, io.env);
  const label = describeStoreLocation(config.store);
  const opened = await openStore(config.store, { migrate: false });
  try {
    if (!opened.migrate) {
      io.stdout.write(`${label}: this store has no migrations.\n`);
      return EXIT_OK;
    }
    const { applied } = await opened.migrate();
    io.stdout.write(
      applied.length === 0
        ? `${label}: already up to date.\n`
        : `${label}: applied ${applied.length} migration(s): ${applied.join(', ')}\n`,
    );
    return EXIT_OK;
  } finally {
    await opened.store.close();
  }
}

async function rotateKeysCommand(args: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(args, ROTATE_KEYS_OPTIONS);
  if (flags.help) {
    io.stdout.write(ROTATE_KEYS_HELP);
    return EXIT_OK;
  }
  const config = loadRotateKeysConfig(flags, io.env);
  const keyring = new Keyring(config.encryptionKeys);
  const label = describeStoreLocation(config.store);
  const opened = await openStore(config.store, { migrate: false });
  try {
    io.stderr.write(
      `rotate-keys: ${label}: sealing every payload under key "${keyring.currentKeyId}"\n`,
    );
    const summary = await rotateKeys(opened.store, keyring, {
      onProgress: (s) =>
        io.stderr.write(
          `rotate-keys: scanned ${s.scanned}, re-encrypted ${s.reEncrypted}, already current ${s.alreadyCurrent}, failed ${s.failed}\n`,
        ),
      // The id and the reason only; a payload is never printed.
      onFailure: ({ credentialId, reason }) =>
        io.stderr.write(`rotate-keys: credential ${credentialId} failed: ${reason}\n`),
    });
    io.stdout.write(
      `scanned ${summary.scanned}, re-encrypted ${summary.reEncrypted}, already current ${summary.alreadyCurrent}, failed ${summary.failed}` +
        (summary.conflictsRetried > 0
          ? ` (${summary.conflictsRetried} retried after a concurrent change)`
          : '') +
        `; plaintext pieces remaining ${summary.plaintextRemaining}` +
        '\n',
    );
    return summary.failed > 0 ? EXIT_ERROR : EXIT_OK;
  } finally {
    await opened.store.close();
  }
}

/** The `qa-broker-server` command; returns the exit code (0 ok, 1 error, 2 usage). */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(rest, io);
      case 'migrate':
        return await migrate(rest, io);
      case 'rotate-keys':
        return await rotateKeysCommand(rest, io);
      case '-h':
      case '--help':
      case 'help':
        io.stdout.write(TOP_HELP);
        return EXIT_OK;
      case undefined:
        io.stderr.write(TOP_HELP);
        return EXIT_USAGE;
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(
        `qa-broker-server: ${error.message}\nRun "qa-broker-server --help" for usage.\n`,
      );
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`qa-broker-server: ${error.message}\n`);
      return EXIT_ERROR;
    }
    // Start-up failures (store unreachable, port taken) carry messages meant for people.
    const message = error instanceof Error ? error.message : 'failed';
    io.stderr.write(`qa-broker-server: ${message}\n`);
    return EXIT_ERROR;
  }
}
