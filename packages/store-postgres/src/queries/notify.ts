import type { Queryable } from '../sql-client.js';

/**
 * Wakes a broker listening on another connection: $1 channel, $2 payload (ticketIds
 * joined by commas). Sent AFTER the step committed, as its own autocommit statement, so
 * the step's transaction never takes the notification queue's commit lock.
 */
const text = 'select pg_notify($1, $2)';

export async function notifyChannel(db: Queryable, channel: string, payload: string) {
  await db.query(text, [channel, payload]);
}
