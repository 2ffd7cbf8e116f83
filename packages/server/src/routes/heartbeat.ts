import { checkLeaseTtl } from '@qa-broker/contract';
import type { brokerContract } from '@qa-broker/contract';
import type { AppRouteImplementation } from '@ts-rest/express';
import type { BrokerDeps } from '../broker-deps.js';
import { fail } from '../error-response.js';
import { storedLeaseToken } from '../lease-token.js';

const MESSAGES = {
  KIND_MISMATCH: 'Credential kind did not match this lease heartbeat.',
  CREDENTIAL_DISABLED: 'Credential is disabled and cannot be heartbeated.',
} as const;

export function heartbeatHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.heartbeat> {
  const { store, leaseBounds } = deps;
  return async ({ body, res }) => {
    // A heartbeat's TTL defaults to the server default, not to the original lease's.
    const ttl = checkLeaseTtl(body.leaseTtlMs, leaseBounds);
    if (!ttl.ok) return fail(res, ttl.code, ttl.message);
    const result = await store.heartbeat({
      kind: body.kind,
      ownerId: body.ownerId,
      credentialId: body.credentialId,
      leaseToken: storedLeaseToken(body.leaseToken),
      leaseTtlMs: ttl.value,
    });
    if (!result.ok) {
      const message =
        result.code === 'KIND_MISMATCH' || result.code === 'CREDENTIAL_DISABLED'
          ? MESSAGES[result.code]
          : undefined;
      return fail(res, result.code, message);
    }
    return {
      status: 200,
      body: {
        status: 'ok',
        expiresAtMs: result.expiresAtMs,
        ...(result.maxExpiresAtMs === undefined ? {} : { maxExpiresAtMs: result.maxExpiresAtMs }),
      },
    };
  };
}
