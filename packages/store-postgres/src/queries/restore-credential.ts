import { WAIT_POLICY } from '@qa-broker/contract';
import type { CredentialChangeInput } from '@qa-broker/store';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { toWakeups, type WakeColumns, type Wakeup } from './wake-rows.js';

export type RestoreCode = 'CREDENTIAL_NOT_FOUND' | 'UNCHANGED' | 'OK';

/**
 * restoreCredential, one call of credential_restore (migration 0004): under the kind's
 * queue lock exclusive it clears the quarantine and the broken reports, re-enables, writes
 * `restore`, then sweeps and hands the credential to the head waiter if it is free.
 * $1 credentialId, $2 actorId, $3 nowMs, $4 ticketGraceMs, $5 scanLimit.
 * The adapter reads the record afterwards in the same transaction.
 */
export function restoreCredentialQuery(schema: QuotedSchema) {
  const text = `select * from ${schema}.credential_restore($1, $2, $3, $4, $5)`;
  return async (
    db: Queryable,
    input: CredentialChangeInput,
  ): Promise<{ code: RestoreCode; wakeups: Wakeup[] }> => {
    const { rows } = await db.query<WakeColumns & { o_code: RestoreCode }>(text, [
      input.credentialId,
      input.actorId,
      input.nowMs ?? null,
      WAIT_POLICY.ticketGraceMs,
      WAIT_POLICY.scanLimit,
    ]);
    const row = rows[0];
    if (!row) throw new Error('credential_restore returned no row');
    return { code: row.o_code, wakeups: toWakeups(row) };
  };
}
