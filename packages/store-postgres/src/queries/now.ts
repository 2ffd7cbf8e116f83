import { toNumber } from '../rows.js';
import type { Queryable } from '../sql-client.js';
import { DB_CLOCK_MS } from './clock.js';

/** now, no parameters: the store clock in integer milliseconds. */
const text = `select ${DB_CLOCK_MS} as now_ms`;

export async function storeNow(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ now_ms: unknown }>(text);
  return toNumber(rows[0]?.now_ms);
}
