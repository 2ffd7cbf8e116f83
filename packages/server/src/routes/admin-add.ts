import { randomUUID } from 'node:crypto';
import type { brokerContract } from '@qa-broker/contract';
import type { AppRouteImplementation } from '@ts-rest/express';
import type { BrokerDeps } from '../broker-deps.js';
import { credentialSummary } from '../summaries.js';

export function adminAddHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.admin.add> {
  const { store, codec } = deps;
  return async ({ body }) => {
    // The id is ours, so the sealed pieces can be bound to it before anything is stored.
    const credentialId = randomUUID();
    const payload = await codec.seal(credentialId, body.payload);
    const record = await store.addCredential({
      credentialId,
      kind: body.kind,
      payload,
      status: body.status ?? 'active',
      actorId: body.actorId ?? 'unknown',
      ...(body.note ? { note: body.note } : {}),
    });
    return { status: 200, body: { status: 'ok', credential: credentialSummary(record) } };
  };
}
