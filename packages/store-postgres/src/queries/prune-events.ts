import type { PruneInput, PruneResult } from '@qa-broker/store';
import { toNumber } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { clockCte } from './clock.js';

/**
 * pruneEvents, one statement deleting at most one batch. $1 lease-event max age (ms),
 * $2 admin-event max age (ms), $3 batchSize, $4 nowMs (null = store clock).
 * "Older than max age" is strict: an event exactly max age old is kept. The oldest lease
 * events come from events_time_idx in order (they are nearly all events, so the few admin
 * ones it passes over cost little), the oldest admin events from the partial
 * events_admin_time_idx, so a batch never scans the table.
 */
export function pruneEventsSql(schema: QuotedSchema): string {
  return `
with clock as (${clockCte('$4')}),
victims as (
  select v.event_seq from (
    (select e.event_seq, e.occurred_at_ms from ${schema}.events e cross join clock
      where e.category = 'lease' and e.occurred_at_ms < clock.now_ms - $1::bigint
      order by e.occurred_at_ms, e.event_seq limit $3)
    union all
    (select e.event_seq, e.occurred_at_ms from ${schema}.events e cross join clock
      where e.category = 'admin' and e.occurred_at_ms < clock.now_ms - $2::bigint
      order by e.occurred_at_ms, e.event_seq limit $3)
  ) v
  order by v.occurred_at_ms
  limit $3
),
removed as (
  delete from ${schema}.events e using victims v where e.event_seq = v.event_seq
  returning 1
)
select count(*) as deleted from removed`;
}

export function pruneEventsQuery(schema: QuotedSchema) {
  const text = pruneEventsSql(schema);

  return async (db: Queryable, input: PruneInput): Promise<PruneResult> => {
    const { rows } = await db.query<{ deleted: unknown }>(text, [
      input.leaseEventMaxAgeMs,
      input.adminEventMaxAgeMs,
      input.batchSize,
      input.nowMs ?? null,
    ]);
    const deleted = toNumber(rows[0]?.deleted ?? 0);
    return { deleted, more: deleted >= input.batchSize };
  };
}
