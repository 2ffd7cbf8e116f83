import type { brokerContract } from '@qa-broker/contract';
import type { AppRouteImplementation } from '@ts-rest/express';
import type { BrokerDeps } from '../broker-deps.js';
import { fail } from '../error-response.js';
import { credentialSummary } from '../summaries.js';

export function adminRemoveHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.admin.remove> {
  const { store } = deps;
  return async ({ body, res }) => {
    const result = await store.disableCredential({
      credentialId: body.credentialId,
      actorId: body.actorId ?? 'unknown',
    });
    if (!result.ok) return fail(res, result.code);
    return {
      status: 200,
      body: {
        status: 'ok',
        changed: result.changed,
        credential: credentialSummary(result.credential),
      },
    };
  };
}
