import type { PGlite } from '@electric-sql/pglite';
import { runPrepared } from './pglite-prepared.js';
import type { SqlClient, SqlClientOptions } from './sql-client.js';
import { statementText } from './sql-client.js';

/**
 * Wraps a PGlite instance (one in-process connection; PGlite queues concurrent queries and
 * holds them while a transaction runs). `owned` is false when the caller passed the
 * instance in: closing the store then leaves it open for the caller's other users.
 */
export function pgliteSqlClient(
  pglite: PGlite,
  owned: boolean,
  options: SqlClientOptions,
): SqlClient {
  return {
    db: {
      query: (statement, values) =>
        options.preparedStatements && typeof statement !== 'string'
          ? runPrepared(pglite, statement, values)
          : pglite.query(statementText(statement), values),
    },
    transaction: (work) =>
      pglite.transaction((tx) =>
        work({
          // Named statements run as text here (migrations, the queue's exclusive steps,
          // restore): runPrepared takes the transaction lock this transaction already holds.
          query: (statement, values) => tx.query(statementText(statement), values),
          exec: async (script) => {
            await tx.exec(script);
          },
        }),
      ),
    close: async () => {
      if (owned && !pglite.closed) await pglite.close();
    },
  };
}
