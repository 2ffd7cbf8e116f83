import type { brokerContract } from '@qa-broker/contract';
import type { AppRouteImplementation } from '@ts-rest/express';
import type { BrokerDeps } from '../broker-deps.js';
import { fail } from '../error-response.js';
import { storedLeaseToken } from '../lease-token.js';

export function releaseHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.release> {
  const { store } = deps;
  return async ({ body, res }) => {
    const result = await store.release({
      kind: body.kind,
      ownerId: body.ownerId,
      actorRole: body.actorRole,
      credentialId: body.credentialId,
      leaseToken: storedLeaseToken(body.leaseToken),
      ...(body.outcome === 'broken'
        ? { outcome: 'broken' as const, ...(body.reason ? { reason: body.reason } : {}) }
        : {}),
    });
    if (!result.ok) {
      const message =
        result.code === 'KIND_MISMATCH'
          ? 'Credential kind did not match this lease release.'
          : undefined;
      return fail(res, result.code, message);
    }
    return { status: 200, body: { status: 'ok' } };
  };
}
