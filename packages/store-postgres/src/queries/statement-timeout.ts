import type { Queryable } from '../sql-client.js';

/**
 * The statement_timeout this connection's server session runs with, in ms (0 = none), and
 * the role it runs as. No parameters. Read at start behind a transaction pooler, where the
 * store cannot set the timeout itself.
 */
const SQL = `select setting::bigint as timeout_ms, current_user as role_name, current_database() as database_name
  from pg_settings where name = 'statement_timeout'`;

export async function serverStatementTimeout(
  db: Queryable,
): Promise<{ timeoutMs: number; role: string; database: string }> {
  const { rows } = await db.query<{ timeout_ms: string; role_name: string; database_name: string }>(
    SQL,
  );
  const row = rows[0];
  if (!row) throw new Error('pg_settings has no statement_timeout row');
  return { timeoutMs: Number(row.timeout_ms), role: row.role_name, database: row.database_name };
}
