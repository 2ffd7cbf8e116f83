import type { brokerContract } from '@qa-broker/contract';
import type { AppRouteImplementation } from '@ts-rest/express';
import type { BrokerDeps } from '../broker-deps.js';
import { fail } from '../error-response.js';
import { storedLeaseToken } from '../lease-token.js';

const MESSAGES = {
  KIND_MISMATCH: 'Credential kind did not match this payload request.',
  CREDENTIAL_DISABLED: 'Credential is disabled.',
  AUTH_ROLE_MISMATCH: 'Credential lease actor role mismatch.',
} as const;

export function payloadChunkHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.payloadChunk> {
  const { store, codec } = deps;
  return async ({ body, res }) => {
    const result = await store.readPayloadChunk({
      kind: body.kind,
      ownerId: body.ownerId,
      actorRole: body.actorRole,
      credentialId: body.credentialId,
      leaseToken: storedLeaseToken(body.leaseToken),
      index: body.index ?? 0,
    });
    if (!result.ok) {
      const message =
        result.code === 'KIND_MISMATCH' ||
        result.code === 'CREDENTIAL_DISABLED' ||
        result.code === 'AUTH_ROLE_MISMATCH'
          ? MESSAGES[result.code]
          : undefined;
      return fail(res, result.code, message);
    }
    let data: string;
    try {
      data = await codec.openPiece(body.credentialId, result.index, result.piece);
    } catch (error) {
      // A piece this broker refuses to serve (unreadable, or plaintext under
      // --require-encryption) ends the lease, as acquire does: the holder cannot use it.
      await store
        .release({
          kind: body.kind,
          ownerId: body.ownerId,
          actorRole: body.actorRole,
          credentialId: body.credentialId,
          leaseToken: storedLeaseToken(body.leaseToken),
        })
        .catch(() => undefined);
      throw error;
    }
    return { status: 200, body: { status: 'ok', data, index: result.index } };
  };
}
