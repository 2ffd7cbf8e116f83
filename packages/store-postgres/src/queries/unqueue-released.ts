import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';

/**
 * A release in exclusive mode, before queue_settle in the same transaction: the ticket the
 * released lease had been granted to leaves the queue (a re-ask starts a new wait).
 * $1 kind, $2 waiterId.
 */
export function unqueueReleasedQuery(schema: QuotedSchema) {
  const text = `
delete from ${schema}.waiters w
where w.kind = $1 and w.waiter_id = $2 and w.granted_credential_id is not null`;

  return async (db: Queryable, kind: string, waiterId: string): Promise<void> => {
    await db.query(text, [kind, waiterId]);
  };
}
