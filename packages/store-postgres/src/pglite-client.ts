import type { PGlite } from '@electric-sql/pglite';
import type { SqlClient } from './sql-client.js';

/**
 * Wraps a PGlite instance (one in-process connection; PGlite queues concurrent queries and
 * holds them while a transaction runs). `owned` is false when the caller passed the
 * instance in: closing the store then leaves it open for the caller's other users.
 */
export function pgliteSqlClient(pglite: PGlite, owned: boolean): SqlClient {
  return {
    db: pglite,
    transaction: (work) =>
      pglite.transaction((tx) =>
        work({
          query: (text, values) => tx.query(text, values),
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
