import { randomUUID } from 'node:crypto';
import { isKnownKind, PAYLOAD_SCHEMAS, WAIT_POLICY } from '@qa-broker/contract';
import type { ActorRole, PayloadOf } from '@qa-broker/contract';
import { BrokerError } from './broker-error.js';
import type { AcquireOkBody, BrokerRoutes } from './broker-routes.js';
import { monotonicNow } from './heartbeat-loop.js';
import { hydratePayload } from './hydrate-payload.js';
import { HeldLease, type Lease } from './lease.js';
import { waitForGrant, type AttemptContext, type PoolWaitEvent } from './pool-wait.js';
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
  /**
   * Told at each refusal while the pool is exhausted: before each pause when polling, and
   * each time the broker's queue answers "still waiting" (with our position when it says it).
   */
  onWait?: (event: PoolWaitEvent) => void;
  /**
   * Wait in the broker's fair queue (default true): one random ticket per acquire, re-asked
   * until the wait timeout. `false` polls as v1 clients do. Against a broker without the
   * queue the client polls either way.
   */
  queue?: boolean;
  /**
   * Place in the queue, −100…100 (default 0): higher is served first. Above 0 only for the
   * maintainer role (the broker refuses it for ci with AUTH_ROLE_MISMATCH).
   */
  priority?: number;
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
  /** The per-request timeout: a queued request asks the broker to answer 2 s before it. */
  httpTimeoutMs: number;
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
  const queue = options.queue !== false;
  // One ticket for the whole acquire: every re-ask keeps the same place in the queue.
  const ticket = randomUUID();
  const parkCeilingMs = Math.min(
    WAIT_POLICY.maxWaitMs.max,
    context.httpTimeoutMs - HTTP_TIMEOUT_MARGIN_MS,
  );
  const body = {
    actorRole: role,
    kind,
    ownerId,
    ...(options.leaseTtlMs === undefined ? {} : { leaseTtlMs: options.leaseTtlMs }),
    ...(options.heartbeatIntervalMs === undefined
      ? {}
      : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
  };

  let firstSentAt: number | undefined;
  const waitField = (maxWaitMs: number) => ({
    ticket,
    maxWaitMs,
    ...(options.priority === undefined ? {} : { priority: options.priority }),
  });

  /**
   * One ask. The first (and any before the broker has shown it queues us) sends
   * `maxWaitMs: 0`: it is granted at once if a credential is free, else it answers at once
   * with our place — or, from an old broker, with a plain refusal. Only once the broker is
   * known to hold our ticket does a request stay open (up to 2 s before the HTTP timeout),
   * and only then may `signal` cut it: the re-ask after the cut recovers a grant the cut
   * answer carried (the broker hands the same lease back to the same ticket).
   * Before that, a request does not listen to `signal`: a grant in flight when the caller
   * cancels must arrive, so that it can be given back.
   */
  async function ask(
    attempt: AttemptContext,
  ): Promise<{ grant: AcquireOkBody; grantedAt: number }> {
    const sentAt = monotonicNow();
    firstSentAt ??= sentAt;
    if (!queue) return { grant: await routes.acquire(body), grantedAt: sentAt };
    if (!attempt.queued || parkCeilingMs <= 0) {
      return timed(await routes.acquire({ ...body, wait: waitField(0) }), sentAt);
    }
    const maxWaitMs = Math.max(0, Math.min(parkCeilingMs, attempt.remainingMs));
    try {
      return timed(
        await routes.acquire({ ...body, wait: waitField(maxWaitMs) }, { signal }),
        sentAt,
      );
    } catch (error) {
      if (!signal?.aborted) throw error;
      const recoveredAt = monotonicNow();
      const recovered = await routes.acquire({ ...body, wait: waitField(0) }).catch(() => {
        throw error;
      });
      return timed(recovered, recoveredAt);
    }
  }

  /**
   * When the lease's TTL started, on our monotonic clock, never later than it did. A v1
   * grant: when its request was sent. A queued grant may have been made anywhere in a
   * held-open request, or before a re-ask delivered it: its `waitedMs` counts from the
   * ticket's first request, which reached the broker after we sent it.
   */
  function timed(grant: AcquireOkBody, sentAt: number) {
    const grantedAt =
      grant.ticket === undefined || grant.waitedMs === undefined || firstSentAt === undefined
        ? sentAt
        : Math.min(firstSentAt + grant.waitedMs, monotonicNow());
    return { grant, grantedAt };
  }

  const { grant, grantedAt } = await waitForGrant(ask, {
    waitTimeoutMs: options.waitTimeoutMs,
    signal,
    onWait: options.onWait,
    what,
    // Without room to hold a request open, the broker answers at once: do not spin.
    waitingPauseMs: queue && parkCeilingMs <= 0 ? UNPARKED_REASK_MS : 0,
  });

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

/** A queued request asks the broker to answer this long before the client's HTTP timeout. */
export const HTTP_TIMEOUT_MARGIN_MS = 2_000;
/** The pause between waiting answers when the HTTP timeout leaves no room to park a request. */
const UNPARKED_REASK_MS = 250;

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
