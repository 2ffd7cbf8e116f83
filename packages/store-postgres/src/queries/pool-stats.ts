import type { PoolStats } from '@qa-broker/store';
import { toNumber } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { DB_CLOCK_MS } from './clock.js';

/**
 * poolStats, one statement, no parameters: counts per kind by the store clock (an expired
 * lease counts as free), and the live waiting entries of each kind's queue (a kind with
 * only waiters appears too). For metrics scrapes; it reads every credential, once.
 * Each credential counts in one state: disabled, else quarantined, else leased, else free.
 */
export function poolStatsQuery(schema: QuotedSchema) {
  const text = `
with clock as (select ${DB_CLOCK_MS} as now_ms),
pools as (
  select c.kind,
    count(*) filter (where c.status = 'active' and c.quarantine_at_ms is null
      and (c.lease_expires_at_ms is null or c.lease_expires_at_ms <= clock.now_ms)) as free,
    count(*) filter (where c.status = 'active' and c.quarantine_at_ms is null
      and c.lease_expires_at_ms > clock.now_ms) as leased,
    count(*) filter (where c.status = 'active' and c.quarantine_at_ms is not null) as quarantined,
    count(*) filter (where c.status = 'disabled') as disabled
  from ${schema}.credentials c cross join clock
  group by c.kind
),
queues as (
  select w.kind, count(*) as waiting
  from ${schema}.waiters w cross join clock
  where w.granted_credential_id is null and w.deadline_ms > clock.now_ms
  group by w.kind
)
select coalesce(p.kind, q.kind) as kind, coalesce(p.free, 0) as free,
  coalesce(p.leased, 0) as leased, coalesce(p.disabled, 0) as disabled,
  coalesce(p.quarantined, 0) as quarantined,
  coalesce(q.waiting, 0) as waiting
from pools p full join queues q on q.kind = p.kind
order by 1`;

  return async (db: Queryable): Promise<PoolStats[]> => {
    const { rows } = await db.query<{
      kind: string;
      free: unknown;
      leased: unknown;
      disabled: unknown;
      quarantined: unknown;
      waiting: unknown;
    }>(text);
    return rows.map((row) => ({
      kind: row.kind,
      free: toNumber(row.free),
      leased: toNumber(row.leased),
      disabled: toNumber(row.disabled),
      waiting: toNumber(row.waiting),
      quarantined: toNumber(row.quarantined),
    }));
  };
}
