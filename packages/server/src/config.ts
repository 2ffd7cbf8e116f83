import { randomBytes } from 'node:crypto';
import {
  DEFAULT_ENDPOINT_PREFIX,
  DEFAULT_LEASE_BOUNDS,
  POLICY,
  WAIT_POLICY,
} from '@qa-broker/contract';
import type { LeaseBounds } from '@qa-broker/contract';
import type { RoleSecrets } from './auth.js';
import type { AuthFailureLimit } from './auth-failure-limiter.js';
import { ConfigError } from './config-error.js';
import { EncryptionKeysError, parseEncryptionKeys } from './encryption/keyring.js';
import type { EncryptionKey } from './encryption/keyring.js';
import { DEFAULT_STORE_TIMEOUT_MS } from './guarded-store.js';
import { isLoopbackHost } from './loopback.js';
import { SMALL_ADMIN_BODY_MAX_BYTES } from './preflight.js';
import { withStoreListenUrl } from './store-listen-url.js';
import {
  DEFAULT_STORE,
  parseStoreLocation,
  withNamespace,
  withPostgresTuning,
} from './store-location.js';
import type { PostgresTuning, StoreLocation } from './store-location.js';

/**
 * The only reader of the environment. Every setting resolves as: flag > QA_BROKER_* name >
 * OpenClaw fallback name > default; blank values count as unset, values are trimmed, and
 * every error names the flag or variable to set.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8787;
/** The window `--auth-failure-limit` counts wrong tokens in when it names none. */
export const AUTH_FAILURE_WINDOW_MS = 60_000;
/** On by default: a client guessing secrets gets 429 long before it gets anywhere. */
export const DEFAULT_AUTH_FAILURE_LIMIT: AuthFailureLimit = {
  maxFailures: 30,
  windowMs: AUTH_FAILURE_WINDOW_MS,
};
/** Below Node's defaults (60 s headers, 300 s request): a slow client cannot hold a socket for long. */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServeFlags {
  host?: string;
  port?: string;
  store?: string;
  'endpoint-prefix'?: string;
  'payload-max-bytes'?: string;
  'lease-ttl-min-ms'?: string;
  'lease-ttl-max-ms'?: string;
  'lease-ttl-default-ms'?: string;
  'heartbeat-interval-min-ms'?: string;
  'heartbeat-interval-max-ms'?: string;
  'heartbeat-interval-default-ms'?: string;
  'log-level'?: string;
  'auth-failure-limit'?: string;
  'trust-proxy'?: string;
  'headers-timeout-ms'?: string;
  'request-timeout-ms'?: string;
  'keep-alive-timeout-ms'?: string;
  'lease-body-max-bytes'?: string;
  'admin-body-max-bytes'?: string;
  'store-timeout-ms'?: string;
  'queue-max'?: string;
  'store-notify'?: string;
  'store-listen-url'?: string;
  'require-encryption'?: string;
  schema?: string;
  'redis-prefix'?: string;
  'store-prepared-statements'?: string;
  'postgres-pool-size'?: string;
  'postgres-statement-timeout-ms'?: string;
  'store-redis-wait-replicas'?: string;
}

export interface HttpTimeouts {
  /** Node's `server.headersTimeout`: all headers must arrive within it. */
  headersTimeoutMs: number;
  /** Node's `server.requestTimeout`: the whole request (headers and body). */
  requestTimeoutMs: number;
  /** Node's `server.keepAliveTimeout`: an idle keep-alive connection is closed after it. */
  keepAliveTimeoutMs: number;
}

export interface MigrateFlags {
  store?: string;
  schema?: string;
}

export interface RotateKeysFlags extends MigrateFlags {
  'redis-prefix'?: string;
}

export interface ServeConfig {
  host: string;
  port: number;
  store: StoreLocation;
  secrets: RoleSecrets;
  /** True when no secret was configured and throwaway ones were made for a loopback host. */
  secretsGenerated: boolean;
  endpointPrefix: string;
  leaseBounds: LeaseBounds;
  payloadMaxBytes: number;
  leaseBodyMaxBytes: number;
  adminBodyMaxBytes: number;
  logLevel: LogLevel;
  /** Absent = off. */
  authFailureLimit?: AuthFailureLimit;
  /** Proxies trusted for X-Forwarded-For; 0 = the socket's address. */
  trustProxyHops: number;
  httpTimeouts: HttpTimeouts;
  storeTimeoutMs: number;
  /** Live ticket waiters one kind may hold. */
  queueMax: number;
  /** PostgreSQL: wake waiters by LISTEN/NOTIFY; false = poll-only (transaction poolers). */
  storeNotify: boolean;
  /** Refuse plaintext payload pieces (only with encryption keys). */
  requireEncryption: boolean;
  /** From QA_BROKER_ENCRYPTION_KEYS; the first seals, all open. Absent = stored unencrypted. */
  encryptionKeys?: EncryptionKey[];
}

export interface MigrateConfig {
  store: StoreLocation;
}

export interface RotateKeysConfig {
  store: StoreLocation;
  encryptionKeys: EncryptionKey[];
}

interface Setting {
  value: string;
  /** `--flag` or the variable name it came from. */
  source: string;
}

function setting(
  env: Env,
  flag: { name: string; value: string | undefined } | undefined,
  names: readonly string[],
): Setting | undefined {
  const fromFlag = flag?.value?.trim();
  if (flag && fromFlag) return { value: fromFlag, source: `--${flag.name}` };
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { value, source: name };
  }
  return undefined;
}

function integer(found: Setting, min: number, max: number): number {
  const value = Number(found.value);
  if (!/^\d+$/.test(found.value) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${found.source} must be an integer from ${min} to ${max}.`);
  }
  return value;
}

function onOff(found: Setting | undefined, fallback: boolean): boolean {
  if (!found) return fallback;
  const value = found.value.toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(value)) return true;
  if (['off', 'false', '0', 'no'].includes(value)) return false;
  throw new ConfigError(`${found.source} must be on or off.`);
}

function storeLocation(
  env: Env,
  flags: {
    store?: string;
    schema?: string;
    'redis-prefix'?: string;
    'store-redis-wait-replicas'?: string;
  },
): StoreLocation {
  const found = setting(env, { name: 'store', value: flags.store }, ['QA_BROKER_STORE']);
  const location = found
    ? parseStoreLocation(found.value, found.source)
    : parseStoreLocation(DEFAULT_STORE, 'the default store');
  const schema = setting(env, { name: 'schema', value: flags.schema }, [
    'QA_BROKER_POSTGRES_SCHEMA',
  ]);
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema.value)) {
    throw new ConfigError(
      `${schema.source} must match ^[a-z_][a-z0-9_]{0,62}$ (a lower-case Postgres schema name).`,
    );
  }
  const redisPrefix = setting(env, { name: 'redis-prefix', value: flags['redis-prefix'] }, [
    'QA_BROKER_REDIS_PREFIX',
  ]);
  const placed = withNamespace(location, {
    ...(schema ? { schema: schema.value } : {}),
    ...(redisPrefix ? { redisPrefix: redisPrefix.value } : {}),
  });
  const waitReplicas = setting(
    env,
    { name: 'store-redis-wait-replicas', value: flags['store-redis-wait-replicas'] },
    ['QA_BROKER_STORE_REDIS_WAIT_REPLICAS'],
  );
  if (!waitReplicas || placed.type !== 'redis') return placed;
  return { ...placed, waitReplicas: integer(waitReplicas, 0, 16) };
}

function endpointPrefix(env: Env, flagValue: string | undefined): string {
  const found = setting(env, { name: 'endpoint-prefix', value: flagValue }, [
    'QA_BROKER_ENDPOINT_PREFIX',
    'OPENCLAW_QA_CONVEX_ENDPOINT_PREFIX',
  ]);
  if (!found) return DEFAULT_ENDPOINT_PREFIX;
  const prefix = found.value.replace(/\/+$/, '');
  const segments = prefix.split('/');
  if (
    !prefix.startsWith('/') ||
    prefix.startsWith('//') ||
    prefix.includes('\\') ||
    segments.includes('..')
  ) {
    throw new ConfigError(
      `${found.source} must be an absolute path such as ${DEFAULT_ENDPOINT_PREFIX} (no leading "//", backslashes or ".." segments).`,
    );
  }
  return prefix;
}

type BoundName = 'leaseTtlMs' | 'heartbeatIntervalMs';

const BOUND_NAMES: Record<BoundName, { flag: string; env: string }> = {
  leaseTtlMs: { flag: 'lease-ttl', env: 'QA_BROKER_LEASE_TTL' },
  heartbeatIntervalMs: { flag: 'heartbeat-interval', env: 'QA_BROKER_HEARTBEAT_INTERVAL' },
};

function bounds(env: Env, flags: ServeFlags, name: BoundName): LeaseBounds[BoundName] {
  const names = BOUND_NAMES[name];
  const read = (part: 'min' | 'max' | 'default') => {
    const flag = `${names.flag}-${part}-ms` as keyof ServeFlags;
    const found = setting(env, { name: flag, value: flags[flag] }, [
      `${names.env}_${part.toUpperCase()}_MS`,
    ]);
    return found ? integer(found, 1, Number.MAX_SAFE_INTEGER) : DEFAULT_LEASE_BOUNDS[name][part];
  };
  const result = { min: read('min'), max: read('max'), default: read('default') };
  if (!(result.min <= result.default && result.default <= result.max)) {
    throw new ConfigError(
      `${name} bounds must satisfy min <= default <= max (got ${result.min}, ${result.default}, ${result.max}): ` +
        `check ${names.env}_MIN_MS, ${names.env}_DEFAULT_MS and ${names.env}_MAX_MS (or --${names.flag}-*-ms).`,
    );
  }
  return result;
}

function roleSecrets(env: Env): RoleSecrets {
  const maintainer = setting(env, undefined, [
    'QA_BROKER_SECRET_MAINTAINER',
    'OPENCLAW_QA_CONVEX_SECRET_MAINTAINER',
  ]);
  const ci = setting(env, undefined, ['QA_BROKER_SECRET_CI', 'OPENCLAW_QA_CONVEX_SECRET_CI']);
  return {
    ...(maintainer ? { maintainer: maintainer.value } : {}),
    ...(ci ? { ci: ci.value } : {}),
  };
}

const WINDOW_UNITS_MS = { ms: 1, s: 1_000, m: 60_000 } as const;

/**
 * `30/60s` (failures per window), `30` (per minute), or `off` / `0`. Absent: the default,
 * 30 per minute.
 */
function authFailureLimitOf(found: Setting | undefined): AuthFailureLimit | undefined {
  if (!found) return DEFAULT_AUTH_FAILURE_LIMIT;
  const value = found.value.toLowerCase();
  if (value === 'off' || value === '0') return undefined;
  const match = /^(\d{1,7})(?:\/(\d{1,7})(ms|s|m))?$/.exec(value);
  const maxFailures = Number(match?.[1]);
  const windowMs = match?.[2]
    ? Number(match[2]) * WINDOW_UNITS_MS[match[3] as keyof typeof WINDOW_UNITS_MS]
    : AUTH_FAILURE_WINDOW_MS;
  if (!match || maxFailures < 1 || windowMs < 1_000 || windowMs > 86_400_000) {
    throw new ConfigError(
      `${found.source} must be "off" or failures per window such as 30/60s (or 30 for per minute; window from 1s to 24h).`,
    );
  }
  return { maxFailures, windowMs };
}

/** `off`/`false`/`no`/`0`, `on`/`true`/`yes` (one proxy), or a number of proxies. */
function trustProxyOf(found: Setting | undefined): number {
  if (!found) return 0;
  const value = found.value.toLowerCase();
  if (['off', 'false', 'no'].includes(value)) return 0;
  if (['on', 'true', 'yes'].includes(value)) return 1;
  return integer({ ...found, value }, 0, 10);
}

/** Pool size, statement timeout and prepared statements for PostgreSQL (and PGlite). */
function postgresTuning(env: Env, flags: ServeFlags): PostgresTuning {
  const prepared = setting(
    env,
    { name: 'store-prepared-statements', value: flags['store-prepared-statements'] },
    ['QA_BROKER_STORE_PREPARED_STATEMENTS'],
  );
  const poolSize = setting(
    env,
    { name: 'postgres-pool-size', value: flags['postgres-pool-size'] },
    ['QA_BROKER_POSTGRES_POOL_SIZE'],
  );
  const statementTimeout = setting(
    env,
    { name: 'postgres-statement-timeout-ms', value: flags['postgres-statement-timeout-ms'] },
    ['QA_BROKER_POSTGRES_STATEMENT_TIMEOUT_MS'],
  );
  return {
    ...(prepared ? { preparedStatements: onOff(prepared, true) } : {}),
    ...(poolSize ? { poolSize: integer(poolSize, 1, 1_000) } : {}),
    ...(statementTimeout ? { statementTimeoutMs: integer(statementTimeout, 100, 600_000) } : {}),
  };
}

function httpTimeoutsOf(env: Env, flags: ServeFlags): HttpTimeouts {
  const read = (flag: keyof ServeFlags, variable: string, fallback: number) => {
    const found = setting(env, { name: flag, value: flags[flag] }, [variable]);
    return found ? integer(found, 100, 3_600_000) : fallback;
  };
  const timeouts: HttpTimeouts = {
    headersTimeoutMs: read(
      'headers-timeout-ms',
      'QA_BROKER_HEADERS_TIMEOUT_MS',
      DEFAULT_HTTP_TIMEOUTS.headersTimeoutMs,
    ),
    requestTimeoutMs: read(
      'request-timeout-ms',
      'QA_BROKER_REQUEST_TIMEOUT_MS',
      DEFAULT_HTTP_TIMEOUTS.requestTimeoutMs,
    ),
    keepAliveTimeoutMs: read(
      'keep-alive-timeout-ms',
      'QA_BROKER_KEEP_ALIVE_TIMEOUT_MS',
      DEFAULT_HTTP_TIMEOUTS.keepAliveTimeoutMs,
    ),
  };
  // Node refuses a headers timeout longer than the request timeout.
  if (timeouts.headersTimeoutMs > timeouts.requestTimeoutMs) {
    throw new ConfigError(
      `The headers timeout (${timeouts.headersTimeoutMs} ms) must not exceed the request timeout (${timeouts.requestTimeoutMs} ms): check QA_BROKER_HEADERS_TIMEOUT_MS and QA_BROKER_REQUEST_TIMEOUT_MS (or --headers-timeout-ms, --request-timeout-ms).`,
    );
  }
  return timeouts;
}

const ENCRYPTION_KEYS_VARIABLE = 'QA_BROKER_ENCRYPTION_KEYS';

/** Keys come from the environment only: a flag would show them in `ps`. */
function encryptionKeys(env: Env): EncryptionKey[] | undefined {
  const found = setting(env, undefined, [ENCRYPTION_KEYS_VARIABLE]);
  if (!found) return undefined;
  try {
    return parseEncryptionKeys(found.value, found.source);
  } catch (error) {
    if (error instanceof EncryptionKeysError) throw new ConfigError(error.message);
    throw error;
  }
}

function throwawaySecret(): string {
  return `qab-dev-${randomBytes(24).toString('base64url')}`;
}

export function loadServeConfig(flags: ServeFlags, env: Env): ServeConfig {
  const hostSetting = setting(env, { name: 'host', value: flags.host }, ['QA_BROKER_HOST']);
  const host = hostSetting?.value ?? DEFAULT_HOST;
  const portSetting = setting(env, { name: 'port', value: flags.port }, ['PORT']);
  const port = portSetting ? integer(portSetting, 0, 65_535) : DEFAULT_PORT;
  const payloadSetting = setting(
    env,
    { name: 'payload-max-bytes', value: flags['payload-max-bytes'] },
    ['QA_BROKER_PAYLOAD_MAX_BYTES'],
  );
  const payloadMaxBytes = payloadSetting
    ? integer(payloadSetting, 1_024, 2 ** 30)
    : POLICY.payloadMaxBytes;
  const bodyLimit = (flag: keyof ServeFlags, variable: string, fallback: number) => {
    const found = setting(env, { name: flag, value: flags[flag] }, [variable]);
    return found ? integer(found, 1_024, 2 ** 30) : fallback;
  };
  const leaseBodyMaxBytes = bodyLimit(
    'lease-body-max-bytes',
    'QA_BROKER_LEASE_BODY_MAX_BYTES',
    POLICY.leaseBodyMaxBytes,
  );
  const adminBodyMaxBytes = bodyLimit(
    'admin-body-max-bytes',
    'QA_BROKER_ADMIN_BODY_MAX_BYTES',
    SMALL_ADMIN_BODY_MAX_BYTES,
  );
  const authFailureLimit = authFailureLimitOf(
    setting(env, { name: 'auth-failure-limit', value: flags['auth-failure-limit'] }, [
      'QA_BROKER_AUTH_FAILURE_LIMIT',
    ]),
  );
  const trustProxyHops = trustProxyOf(
    setting(env, { name: 'trust-proxy', value: flags['trust-proxy'] }, ['QA_BROKER_TRUST_PROXY']),
  );
  const httpTimeouts = httpTimeoutsOf(env, flags);
  const storeTimeout = setting(
    env,
    { name: 'store-timeout-ms', value: flags['store-timeout-ms'] },
    ['QA_BROKER_STORE_TIMEOUT_MS'],
  );
  const storeTimeoutMs = storeTimeout
    ? integer(storeTimeout, 100, 600_000)
    : DEFAULT_STORE_TIMEOUT_MS;
  const queueMaxSetting = setting(env, { name: 'queue-max', value: flags['queue-max'] }, [
    'QA_BROKER_QUEUE_MAX',
  ]);
  const queueMax = queueMaxSetting ? integer(queueMaxSetting, 1, 1_000_000) : WAIT_POLICY.queueMax;
  const storeNotifySetting = setting(env, { name: 'store-notify', value: flags['store-notify'] }, [
    'QA_BROKER_STORE_NOTIFY',
  ]);
  const storeNotify = onOff(storeNotifySetting, true);
  const storeListenUrl = setting(
    env,
    { name: 'store-listen-url', value: flags['store-listen-url'] },
    ['QA_BROKER_STORE_LISTEN_URL'],
  );
  const logSetting = setting(env, { name: 'log-level', value: flags['log-level'] }, [
    'QA_BROKER_LOG_LEVEL',
  ]);
  const logLevel = (logSetting?.value.toLowerCase() ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(
      `${logSetting?.source ?? 'QA_BROKER_LOG_LEVEL'} must be one of ${LOG_LEVELS.join(', ')}.`,
    );
  }

  const keys = encryptionKeys(env);
  const requireEncryptionSetting = setting(
    env,
    { name: 'require-encryption', value: flags['require-encryption'] },
    ['QA_BROKER_REQUIRE_ENCRYPTION'],
  );
  const requireEncryption = onOff(requireEncryptionSetting, false);
  if (requireEncryption && !keys) {
    throw new ConfigError(
      `${requireEncryptionSetting?.source ?? 'QA_BROKER_REQUIRE_ENCRYPTION'} needs encryption keys: set ${ENCRYPTION_KEYS_VARIABLE} (or turn it off).`,
    );
  }
  let secrets = roleSecrets(env);
  let secretsGenerated = false;
  if (!secrets.maintainer && !secrets.ci) {
    if (!isLoopbackHost(host)) {
      throw new ConfigError(
        `No role secrets are configured and ${host} is not a loopback host: set QA_BROKER_SECRET_MAINTAINER and QA_BROKER_SECRET_CI ` +
          '(or OPENCLAW_QA_CONVEX_SECRET_MAINTAINER / OPENCLAW_QA_CONVEX_SECRET_CI).',
      );
    }
    secrets = { maintainer: throwawaySecret(), ci: throwawaySecret() };
    secretsGenerated = true;
  }

  return {
    host,
    port,
    store: withStoreListenUrl(
      withPostgresTuning(storeLocation(env, flags), postgresTuning(env, flags)),
      storeListenUrl,
      storeNotify ? undefined : storeNotifySetting,
    ),
    secrets,
    secretsGenerated,
    endpointPrefix: endpointPrefix(env, flags['endpoint-prefix']),
    leaseBounds: {
      leaseTtlMs: bounds(env, flags, 'leaseTtlMs'),
      heartbeatIntervalMs: bounds(env, flags, 'heartbeatIntervalMs'),
    },
    payloadMaxBytes,
    leaseBodyMaxBytes,
    adminBodyMaxBytes,
    logLevel,
    ...(authFailureLimit ? { authFailureLimit } : {}),
    trustProxyHops,
    httpTimeouts,
    storeTimeoutMs,
    queueMax,
    storeNotify,
    requireEncryption,
    ...(keys ? { encryptionKeys: keys } : {}),
  };
}

export function loadMigrateConfig(flags: MigrateFlags, env: Env): MigrateConfig {
  return { store: storeLocation(env, flags) };
}

export function loadRotateKeysConfig(flags: RotateKeysFlags, env: Env): RotateKeysConfig {
  const keys = encryptionKeys(env);
  if (!keys) {
    throw new ConfigError(
      `rotate-keys needs ${ENCRYPTION_KEYS_VARIABLE} (comma-separated id:base64key, the first one encrypts).`,
    );
  }
  return { store: storeLocation(env, flags), encryptionKeys: keys };
}
