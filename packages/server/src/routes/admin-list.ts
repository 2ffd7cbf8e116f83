import { checkListLimit } from '@qa-broker/contract';
import type { brokerContract } from '@qa-broker/contract';
import type { AppRouteImplementation } from '@ts-rest/express';
import type { BrokerDeps } from '../broker-deps.js';
import { fail } from '../error-response.js';
import { credentialSummary } from '../summaries.js';

export function adminListHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.admin.list> {
  const { store, codec } = deps;
  return async ({ body, res }) => {
    const limit = checkListLimit(body.limit);
    if (!limit.ok) return fail(res, limit.code, limit.message);
    const includePayload = body.includePayload === true;
    const records = await store.listCredentials({
      ...(body.kind ? { kind: body.kind } : {}),
      status: body.status ?? 'all',
      includePayload,
      limit: limit.value,
    });
    const credentials = await Promise.all(
      records.map(async (record) =>
        credentialSummary(
          record,
          includePayload && record.payload
            ? await codec.openWhole(record.credentialId, record.payload)
            : undefined,
        ),
      ),
    );
    return { status: 200, body: { status: 'ok', credentials, count: credentials.length } };
  };
}
