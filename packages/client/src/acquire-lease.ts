import { isKnownKind, PAYLOAD_SCHEMAS } from '@qa-broker/contract';
import type { ActorRole, PayloadOf } from '@qa-broker/contract';
import { BrokerError } from './broker-error.js';
import type { AcquireOkBody, BrokerRoutes } from './broker-routes.js';
import { monotonicNow } from './heartbeat-loop.js';
import { hydratePayload } from './hydrate-payload.js';
import { HeldLease, type Lease } from './lease.js';
import { waitForGrant, type PoolWaitEvent } from './pool-wait.js';
import { abortedError } from './sleep.js';

export interface AcquireLeaseOptions<K extends string = string> {
  /** Total time to keep retrying an exhausted pool, in ms (default 90 000). */
  waitTimeoutMs?: number;
  /** Lease TTL to ask for; the broker's default when omitted. */
  leaseTtlMs?: number;
  /** Heartbeat interval to ask for; the broker's default when omitted. */
  heartbeatIntervalMs?: number;
  /** Cancels waiting (and gives back a grant that arrives after it fired). */
  signal?: AbortSignal;
  /** Told before each pause while the pool is exhausted. */
  onWait?: (event: PoolWaitEvent) => void;
  /**
   * A check of the payload before the lease is handed over. Returning `false` or throwing
   * releases the lease; a throw is rethrown, `false` becomes a PAYLOAD_REJECTED BrokerError.
   */
  validate?: (payload: PayloadOf<K>) => unknown;
}

export interface AcquireContext {
  routes: BrokerRoutes;
  role: ActorRole;
  ownerId: string;
  payloadMaxBytes: number;
  onReleaseError: (error: unknown, lease: Lease) => void;
}

/** Waits for a grant, hydrates and checks its payload, and starts its heartbeat. */
export async function acquireLease<K extends string>(
  context: AcquireContext,
  kind: K,
  options: AcquireLeaseOptions<K> & { waitTimeoutMs: number },
): Promise<Lease<K>> {
  const { routes, role, ownerId, payloadMaxBytes } = context;
  const { signal } = options;
  const what = `a "${kind}" credential`;
  const body = {
    actorRole: role,
    kind,
    ownerId,
    ...(options.leaseTtlMs === undefined ? {} : { leaseTtlMs: options.leaseTtlMs }),
    ...(options.heartbeatIntervalMs === undefined
      ? {}
      : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
  };

  // The acquire request itself does not listen to `signal`: a grant that is in flight
  // when the caller cancels must arrive, so that it can be given back.
  const { grant, grantedAt } = await waitForGrant(
    async (): Promise<{ grant: AcquireOkBody; grantedAt: number }> => {
      const sentAt = monotonicNow();
      return { grant: await routes.acquire(body), grantedAt: sentAt };
    },
    { waitTimeoutMs: options.waitTimeoutMs, signal, onWait: options.onWait, what },
  );

  const lease = new HeldLease<K>({
    routes,
    role,
    ownerId,
    kind,
    grant,
    grantedAt,
    onReleaseError: context.onReleaseError,
  });
  try {
    if (signal?.aborted) throw abortedError(signal, `Waiting for ${what}`);
    const hydrated = await hydratePayload(grant.payload, {
      payloadMaxBytes,
      signal,
      readChunk: (index) =>
        routes.payloadChunk(
          {
            actorRole: role,
            kind,
            ownerId,
            credentialId: grant.credentialId,
            leaseToken: grant.leaseToken,
            index,
          },
          { signal },
        ),
    });
    const payload = checkKnownKind(kind, grant.credentialId, hydrated) as PayloadOf<K>;
    if (options.validate) {
      const verdict: unknown = await options.validate(payload);
      if (verdict === false) {
        throw new BrokerError(
          'PAYLOAD_REJECTED',
          `The payload check refused credential ${grant.credentialId} (kind "${kind}").`,
          { transient: false },
        );
      }
    }
    if (signal?.aborted) throw abortedError(signal, `Waiting for ${what}`);
    lease.setPayload(payload);
    return lease;
  } catch (error) {
    await lease.release().catch((releaseError: unknown) => {
      context.onReleaseError(releaseError, lease);
    });
    throw error;
  }
}

/** Known kinds are parsed with their contract schema, so the payload's type is honest. */
function checkKnownKind(
  kind: string,
  credentialId: string,
  payload: Record<string, unknown>,
): Record<string, unknown> {
  if (!isKnownKind(kind)) return payload;
  const result = PAYLOAD_SCHEMAS[kind].safeParse(payload);
  if (result.success) return result.data;
  throw new BrokerError(
    'PAYLOAD_REJECTED',
    `Credential ${credentialId} does not match the "${kind}" payload schema: ${result.error.issues[0]?.message ?? 'invalid payload'}`,
    { transient: false },
  );
}
