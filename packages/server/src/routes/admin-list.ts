import { checkListLimit } from '@qa-broker/contract';
import type { brokerContract } from '@qa-broker/contract';
import type { CredentialRecord, ListPosition } from '@qa-broker/store';
import type { AppRouteImplementation } from '@ts-rest/express';
import type { BrokerDeps } from '../broker-deps.js';
import { fail } from '../error-response.js';
import { decodeListCursor, encodeListCursor } from '../list-cursor.js';
import { credentialSummary } from '../summaries.js';

const BAD_CURSOR = 'Expected "cursor" to be the nextCursor of a previous page.';

function positionOf(record: CredentialRecord): ListPosition {
  return {
    kind: record.kind,
    status: record.status,
    updatedAtMs: record.updatedAtMs,
    credentialId: record.credentialId,
  };
}

export function adminListHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.admin.list> {
  const { store, codec } = deps;
  return async ({ body, res }) => {
    const limit = checkListLimit(body.limit);
    if (!limit.ok) return fail(res, limit.code, limit.message);
    const after = body.cursor === undefined ? undefined : decodeListCursor(body.cursor);
    if (body.cursor !== undefined && after === undefined) {
      return fail(res, 'INVALID_BODY', BAD_CURSOR);
    }
    const includePayload = body.includePayload === true;
    const filter = {
      ...(body.kind ? { kind: body.kind } : {}),
      status: body.status ?? 'all',
      includePayload,
    } as const;
    const records = await store.listCredentials({
      ...filter,
      limit: limit.value,
      ...(after ? { after } : {}),
    });
    // A full page may be the last: one more row after it says whether more remain.
    const last = records.length === limit.value ? records.at(-1) : undefined;
    const more =
      last !== undefined &&
      (
        await store.listCredentials({
          ...filter,
          includePayload: false,
          limit: 1,
          after: positionOf(last),
        })
      ).length > 0;
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
    return {
      status: 200,
      body: {
        status: 'ok',
        credentials,
        count: credentials.length,
        ...(more && last ? { nextCursor: encodeListCursor(last) } : {}),
      },
    };
  };
}
