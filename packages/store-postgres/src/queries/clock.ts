/**
 * The store clock in integer milliseconds, evaluated inside the statement, so broker
 * instances with skewed clocks agree. `clock_timestamp()` (not `now()`) because a
 * statement may wait on a row lock and time must be read after the wait.
 */
export const DB_CLOCK_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

/** A one-row CTE body: the explicit `nowMs` parameter when given, else the store clock. */
export function clockCte(nowParam: string): string {
  return `select coalesce(${nowParam}::bigint, ${DB_CLOCK_MS}) as now_ms`;
}
