import { WAIT_POLICY } from '@qa-broker/contract';
import type { TickWaitersInput, TickWaitersResult } from '@qa-broker/store';
import { toNumber } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { toWakeups, type WakeColumns, type Wakeup } from './wake-rows.js';

/**
 * tickWaiters, one call of queue_tick (migration 0002): renews the given live tickets,
 * sweeps, dispatches, and reads which tickets hold an undelivered grant and the kind's
 * next lease expiry. $1 kind, $2 ticketIds, $3 nowMs, $4 ticketGraceMs, $5 scanLimit.
 */
export function tickWaitersQuery(schema: QuotedSchema) {
  const text = `select * from ${schema}.queue_tick($1, $2::text[], $3, $4, $5)`;
  return async (
    db: Queryable,
    input: TickWaitersInput,
  ): Promise<{ result: TickWaitersResult; wakeups: Wakeup[] }> => {
    const { rows } = await db.query<
      WakeColumns & { granted: string[] | null; next_expiry_at_ms: unknown }
    >(text, [
      input.kind,
      input.ticketIds,
      input.nowMs ?? null,
      WAIT_POLICY.ticketGraceMs,
      WAIT_POLICY.scanLimit,
    ]);
    const row = rows[0];
    if (!row) throw new Error('queue_tick returned no row');
    const result: TickWaitersResult = { granted: row.granted ?? [] };
    if (row.next_expiry_at_ms !== null) result.nextExpiryAtMs = toNumber(row.next_expiry_at_ms);
    return { result, wakeups: toWakeups(row) };
  };
}
