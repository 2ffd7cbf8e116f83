import type pg from 'pg';
import type { Queryable, SqlClient, SqlClientOptions, Statement } from './sql-client.js';
import { statementText } from './sql-client.js';

type PgQueryable = Pick<pg.Pool, 'query'> | Pick<pg.ClientBase, 'query'>;

/**
 * A named statement goes as `{ name, text, values }`: pg prepares it on the first use on
 * each connection and afterwards sends only Bind/Execute by name.
 */
export function queryOn(target: PgQueryable, prepared: boolean): Queryable {
  return {
    async query<Row>(statement: Statement, values?: unknown[]) {
      const result =
        prepared && typeof statement !== 'string'
          ? await target.query<Row & pg.QueryResultRow>({
              name: statement.name,
              text: statement.text,
              values: values ?? [],
            })
          : await target.query<Row & pg.QueryResultRow>(statementText(statement), values);
      return { rows: result.rows };
    },
  };
}

/** Wraps a pg Pool: queries go to any pooled connection, a transaction holds one. */
export function pgSqlClient(pool: pg.Pool, options: SqlClientOptions): SqlClient {
  return {
    db: queryOn(pool, options.preparedStatements),
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
          ...queryOn(connection, options.preparedStatements),
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
