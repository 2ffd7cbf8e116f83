import { StoreError } from '@qa-broker/store';
import { serverStatementTimeout } from './queries/statement-timeout.js';
import type { Queryable } from './sql-client.js';

/**
 * How the store reaches PostgreSQL:
 * - `none`: directly (or through a session pooler). statement_timeout is sent as a
 *   startup parameter, so every server session the store uses has it.
 * - `transaction`: through a transaction pooler (PgBouncer `pool_mode = transaction`).
 *   The store keeps no session state between transactions and sends no startup
 *   parameter a pooler refuses; the timeout must then be set on the server, on the role
 *   or database (`ALTER ROLE … SET statement_timeout`), and the store checks at start that
 *   it is in force.
 */
export type PoolerMode = 'none' | 'transaction';

const POOLER_PARAM = 'pooler';

/**
 * Reads and removes the store's own `pooler=` option from a postgres:// URL (pg would
 * ignore it, but it is ours, not a connection parameter).
 */
export function takePoolerOption(connectionString: string): {
  connectionString: string;
  pooler?: PoolerMode;
} {
  if (!URL.canParse(connectionString)) return { connectionString };
  const url = new URL(connectionString);
  const value = url.searchParams.get(POOLER_PARAM);
  if (value === null) return { connectionString };
  if (value !== 'transaction' && value !== 'none') {
    throw new StoreError(
      'INTERNAL_ERROR',
      `The store URL option pooler=${value.slice(0, 20)} is not known: use pooler=transaction (behind PgBouncer in transaction mode) or leave it out.`,
    );
  }
  url.searchParams.delete(POOLER_PARAM);
  return { connectionString: url.toString(), pooler: value };
}

/**
 * Behind a transaction pooler: refuses to start unless the server applies a statement
 * timeout of at most `maxTimeoutMs`, so a statement the store gave up on (client timeout)
 * cannot still commit later. The fix is named in the message.
 */
export async function assertServerStatementTimeout(
  db: Queryable,
  maxTimeoutMs: number,
): Promise<void> {
  const { timeoutMs, role, database } = await serverStatementTimeout(db);
  if (timeoutMs > 0 && timeoutMs <= maxTimeoutMs) return;
  const found = timeoutMs === 0 ? 'none' : `${timeoutMs} ms`;
  throw new StoreError(
    'INTERNAL_ERROR',
    `Behind a transaction pooler the store cannot set statement_timeout itself, and the server applies ${found} for role "${role}" (the store needs 1 to ${maxTimeoutMs} ms). ` +
      `Set it on the server: ALTER ROLE "${role}" IN DATABASE "${database}" SET statement_timeout = '${maxTimeoutMs}ms'; then reconnect the pooler's server connections (PgBouncer: RECONNECT).`,
  );
}
