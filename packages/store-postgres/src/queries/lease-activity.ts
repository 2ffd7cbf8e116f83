import {
  ACTIVITY_BUCKET_COUNT,
  ACTIVITY_BUCKET_MS,
  assembleActivity,
  type LeaseActivity,
  type LeaseActivityInput,
} from '@qa-broker/store';
import { toNumber } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { clockCte } from './clock.js';

/**
 * leaseActivity (admin/stats), one statement. $1 kind (null = all), $2 nowMs (null = the
 * store clock). Counts acquire and acquire_failed events per kind and minute over the
 * window of 60 one-minute buckets ending with the current minute; events_kind_idx serves
 * the range. The window row is left-joined so its start comes back even with no events.
 */
export function leaseActivityQuery(schema: QuotedSchema) {
  const text = `
with clock as (${clockCte('$2')}),
win as (
  select (now_ms / ${ACTIVITY_BUCKET_MS}) * ${ACTIVITY_BUCKET_MS} - ${(ACTIVITY_BUCKET_COUNT - 1) * ACTIVITY_BUCKET_MS} as start_ms
  from clock
)
select win.start_ms, e.kind,
  (e.occurred_at_ms - win.start_ms) / ${ACTIVITY_BUCKET_MS} as bucket,
  count(*) filter (where e.event_type = 'acquire') as grants,
  count(*) filter (where e.event_type = 'acquire_failed') as exhausted
from win
left join ${schema}.events e
  on e.category = 'lease'
  and e.event_type in ('acquire', 'acquire_failed')
  and e.kind is not null
  and ($1::text is null or e.kind = $1::text)
  and e.occurred_at_ms >= win.start_ms
  and e.occurred_at_ms < win.start_ms + ${ACTIVITY_BUCKET_COUNT * ACTIVITY_BUCKET_MS}
group by win.start_ms, e.kind, bucket`;

  return async (db: Queryable, input: LeaseActivityInput): Promise<LeaseActivity> => {
    const { rows } = await db.query<{
      start_ms: unknown;
      kind: string | null;
      bucket: unknown;
      grants: unknown;
      exhausted: unknown;
    }>(text, [input.kind ?? null, input.nowMs ?? null]);
    const windowStartMs = toNumber(rows[0]?.start_ms);
    const counts = rows.flatMap((row) =>
      row.kind === null
        ? []
        : [
            {
              kind: row.kind,
              bucket: toNumber(row.bucket),
              grants: toNumber(row.grants),
              exhausted: toNumber(row.exhausted),
            },
          ],
    );
    return assembleActivity(windowStartMs, counts);
  };
}
