import type { PoolStats } from '@qa-broker/store';
import { toNumber } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { DB_CLOCK_MS } from './clock.js';

/**
 * poolStats, one statement, no parameters: counts per kind by the store clock (an expired
 * lease counts as free). For metrics scrapes; it reads every credential, once.
 */
export function poolStatsQuery(schema: QuotedSchema) {
  const text = `
with clock as (select ${DB_CLOCK_MS} as now_ms)
select c.kind,
  count(*) filter (where c.status = 'active' and (c.lease_expires_at_ms is null or c.lease_expires_at_ms <= clock.now_ms)) as free,
  count(*) filter (where c.status = 'active' and c.lease_expires_at_ms > clock.now_ms) as leased,
  count(*) filter (where c.status = 'disabled') as disabled
from ${schema}.credentials c cross join clock
group by c.kind
order by c.kind`;

  return async (db: Queryable): Promise<PoolStats[]> => {
    const { rows } = await db.query<{
      kind: string;
      free: unknown;
      leased: unknown;
      disabled: unknown;
    }>(text);
    return rows.map((row) => ({
      kind: row.kind,
      free: toNumber(row.free),
      leased: toNumber(row.leased),
      disabled: toNumber(row.disabled),
    }));
  };
}
