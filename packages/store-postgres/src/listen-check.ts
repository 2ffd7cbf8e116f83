import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { StoreError } from '@qa-broker/store';
import { toStoreError } from './errors.js';
import { LISTEN_OPTION_NAMES } from './listen-target.js';
import { queryOn } from './pg-client.js';
import { databaseIdentity, type DatabaseIdentity } from './queries/database-identity.js';
import { notifyChannel } from './queries/notify.js';
import type { Queryable } from './sql-client.js';

/**
 * Refuses, at open, a separate listen connection that would never hear the store's
 * NOTIFYs, which would otherwise fail silently (brokers just never woken):
 * 1. it must reach the store's database on the same primary (NOTIFY reaches only those
 *    listeners): compared by name, system identifier and recovery state, for a message
 *    that says which one differs;
 * 2. it must hear a probe NOTIFY sent the way the store sends its wake-ups, through the
 *    store's pool: a listen URL that goes through a transaction pooler reaches the right
 *    database and still hears nothing.
 * One short-lived connection does both. Messages name databases and servers, never the
 * URL (it may carry a password).
 */
export async function assertListenConnectionHearsStore(
  store: Queryable,
  listenConfig: pg.ClientConfig,
  probeTimeoutMs: number,
): Promise<void> {
  const client = new pg.Client({ ...listenConfig, application_name: 'qa-broker-listen-check' });
  // A connection dying under the check is reported by its query; do not crash on 'error'.
  client.on('error', () => undefined);
  try {
    try {
      await client.connect();
    } catch (error) {
      throw toStoreError(error, 'open (the wake-up listen connection)');
    }
    const expected = await databaseIdentity(store);
    const problem = mismatch(expected, await databaseIdentity(queryOn(client, false)));
    if (problem) {
      throw new StoreError(
        'INTERNAL_ERROR',
        `The wake-up listen connection (${LISTEN_OPTION_NAMES}) ${problem}: NOTIFY reaches only listeners of the store's own database on the primary, so brokers would never be woken. ` +
          `Point it directly (not through the pooler) at the PostgreSQL server and database "${expected.database}" the store URL reaches, or leave it out to run poll-only.`,
      );
    }
    if (!(await hearsProbe(store, client, probeTimeoutMs))) {
      throw new StoreError(
        'INTERNAL_ERROR',
        `The wake-up listen connection (${LISTEN_OPTION_NAMES}) reaches the store's database but did not hear a NOTIFY sent through the store within ${probeTimeoutMs} ms: it most likely goes through a pooler, where LISTEN hears nothing. ` +
          "Point it at the PostgreSQL server directly (its own host and port, not the pooler's), or leave it out to run poll-only.",
      );
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

function mismatch(expected: DatabaseIdentity, found: DatabaseIdentity): string | undefined {
  if (found.inRecovery) return 'reaches a standby in recovery, where LISTEN is not allowed';
  if (
    expected.systemIdentifier !== undefined &&
    found.systemIdentifier !== undefined &&
    expected.systemIdentifier !== found.systemIdentifier
  ) {
    return `reaches another PostgreSQL server (system identifier ${found.systemIdentifier}, the store's is ${expected.systemIdentifier})`;
  }
  if (expected.database !== found.database) {
    return `reaches database "${found.database}", but the store reaches "${expected.database}"`;
  }
  return undefined;
}

/** LISTENs on a fresh channel, NOTIFYs it through the store, and waits for it. */
async function hearsProbe(store: Queryable, listener: pg.Client, timeoutMs: number) {
  const channel = `qab_listen_check_${randomBytes(8).toString('hex')}`;
  await listener.query(`listen "${channel}"`);
  const heard = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    listener.on('notification', (message) => {
      if (message.channel !== channel) return;
      clearTimeout(timer);
      resolve(true);
    });
  });
  await notifyChannel(store, channel, '');
  return heard;
}
