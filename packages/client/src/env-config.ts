import { ACTOR_ROLES } from '@qa-broker/contract';
import type { ActorRole } from '@qa-broker/contract';
import { BrokerError } from './broker-error.js';
import { createBrokerClient, type BrokerClient, type BrokerClientOptions } from './client.js';

export type Env = Record<string, string | undefined>;

/** `1`, `true` or `yes`, in any case. */
export function isTruthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes'].includes(value.trim().toLowerCase());
}

const CREDENTIAL_PREFIX = 'OPENCLAW_QA_CREDENTIAL_';

/** Our name, then the OpenClaw name read as a fallback. */
export const ENV_NAMES = {
  url: ['QA_BROKER_URL', 'OPENCLAW_QA_CONVEX_SITE_URL'],
  token: ['QA_BROKER_TOKEN'],
  secretMaintainer: ['QA_BROKER_SECRET_MAINTAINER', 'OPENCLAW_QA_CONVEX_SECRET_MAINTAINER'],
  secretCi: ['QA_BROKER_SECRET_CI', 'OPENCLAW_QA_CONVEX_SECRET_CI'],
  role: ['QA_BROKER_ROLE', `${CREDENTIAL_PREFIX}ROLE`],
  allowInsecureHttp: ['QA_BROKER_ALLOW_INSECURE_HTTP', 'OPENCLAW_QA_ALLOW_INSECURE_HTTP'],
  endpointPrefix: ['QA_BROKER_ENDPOINT_PREFIX', 'OPENCLAW_QA_CONVEX_ENDPOINT_PREFIX'],
  leaseTtlMs: ['QA_BROKER_LEASE_TTL_MS', `${CREDENTIAL_PREFIX}LEASE_TTL_MS`],
  heartbeatIntervalMs: [
    'QA_BROKER_HEARTBEAT_INTERVAL_MS',
    `${CREDENTIAL_PREFIX}HEARTBEAT_INTERVAL_MS`,
  ],
  acquireTimeoutMs: ['QA_BROKER_ACQUIRE_TIMEOUT_MS', `${CREDENTIAL_PREFIX}ACQUIRE_TIMEOUT_MS`],
  httpTimeoutMs: ['QA_BROKER_HTTP_TIMEOUT_MS', `${CREDENTIAL_PREFIX}HTTP_TIMEOUT_MS`],
  ownerId: ['QA_BROKER_OWNER_ID', `${CREDENTIAL_PREFIX}OWNER_ID`],
  payloadMaxBytes: ['QA_BROKER_PAYLOAD_MAX_BYTES', `${CREDENTIAL_PREFIX}PAYLOAD_MAX_BYTES`],
} as const satisfies Record<string, readonly string[]>;

/** A setting's value and the variable it came from (for messages). */
export interface Sourced<T> {
  value: T;
  from: string;
}

function invalidConfig(message: string): BrokerError {
  return new BrokerError('INVALID_CONFIG', message, { transient: false });
}

/** The first of `names` set to a non-blank value wins; blank counts as unset. */
export function readEnv(env: Env, names: readonly string[]): Sourced<string> | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { value, from: name };
  }
  return undefined;
}

function readPositiveInteger(env: Env, names: readonly string[]): number | undefined {
  const found = readEnv(env, names);
  if (!found) return undefined;
  if (
    !/^\d+$/.test(found.value) ||
    Number(found.value) < 1 ||
    !Number.isSafeInteger(Number(found.value))
  ) {
    throw invalidConfig(`${found.from} must be a positive integer (got a value that is not).`);
  }
  return Number(found.value);
}

/** Role: QA_BROKER_ROLE, its OpenClaw fallback, else `ci` when CI is truthy, else `maintainer`. */
export function resolveRole(env: Env): Sourced<ActorRole> {
  const found = readEnv(env, ENV_NAMES.role);
  if (!found) {
    return isTruthy(env.CI)
      ? { value: 'ci', from: 'CI (default)' }
      : { value: 'maintainer', from: 'default' };
  }
  const role = found.value.toLowerCase();
  if (!(ACTOR_ROLES as readonly string[]).includes(role)) {
    throw invalidConfig(`${found.from} must be "ci" or "maintainer".`);
  }
  return { value: role as ActorRole, from: found.from };
}

/** QA_BROKER_TOKEN wins; otherwise the secret of the role. */
export function resolveToken(env: Env, role: ActorRole): Sourced<string> | undefined {
  return (
    readEnv(env, ENV_NAMES.token) ??
    readEnv(env, role === 'ci' ? ENV_NAMES.secretCi : ENV_NAMES.secretMaintainer)
  );
}

export function missingTokenMessage(role: ActorRole): string {
  const secret = role === 'ci' ? ENV_NAMES.secretCi[0] : ENV_NAMES.secretMaintainer[0];
  return `No broker token for role "${role}": set QA_BROKER_TOKEN or ${secret}.`;
}

/** What can override the environment (the CLI's flags). */
export interface EnvOverrides {
  baseUrl?: string;
  role?: ActorRole;
}

/**
 * Builds client options from the environment: flags > `QA_BROKER_*` > the OpenClaw names
 * > defaults. Errors name the variable to set.
 */
export function clientOptionsFromEnv(
  env: Env = process.env,
  overrides: EnvOverrides = {},
): BrokerClientOptions {
  const url: Sourced<string> | undefined = overrides.baseUrl
    ? { value: overrides.baseUrl, from: '--url' }
    : readEnv(env, ENV_NAMES.url);
  if (!url) {
    throw invalidConfig(
      `${ENV_NAMES.url[0]} is not set: set it to the broker's https:// URL (${ENV_NAMES.url[1]} is also read).`,
    );
  }
  const role = overrides.role ?? resolveRole(env).value;
  const token = resolveToken(env, role);
  if (!token) throw invalidConfig(missingTokenMessage(role));
  const insecure = readEnv(env, ENV_NAMES.allowInsecureHttp);
  const prefix = readEnv(env, ENV_NAMES.endpointPrefix);
  const options: BrokerClientOptions = {
    baseUrl: url.value,
    token: token.value,
    role,
    allowInsecureHttp: isTruthy(insecure?.value),
    settingNames: {
      baseUrl: url.from,
      endpointPrefix: prefix?.from ?? ENV_NAMES.endpointPrefix[0],
      allowInsecureHttp: ENV_NAMES.allowInsecureHttp[0],
    },
  };
  if (prefix) options.endpointPrefix = prefix.value;
  const ownerId = readEnv(env, ENV_NAMES.ownerId);
  if (ownerId) options.ownerId = ownerId.value;
  const numbers = {
    leaseTtlMs: readPositiveInteger(env, ENV_NAMES.leaseTtlMs),
    heartbeatIntervalMs: readPositiveInteger(env, ENV_NAMES.heartbeatIntervalMs),
    acquireTimeoutMs: readPositiveInteger(env, ENV_NAMES.acquireTimeoutMs),
    httpTimeoutMs: readPositiveInteger(env, ENV_NAMES.httpTimeoutMs),
    payloadMaxBytes: readPositiveInteger(env, ENV_NAMES.payloadMaxBytes),
  };
  for (const [key, value] of Object.entries(numbers)) {
    if (value !== undefined) options[key as keyof typeof numbers] = value;
  }
  return options;
}

/** `createBrokerClient(clientOptionsFromEnv(env))`, with `extra` options on top. */
export function brokerClientFromEnv(
  env: Env = process.env,
  extra: Partial<Pick<BrokerClientOptions, 'fetch' | 'onReleaseError'>> & EnvOverrides = {},
): BrokerClient {
  const { baseUrl, role, ...rest } = extra;
  const overrides: EnvOverrides = {};
  if (baseUrl !== undefined) overrides.baseUrl = baseUrl;
  if (role !== undefined) overrides.role = role;
  return createBrokerClient({ ...clientOptionsFromEnv(env, overrides), ...rest });
}
