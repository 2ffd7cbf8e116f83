import { validatePayload } from '@qa-broker/contract';
import type { brokerContract } from '@qa-broker/contract';
import type { CredentialChangeResult } from '@qa-broker/store';
import type { AppRouteImplementation } from '@ts-rest/express';
import type { Response } from 'express';
import type { BrokerDeps } from '../broker-deps.js';
import { fail } from '../error-response.js';
import { credentialSummary } from '../summaries.js';

/** The maintainer's actorId in events when the body names none (as admin/remove does). */
const UNKNOWN_ACTOR = 'unknown';

function changeAnswer(res: Response, result: CredentialChangeResult) {
  if (!result.ok) return fail(res, result.code);
  return {
    status: 200 as const,
    body: {
      status: 'ok' as const,
      changed: result.changed,
      credential: credentialSummary(result.credential),
    },
  };
}

export function adminRestoreHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.admin.restore> {
  return async ({ body, res }) =>
    changeAnswer(
      res,
      await deps.store.restoreCredential({
        credentialId: body.credentialId,
        actorId: body.actorId ?? UNKNOWN_ACTOR,
      }),
    );
}

export function adminQuarantineHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.admin.quarantine> {
  return async ({ body, res }) =>
    changeAnswer(
      res,
      await deps.store.quarantineCredential({
        credentialId: body.credentialId,
        actorId: body.actorId ?? UNKNOWN_ACTOR,
        ...(body.reason ? { reason: body.reason } : {}),
      }),
    );
}

/**
 * admin/update: the body was checked by the preflight; then the credential must exist
 * (its kind decides the payload schema), then the payload is validated, sealed and
 * chunked exactly as admin/add does.
 */
export function adminUpdateHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.admin.update> {
  const { store, codec } = deps;
  return async ({ body, res }) => {
    const existing = await store.findCredential(body.credentialId);
    if (!existing) return fail(res, 'CREDENTIAL_NOT_FOUND');
    let payload;
    if (body.payload !== undefined) {
      const checked = validatePayload(existing.kind, body.payload);
      if (!checked.ok) return fail(res, 'INVALID_PAYLOAD', checked.message);
      payload = await codec.seal(body.credentialId, checked.payload);
    }
    return changeAnswer(
      res,
      await store.updateCredential({
        credentialId: body.credentialId,
        actorId: body.actorId ?? UNKNOWN_ACTOR,
        ...(payload ? { payload } : {}),
        ...(body.note === undefined ? {} : { note: body.note }),
      }),
    );
  };
}
