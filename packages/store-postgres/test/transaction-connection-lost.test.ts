import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { pgSqlClient } from '../src/pg-client.js';
import { POSTGRES_URL } from './support/postgres-server.js';

const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
pool.on('error', () => undefined);
afterAll(() => pool.end());

/**
 * Found by the fault harness's long PostgreSQL run: every broker died with an unhandled
 * 'error' when the store restarted while a queue step's transaction held a connection.
 */
it('a connection lost inside a transaction fails the transaction, not the process', async () => {
  const sql = pgSqlClient(pool);
  const killer = new pg.Client({ connectionString: POSTGRES_URL });
  await killer.connect();
  try {
    const failed = sql.transaction(async (tx) => {
      const { rows } = await tx.query<{ pid: number }>('select pg_backend_pid() as pid');
      await killer.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      // The application awaits something between two statements; the server's goodbye
      // arrives meanwhile, while no query is running on the connection.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await tx.query('select 1');
    });
    await expect(failed).rejects.toThrow();
  } finally {
    await killer.end();
  }
  // The dead connection was destroyed, not pooled: the next transaction works.
  const answer = await sql.transaction(
    async (tx) => (await tx.query<{ one: number }>('select 1 as one')).rows[0],
  );
  expect(answer).toEqual({ one: 1 });
});
