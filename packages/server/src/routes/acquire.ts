import { checkHeartbeatInterval, checkLeaseTtl } from '@qa-broker/contract';
import type { brokerContract } from '@qa-broker/contract';
import type { GrantedLease } from '@qa-broker/store';
import type { AppRouteImplementation } from '@ts-rest/express';
import type { BrokerDeps } from '../broker-deps.js';
import { BrokerError } from '../broker-error.js';
import { fail, failWith } from '../error-response.js';
import { newLeaseToken, storedLeaseToken } from '../lease-token.js';
import { chunkMarker } from '../payload-codec.js';

export function acquireHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.acquire> {
  const { store, codec, leaseBounds, logger, metrics } = deps;

  /** The inline payload, or the chunk marker that sends the caller to payload-chunk. */
  async function payloadOf(lease: GrantedLease): Promise<Record<string, unknown>> {
    if (lease.chunkCount > 1 || lease.inlinePiece === undefined) {
      return chunkMarker(lease.byteLength, lease.chunkCount);
    }
    return codec.openInline(lease.credentialId, lease.inlinePiece);
  }

  return async ({ body, res }) => {
    const ttl = checkLeaseTtl(body.leaseTtlMs, leaseBounds);
    if (!ttl.ok) return fail(res, ttl.code, ttl.message);
    const interval = checkHeartbeatInterval(body.heartbeatIntervalMs, leaseBounds);
    if (!interval.ok) return fail(res, interval.code, interval.message);

    // The caller gets the token; the store only ever sees its hash.
    const leaseToken = newLeaseToken();
    const result = await store.acquire({
      kind: body.kind,
      ownerId: body.ownerId,
      actorRole: body.actorRole,
      leaseToken: storedLeaseToken(leaseToken),
      leaseTtlMs: ttl.value,
    });
    if (!result.ok) {
      metrics.exhausted(body.kind);
      return fail(res, 'POOL_EXHAUSTED', `No available credential for kind "${body.kind}".`);
    }
    const { lease } = result;
    metrics.grant(body.kind);
    let payload: Record<string, unknown>;
    try {
      payload = await payloadOf(lease);
    } catch (error) {
      // The caller never learns the token, so give the credential back instead of
      // leaving it stuck until the lease expires.
      await store
        .release({
          kind: body.kind,
          ownerId: body.ownerId,
          actorRole: body.actorRole,
          credentialId: lease.credentialId,
          leaseToken: storedLeaseToken(leaseToken),
        })
        .catch((releaseError: unknown) => {
          logger.warn(
            { credentialId: lease.credentialId, err: releaseError },
            'release after unreadable payload failed',
          );
        });
      if (error instanceof BrokerError) return failWith(res, error);
      throw error;
    }
    return {
      status: 200,
      body: {
        status: 'ok',
        credentialId: lease.credentialId,
        leaseToken,
        payload,
        leaseTtlMs: ttl.value,
        heartbeatIntervalMs: interval.value,
        expiresAtMs: lease.expiresAtMs,
        fencingToken: lease.fencingToken,
      },
    };
  };
}
