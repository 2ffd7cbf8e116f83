import type { Queryable } from '../sql-client.js';

/** ping, no parameters: one round trip that touches no table. */
export async function ping(db: Queryable): Promise<void> {
  await db.query('select 1');
}
