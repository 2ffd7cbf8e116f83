import { WAIT_POLICY } from '@qa-broker/contract';
import type { CancelWaitInput } from '@qa-broker/store';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { toWakeups, type WakeColumns, type Wakeup } from './wake-rows.js';

/**
 * cancelWait, one call of queue_cancel (migration 0002): a grant never picked up is
 * cleared (with a `release` event) and handed on. $1 kind, $2 ticketId, $3 nowMs,
 * $4 ticketGraceMs, $5 scanLimit.
 */
export function cancelWaitQuery(schema: QuotedSchema) {
  const text = `select * from ${schema}.queue_cancel($1, $2, $3, $4, $5)`;
  return async (db: Queryable, input: CancelWaitInput): Promise<Wakeup[]> => {
    const { rows } = await db.query<WakeColumns>(text, [
      input.kind,
      input.ticketId,
      input.nowMs ?? null,
      WAIT_POLICY.ticketGraceMs,
      WAIT_POLICY.scanLimit,
    ]);
    return toWakeups(rows[0]);
  };
}
