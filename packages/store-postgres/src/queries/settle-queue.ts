import { WAIT_POLICY } from '@qa-broker/contract';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { toWakeups, type WakeColumns, type Wakeup } from './wake-rows.js';

/**
 * After a release or add in exclusive mode, in the same transaction: queue_settle sweeps
 * the kind's lapsed entries and hands free credentials to the head waiters.
 * $1 kind, $2 nowMs (null = store clock), $3 ticketGraceMs, $4 scanLimit.
 */
export function settleQueueQuery(schema: QuotedSchema) {
  const text = `select * from ${schema}.queue_settle($1, $2, $3, $4)`;
  return async (db: Queryable, kind: string, nowMs: number | undefined): Promise<Wakeup[]> => {
    const { rows } = await db.query<WakeColumns>(text, [
      kind,
      nowMs ?? null,
      WAIT_POLICY.ticketGraceMs,
      WAIT_POLICY.scanLimit,
    ]);
    return toWakeups(rows[0]);
  };
}
