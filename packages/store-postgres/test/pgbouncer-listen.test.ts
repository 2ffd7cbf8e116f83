import { randomBytes } from 'node:crypto';
import { StoreError } from '@qa-broker/store';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresStore, type PostgresStore, type PostgresStoreOptions } from '../src/index.js';
import {
  PGBOUNCER_VERSIONS,
  directPooledRoleUrl,
  pgbouncerStoreOptions,
  pgbouncerUrl,
  type PgBouncerVersion,
} from './support/pgbouncer.js';
import { dropSchema, randomSchemaName } from './support/postgres-server.js';
import { listenerBackends, queuedBehindHolder, wakeLog } from './support/wake-fixtures.js';

/**
 * Far below the 500 ms reconcile tick a broker would otherwise find its grant by. The
 * store has no ticks at all: a wake-up within this window can only be a NOTIFY.
 */
const WAKE_WITHIN_MS = 250;

async function failureOf(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

describe.each(PGBOUNCER_VERSIONS)(
  'two brokers through PgBouncer %s in transaction mode',
  (version: PgBouncerVersion) => {
    const schemas: string[] = [];
    const opened: PostgresStore[] = [];
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      for (const schema of schemas.splice(0)) await dropSchema(schema);
    });

    /** Two stores (two broker processes) on one schema, both through the pooler. */
    async function twoBrokers(extra: Partial<PostgresStoreOptions> = {}) {
      const schema = randomSchemaName('pgbl');
      schemas.push(schema);
      const options = { ...pgbouncerStoreOptions(version), poolSize: 4, schema, ...extra };
      const granter = await openPostgresStore(options);
      opened.push(granter);
      const waiterSide = await openPostgresStore(options);
      opened.push(waiterSide);
      return { granter, waiterSide, schema };
    }

    it(`with a direct listen URL, a release on one wakes the waiter on the other within ${WAKE_WITHIN_MS} ms`, async () => {
      const { granter, waiterSide, schema } = await twoBrokers({
        listenConnectionString: directPooledRoleUrl(),
      });
      const brokerId = `broker-${randomBytes(4).toString('hex')}`;
      const log = wakeLog();
      const subscription = await waiterSide.subscribeWakeups(brokerId, log.onWake);
      try {
        // The waiter's store LISTENs on its own connection; the granter's never subscribed.
        expect(await listenerBackends(schema)).toHaveLength(1);
        const { ticket, release } = await queuedBehindHolder(granter, brokerId);
        await release(); // pg_notify went through PgBouncer after the release committed
        expect(await log.waitFor(ticket, WAKE_WITHIN_MS)).toBe(true);
        expect(log.woken).toEqual([ticket]);
      } finally {
        await subscription.close();
      }
    });

    it('without a listen URL the same hand-off wakes nobody (poll-only)', async () => {
      const { granter, waiterSide, schema } = await twoBrokers();
      const brokerId = `broker-${randomBytes(4).toString('hex')}`;
      const log = wakeLog();
      const subscription = await waiterSide.subscribeWakeups(brokerId, log.onWake);
      try {
        expect(await listenerBackends(schema)).toEqual([]);
        const { ticket, release } = await queuedBehindHolder(granter, brokerId);
        await release();
        // Four times the window the listen URL wakes within: still nothing.
        expect(await log.waitFor(ticket, 4 * WAKE_WITHIN_MS)).toBe(false);
        // The grant is in the store, for the broker's own tick to find.
        const kind = (await waiterSide.listQueues({ limit: 10 }))[0]!.kind;
        const tick = await waiterSide.tickWaiters({ kind, brokerId, ticketIds: [ticket] });
        expect(tick.granted).toEqual([ticket]);
      } finally {
        await subscription.close();
      }
    });
  },
);

describe('the wake-up listen URL', () => {
  it('is refused when it reaches another database, naming both and the fix but no password', async () => {
    const schema = randomSchemaName('pgbl');
    try {
      const error = await failureOf(
        openPostgresStore({
          ...pgbouncerStoreOptions('1.24'),
          schema,
          // template1 exists on every server and the role may connect to it: a real
          // database, just not the store's.
          listenConnectionString: directPooledRoleUrl('template1', 'fake-listen-secret'),
        }),
      );
      expect(error.code).toBe('INTERNAL_ERROR');
      expect(error.message).toContain('reaches database "template1"');
      expect(error.message).toContain('the store reaches "postgres"');
      expect(error.message).toContain('--store-listen-url');
      expect(error.message).toContain('not through the pooler');
      expect(error.message).not.toContain('fake-listen-secret');
      // The refused store closed what it opened: no listener connection is left behind.
      expect(await listenerBackends(schema)).toEqual([]);
    } finally {
      await dropSchema(schema);
    }
  });

  it('is refused when it goes through the transaction pooler itself', async () => {
    const error = await failureOf(
      openPostgresStore({
        ...pgbouncerStoreOptions('1.24'),
        schema: randomSchemaName('pgbl'),
        listenConnectionString: `${pgbouncerUrl('1.24')}?pooler=transaction`,
      }),
    );
    expect(error.code).toBe('INTERNAL_ERROR');
    expect(error.message).toContain('LISTEN through a transaction pooler hears nothing');
  });

  it('is refused when it reaches the right database through the pooler: the probe NOTIFY is never heard', async () => {
    const schema = randomSchemaName('pgbl');
    try {
      const started = performance.now();
      const error = await failureOf(
        openPostgresStore({
          ...pgbouncerStoreOptions('1.24'),
          schema,
          connectTimeoutMs: 1_000, // how long the probe waits, too
          // No pooler= on it: it looks direct, and the identity check alone would pass.
          listenConnectionString: pgbouncerUrl('1.24'),
        }),
      );
      expect(error.code).toBe('INTERNAL_ERROR');
      expect(error.message).toContain(
        'did not hear a NOTIFY sent through the store within 1000 ms',
      );
      expect(error.message).toContain("not the pooler's");
      expect(performance.now() - started).toBeLessThan(4_000);
    } finally {
      await dropSchema(schema);
    }
  });

  it('is not used with an explicit notify: false: the store never LISTENs', async () => {
    const schema = randomSchemaName('pgbl');
    const store = await openPostgresStore({
      ...pgbouncerStoreOptions('1.24'),
      schema,
      poolSize: 2,
      listenConnectionString: directPooledRoleUrl(),
      notify: false,
    });
    try {
      await store.subscribeWakeups('broker-poll-only', () => undefined);
      expect(await listenerBackends(schema)).toEqual([]);
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });
});
