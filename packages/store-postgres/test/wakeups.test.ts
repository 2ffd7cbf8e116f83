import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { wakeChannel, type PostgresStore } from '../src/index.js';
import { POSTGRES_URL, openScratchPostgresStore } from './support/postgres-server.js';
import { useSharedPglite } from './support/shared-pglite.js';
import { listenerBackends, queuedBehindHolder, wakeLog } from './support/wake-fixtures.js';

async function until(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition()) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
}

describe('wake-ups on PostgreSQL (LISTEN/NOTIFY between stores)', () => {
  const opened: PostgresStore[] = [];
  afterEach(async () => {
    // The first store of each test owns (and drops) the schema: close it last.
    for (const store of opened.splice(0).reverse()) await store.close();
  });

  async function twoBrokers(notify = true) {
    const a = await openScratchPostgresStore({ poolSize: 4, notify });
    opened.push(a);
    const b = await openScratchPostgresStore({ schema: a.schema, poolSize: 4, notify });
    const closeB = b.close.bind(b);
    opened.push(Object.assign(b, { close: closeB }));
    return { a, b };
  }

  it('names each broker channel from schema and brokerId, within 63 bytes', () => {
    const channel = wakeChannel('qa_broker', 'x'.repeat(500));
    expect(channel).toMatch(/^qab_wake_[0-9a-f]{32}$/);
    expect(Buffer.byteLength(channel)).toBeLessThanOrEqual(63);
    expect(wakeChannel('qa_broker', 'b1')).not.toBe(wakeChannel('other', 'b1'));
    expect(wakeChannel('qa_broker', 'b1')).not.toBe(wakeChannel('qa_broker', 'b2'));
  });

  it('a grant made by one broker wakes the waiter parked on another, after commit', async () => {
    const { a, b } = await twoBrokers();
    const brokerB = `broker-${randomBytes(4).toString('hex')}`;
    const log = wakeLog();
    const subscription = await b.subscribeWakeups(brokerB, log.onWake);
    try {
      const { ticket, release } = await queuedBehindHolder(a, brokerB);
      await release();
      expect(await log.waitFor(ticket)).toBe(true);
      // The store is the truth: the ticket really holds the grant.
      const tick = await b.tickWaiters({
        kind: (await b.listQueues({ limit: 10 }))[0]!.kind,
        brokerId: brokerB,
        ticketIds: [ticket],
      });
      expect(tick.granted).toEqual([ticket]);
    } finally {
      await subscription.close();
    }
  });

  it('a broker subscribed on the granting store is called directly', async () => {
    const { a } = await twoBrokers();
    const broker = `broker-${randomBytes(4).toString('hex')}`;
    const log = wakeLog();
    const subscription = await a.subscribeWakeups(broker, log.onWake);
    try {
      const { ticket, release } = await queuedBehindHolder(a, broker);
      await release();
      expect(await log.waitFor(ticket)).toBe(true);
      expect(log.woken).toEqual([ticket]);
    } finally {
      await subscription.close();
    }
  });

  it('LISTENs again after its connection is killed, and wakes as before', async () => {
    const { a, b } = await twoBrokers();
    const brokerB = `broker-${randomBytes(4).toString('hex')}`;
    const log = wakeLog();
    const subscription = await b.subscribeWakeups(brokerB, log.onWake);
    try {
      const [killed] = await listenerBackends(b.schema);
      expect(killed).toBeDefined();
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query('select pg_terminate_backend($1)', [killed]);
      await client.end();
      // Back within the backoff (first retry after 100 ms), on a new backend.
      expect(
        await until(async () => {
          const pids = await listenerBackends(b.schema);
          return pids.length === 1 && pids[0] !== killed;
        }),
      ).toBe(true);
      // The re-LISTEN follows the connect on the same connection: give it a moment.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { ticket, release } = await queuedBehindHolder(a, brokerB);
      await release();
      expect(await log.waitFor(ticket)).toBe(true);
    } finally {
      await subscription.close();
    }
  });

  it('notify: false never LISTENs nor notifies: only in-process brokers are woken', async () => {
    const { a, b } = await twoBrokers(false);
    const brokerB = `broker-${randomBytes(4).toString('hex')}`;
    const remote = wakeLog();
    const subscription = await b.subscribeWakeups(brokerB, remote.onWake);
    try {
      expect(await listenerBackends(b.schema)).toEqual([]);
      const { ticket, release } = await queuedBehindHolder(a, brokerB);
      await release();
      expect(await remote.waitFor(ticket, 500)).toBe(false);
      // The grant is there for the broker's own tick to find.
      const kind = (await b.listQueues({ limit: 10 }))[0]!.kind;
      expect(
        (await b.tickWaiters({ kind, brokerId: brokerB, ticketIds: [ticket] })).granted,
      ).toEqual([ticket]);
    } finally {
      await subscription.close();
    }
  });

  it('close() ends the listener connection', async () => {
    const store = await openScratchPostgresStore({ poolSize: 2 });
    expect(await listenerBackends(store.schema)).toEqual([]);
    await store.subscribeWakeups('broker-closing', () => undefined);
    expect(await listenerBackends(store.schema)).toHaveLength(1);
    await store.close();
    expect(await until(async () => (await listenerBackends(store.schema)).length === 0)).toBe(true);
  });
});

describe('wake-ups on PGlite (in process)', () => {
  const { pglite } = useSharedPglite();

  it('two stores on one instance wake each other’s brokers directly', async () => {
    const { openPgliteStore } = await import('../src/index.js');
    const schema = `qa_test_lite_${randomBytes(6).toString('hex')}`;
    const a = await openPgliteStore({ pglite: pglite(), schema });
    const b = await openPgliteStore({ pglite: pglite(), schema });
    const log = wakeLog();
    const subscription = await b.subscribeWakeups('broker-b', log.onWake);
    try {
      const { ticket, release } = await queuedBehindHolder(a, 'broker-b');
      await release();
      expect(await log.waitFor(ticket)).toBe(true);
    } finally {
      await subscription.close();
      await a.close();
      await b.close();
      await pglite().exec(`drop schema "${schema}" cascade`);
    }
  });
});
