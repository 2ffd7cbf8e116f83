import { ACTOR_ROLES, DEFAULT_ENDPOINT_PREFIX, POLICY, utf8ByteLength } from '@qa-broker/contract';
import type {
  ActorRole,
  CredentialStatus,
  CredentialSummary,
  KindPolicy,
  ListStatus,
} from '@qa-broker/contract';
import { acquireLease, type AcquireLeaseOptions } from './acquire-lease.js';
import { BrokerError } from './broker-error.js';
import {
  createBrokerRoutes,
  type AdminEventsInput,
  type AdminEventsOkBody,
  type AdminQueueInput,
  type AdminQueueOkBody,
  type BrokerRoutes,
  type PolicyPatchInput,
} from './broker-routes.js';
import type { Lease } from './lease.js';
import { defaultOwnerId } from './owner-id.js';
import {
  checkBaseUrl,
  checkEndpointPrefix,
  OPTION_NAMES,
  type SettingNames,
} from './url-policy.js';

export const DEFAULT_HTTP_TIMEOUT_MS = 15_000;
export const DEFAULT_WAIT_TIMEOUT_MS = 90_000;

export interface BrokerClientOptions {
  /** The broker's base URL: https://, or http:// to a loopback host with `allowInsecureHttp`. */
  baseUrl: string;
  /** The bearer token: the role's secret. */
  token: string;
  role: ActorRole;
  /** Names this holder in leases; default `qa-broker-<role>-<pid>-<8 random hex>`. */
  ownerId?: string;
  /** Default `/qa-credentials/v1`. */
  endpointPrefix?: string;
  allowInsecureHttp?: boolean;
  /** Per-request timeout in ms (default 15 000). */
  httpTimeoutMs?: number;
  /** Ceiling for a whole payload in UTF-8 bytes (default 64 MiB). */
  payloadMaxBytes?: number;
  /** Defaults for `acquireLease`. */
  leaseTtlMs?: number;
  heartbeatIntervalMs?: number;
  acquireTimeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  /** Told when a release that nobody awaits (dispose, withLease) fails. Default: a process warning. */
  onReleaseError?: (error: unknown, lease: Lease) => void;
  /** @internal Names of the settings, for error messages (env or CLI flags). */
  settingNames?: SettingNames;
}

export type WithLeaseOptions<K extends string = string> = AcquireLeaseOptions<K>;

export interface AddCredentialInput {
  kind: string;
  payload: Record<string, unknown>;
  note?: string;
  status?: CredentialStatus;
  actorId?: string;
}

export interface ListCredentialsInput {
  kind?: string;
  status?: ListStatus;
  limit?: number;
  includePayload?: boolean;
}

export interface RemoveCredentialResult {
  /** False when the credential was already disabled. */
  changed: boolean;
  credential: CredentialSummary;
}

/** What restore, quarantine and update answer. */
export interface CredentialChangeResult {
  /** False when nothing changed (already in that state, or the same values). */
  changed: boolean;
  credential: CredentialSummary;
}

export interface UpdateCredentialInput {
  credentialId: string;
  /** The new payload, checked against the credential's kind; the current holder keeps the old one. */
  payload?: Record<string, unknown>;
  /** The new note; "" clears it. */
  note?: string;
  actorId?: string;
}

/**
 * A patch to one kind's policy: an absent field is unchanged, `null` clears it.
 * `maxLeasesPerRole` is patched per role (`{ ci: 2 }` leaves `maintainer` as it was).
 */
export type SetPolicyInput = PolicyPatchInput;
export type { KindPolicy };

export interface BrokerClient {
  readonly role: ActorRole;
  readonly ownerId: string;
  /** Base URL and endpoint prefix joined. */
  readonly endpoint: string;
  /** One typed call per contract route, for tools that need the raw protocol. */
  readonly routes: BrokerRoutes;
  acquireLease<K extends string>(kind: K, options?: AcquireLeaseOptions<K>): Promise<Lease<K>>;
  /**
   * Runs `fn` under a lease and releases it in every case, including a throwing `fn`.
   * To report the credential broken, call `lease.markBroken(reason)` in `fn`.
   */
  withLease<K extends string, T>(
    kind: K,
    fn: (lease: Lease<K>) => T | Promise<T>,
    options?: WithLeaseOptions<K>,
  ): Promise<T>;
  addCredential(input: AddCredentialInput): Promise<CredentialSummary>;
  removeCredential(
    credentialId: string,
    options?: { actorId?: string },
  ): Promise<RemoveCredentialResult>;
  listCredentials(filter?: ListCredentialsInput): Promise<CredentialSummary[]>;
  /**
   * One page of lease and admin events (maintainer), oldest first; pass `nextCursor` back
   * as `cursor` for the next page. Events never carry a payload or a token.
   */
  listEvents(filter?: ListEventsInput): Promise<EventsPage>;
  /**
   * Each kind's wait queue (or one kind's), in serving order (maintainer): position,
   * ticket fingerprint (never the ticket), owner, role, priority, time waited, mode.
   */
  listQueue(filter?: ListQueueInput): Promise<KindQueue[]>;
  /**
   * Clears a quarantine, resets the broken-report count and re-enables a disabled
   * credential (maintainer); the head waiter, if any, gets it.
   */
  restoreCredential(
    credentialId: string,
    options?: { actorId?: string },
  ): Promise<CredentialChangeResult>;
  /** Never grant the credential again until restored; a current holder keeps its lease (maintainer). */
  quarantineCredential(
    credentialId: string,
    options?: { reason?: string; actorId?: string },
  ): Promise<CredentialChangeResult>;
  /** Replaces the payload and/or the note (maintainer). At least one of them is needed. */
  updateCredential(input: UpdateCredentialInput): Promise<CredentialChangeResult>;
  /** Every kind's policy, or one kind's (an empty list when it has none) (maintainer). */
  getPolicies(filter?: { kind?: string }): Promise<KindPolicy[]>;
  /** One kind's policy, or undefined when it has none (maintainer). */
  getPolicy(kind: string): Promise<KindPolicy | undefined>;
  /** Patches a kind's policy and returns the whole policy as it now stands (maintainer). */
  setPolicy(input: SetPolicyInput): Promise<KindPolicy>;
}

export type ListEventsInput = AdminEventsInput;
export type EventsPage = Pick<AdminEventsOkBody, 'events' | 'nextCursor'>;
export type ListQueueInput = AdminQueueInput;
export type KindQueue = AdminQueueOkBody['queues'][number];

function invalidConfig(message: string): BrokerError {
  return new BrokerError('INVALID_CONFIG', message, { transient: false });
}

function positiveInteger(value: number | undefined, name: string, fallback: number): number;
function positiveInteger(value: number | undefined, name: string): number | undefined;
function positiveInteger(value: number | undefined, name: string, fallback?: number) {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw invalidConfig(`${name} must be a positive integer number of milliseconds or bytes.`);
  }
  return value;
}

function checkPayloadSize(payload: Record<string, unknown>, payloadMaxBytes: number): void {
  const bytes = utf8ByteLength(JSON.stringify(payload));
  if (bytes > payloadMaxBytes) {
    throw new BrokerError(
      'PAYLOAD_TOO_LARGE_FOR_CLIENT',
      `Credential payload is ${bytes} bytes, over the ceiling of ${payloadMaxBytes} bytes.`,
      { transient: false },
    );
  }
}

function changeResult(ok: { changed: boolean; credential: CredentialSummary }) {
  return { changed: ok.changed, credential: ok.credential };
}

function defaultReleaseError(error: unknown, lease: Lease): void {
  const why = error instanceof Error ? error.message : 'unknown error';
  process.emitWarning(`Releasing credential ${lease.credentialId} failed: ${why}`, {
    code: 'QA_BROKER_RELEASE_FAILED',
  });
}

export function createBrokerClient(options: BrokerClientOptions): BrokerClient {
  const names = options.settingNames ?? OPTION_NAMES;
  if (!(ACTOR_ROLES as readonly string[]).includes(options.role)) {
    throw invalidConfig(`role must be "ci" or "maintainer".`);
  }
  const token = options.token.trim();
  if (!token) throw invalidConfig('token is empty: pass the role secret as the bearer token.');
  if (/\s/.test(token)) throw invalidConfig('token must not contain whitespace.');
  const baseUrl = checkBaseUrl(options.baseUrl, options.allowInsecureHttp === true, names);
  const prefix = checkEndpointPrefix(options.endpointPrefix ?? DEFAULT_ENDPOINT_PREFIX, names);
  const endpoint = `${baseUrl}${prefix}`;
  const role = options.role;
  const ownerId = options.ownerId?.trim() || defaultOwnerId(role);
  const httpTimeoutMs = positiveInteger(
    options.httpTimeoutMs,
    'httpTimeoutMs',
    DEFAULT_HTTP_TIMEOUT_MS,
  );
  const payloadMaxBytes = positiveInteger(
    options.payloadMaxBytes,
    'payloadMaxBytes',
    POLICY.payloadMaxBytes,
  );
  const defaults = {
    leaseTtlMs: positiveInteger(options.leaseTtlMs, 'leaseTtlMs'),
    heartbeatIntervalMs: positiveInteger(options.heartbeatIntervalMs, 'heartbeatIntervalMs'),
    waitTimeoutMs: positiveInteger(
      options.acquireTimeoutMs,
      'acquireTimeoutMs',
      DEFAULT_WAIT_TIMEOUT_MS,
    ),
  };
  const onReleaseError = options.onReleaseError ?? defaultReleaseError;
  const routes = createBrokerRoutes({
    endpoint,
    token,
    httpTimeoutMs,
    payloadMaxBytes,
    fetch: options.fetch ?? globalThis.fetch,
  });

  const client: BrokerClient = {
    role,
    ownerId,
    endpoint,
    routes,
    acquireLease: (kind, acquireOptions = {}) =>
      acquireLease(
        { routes, role, ownerId, payloadMaxBytes, httpTimeoutMs, onReleaseError },
        kind,
        {
          ...acquireOptions,
          waitTimeoutMs: acquireOptions.waitTimeoutMs ?? defaults.waitTimeoutMs,
          leaseTtlMs: acquireOptions.leaseTtlMs ?? defaults.leaseTtlMs,
          heartbeatIntervalMs: acquireOptions.heartbeatIntervalMs ?? defaults.heartbeatIntervalMs,
        },
      ),
    withLease: async (kind, fn, withOptions) => {
      const lease = await client.acquireLease(kind, withOptions);
      try {
        return await fn(lease);
      } finally {
        // A failed release is reported, not fatal: fn's outcome is what the caller wants.
        await lease.release().catch((error: unknown) => onReleaseError(error, lease));
      }
    },
    addCredential: async (input) => {
      checkPayloadSize(input.payload, payloadMaxBytes);
      const ok = await routes.adminAdd(input);
      return ok.credential;
    },
    removeCredential: async (credentialId, removeOptions = {}) => {
      const ok = await routes.adminRemove({ credentialId, ...removeOptions });
      return { changed: ok.changed, credential: ok.credential };
    },
    listCredentials: async (filter = {}) => (await routes.adminList(filter)).credentials,
    listEvents: async (filter = {}) => {
      const { events, nextCursor } = await routes.adminEvents(filter);
      return nextCursor === undefined ? { events } : { events, nextCursor };
    },
    listQueue: async (filter = {}) => (await routes.adminQueue(filter)).queues,
    restoreCredential: async (credentialId, restoreOptions = {}) =>
      changeResult(await routes.adminRestore({ credentialId, ...restoreOptions })),
    quarantineCredential: async (credentialId, quarantineOptions = {}) =>
      changeResult(await routes.adminQuarantine({ credentialId, ...quarantineOptions })),
    updateCredential: async (input) => {
      if (input.payload === undefined && input.note === undefined) {
        throw invalidConfig('updateCredential needs a payload, a note, or both.');
      }
      if (input.payload !== undefined) checkPayloadSize(input.payload, payloadMaxBytes);
      return changeResult(await routes.adminUpdate(input));
    },
    getPolicies: async (filter = {}) => (await routes.adminPolicyGet(filter)).policies,
    getPolicy: async (kind) =>
      (await routes.adminPolicyGet({ kind })).policies.find((policy) => policy.kind === kind),
    setPolicy: async (input) => (await routes.adminPolicySet(input)).policy,
  };
  return client;
}
