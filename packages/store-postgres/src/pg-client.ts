import type pg from 'pg';
import type { SqlClient } from './sql-client.js';

/** Wraps a pg Pool: queries go to any pooled connection, a transaction holds one. */
export function pgSqlClient(pool: pg.Pool): SqlClient {
  return {
    db: pool,
    async transaction(work) {
      const connection = await pool.connect();
      let broken = false;
      // pg-pool removes its error listener while a connection is checked out: without one,
      // a connection dying between two statements (a store restart) would be an unhandled
      // 'error' that kills the process. The next statement fails instead, and the
      // connection is destroyed on release.
      const onError = () => {
        broken = true;
      };
      connection.on('error', onError);
      try {
        await connection.query('begin');
        const result = await work({
          query: <Row>(text: string, values?: unknown[]) =>
            connection.query<Row & pg.QueryResultRow>(text, values),
          exec: async (script) => {
            // Without parameters pg uses the simple protocol, which runs several statements.
            await connection.query(script);
          },
        });
        await connection.query('commit');
        return result;
      } catch (error) {
        await connection.query('rollback').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        connection.removeListener('error', onError);
        // A connection whose rollback failed is in an unknown state: destroy it.
        connection.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
