import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openPgliteStore, type PostgresStore } from '../src/index.js';
import { startParseCountingProxy } from './support/parse-counting-proxy.js';
import {
  POSTGRES_URL,
  openScratchPostgresStore,
  randomSchemaName,
} from './support/postgres-server.js';
import { useSharedPglite } from './support/shared-pglite.js';

const PAYLOAD = { pieces: ['fake-payload'], byteLength: 12 };

function fakeToken(): string {
  return `fake-token-${randomBytes(8).toString('hex')}`;
}

/** Adds one credential and runs `cycles` acquire → heartbeat → release on it. */
async function runCycles(store: PostgresStore, cycles: number): Promise<void> {
  await store.addCredential({
    credentialId: 'cred-1',
    kind: 'telegram',
    payload: PAYLOAD,
    status: 'active',
    actorId: 'tester',
  });
  for (let i = 0; i < cycles; i += 1) {
    const leaseToken = fakeToken();
    const base = { kind: 'telegram', ownerId: 'owner-1', actorRole: 'ci' as const };
    const granted = await store.acquire({ ...base, leaseToken, leaseTtlMs: 60_000 });
    expect(granted.ok).toBe(true);
    const lease = { ...base, credentialId: 'cred-1', leaseToken };
    expect((await store.heartbeat({ ...lease, leaseTtlMs: 60_000 })).ok).toBe(true);
    expect(await store.release(lease)).toEqual({ ok: true, released: true });
  }
}

const postgresPort = Number(new URL(POSTGRES_URL).port || 5432);

describe('named prepared statements on PostgreSQL', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function storeThroughProxy(preparedStatements: boolean) {
    const proxy = await startParseCountingProxy(postgresPort);
    cleanups.push(proxy.close);
    const url = new URL(POSTGRES_URL);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const store = await openScratchPostgresStore({
      connectionString: url.toString(),
      schema: randomSchemaName('prep'),
      poolSize: 1,
      preparedStatements,
    });
    cleanups.push(() => store.close());
    return { store, log: proxy.log };
  }

  it('parses each hot statement once per connection, then runs it by name', async () => {
    const { store, log } = await storeThroughProxy(true);
    await runCycles(store, 5);
    const named = log.parses.filter((parse) => parse.name.startsWith('qab_'));
    expect(named.map((parse) => parse.name.replace(/_[0-9a-f]{16}$/, '')).sort()).toEqual([
      'qab_acquire',
      'qab_heartbeat',
      'qab_release',
    ]);
    expect(log.parses.filter((parse) => parse.text.includes('free_pick'))).toHaveLength(1);
  });

  it('runs the queued acquire by name too: parsed once for every re-ask of a ticket', async () => {
    const { store, log } = await storeThroughProxy(true);
    await store.addCredential({
      credentialId: 'cred-1',
      kind: 'telegram',
      payload: PAYLOAD,
      status: 'active',
      actorId: 'tester',
    });
    const base = { kind: 'telegram', actorRole: 'ci' as const, leaseTtlMs: 60_000 };
    const held = await store.acquire({ ...base, ownerId: 'holder', leaseToken: fakeToken() });
    expect(held.ok).toBe(true);
    const wait = {
      ticketId: 'fake-ticket-1',
      priority: 0,
      brokerId: 'broker-1',
      sealedToken: 'fake-sealed',
      queueMax: 10,
    };
    for (let i = 0; i < 3; i += 1) {
      const asked = await store.acquire({
        ...base,
        ownerId: 'waiter',
        leaseToken: fakeToken(),
        wait,
      });
      expect(asked).toMatchObject({ ok: false, code: 'WAITING' });
    }
    expect(log.parses.filter((parse) => parse.name.startsWith('qab_queue_acquire_'))).toHaveLength(
      1,
    );
  });

  it('sends every statement as text when the switch is off (for poolers)', async () => {
    const { store, log } = await storeThroughProxy(false);
    await runCycles(store, 5);
    expect(log.parses.filter((parse) => parse.name !== '')).toEqual([]);
    expect(log.parses.filter((parse) => parse.text.includes('free_pick'))).toHaveLength(5);
  });
});

describe('named prepared statements on PGlite', () => {
  const { pglite } = useSharedPglite();

  async function preparedNames(): Promise<string[]> {
    const { rows } = await pglite().query<{ name: string }>(
      "select name from pg_prepared_statements where name like 'qab\\_%' order by name",
    );
    return rows.map((row) => row.name);
  }

  it('prepares each hot statement once, per schema, and not at all when off', async () => {
    const schema = randomSchemaName('lite');
    const store = await openPgliteStore({ pglite: pglite(), schema });
    await runCycles(store, 3);
    const names = await preparedNames();
    expect(names.map((name) => name.replace(/_[0-9a-f]{16}$/, ''))).toEqual([
      'qab_acquire',
      'qab_heartbeat',
      'qab_release',
    ]);
    await store.close();

    const unprepared = await openPgliteStore({
      pglite: pglite(),
      schema: randomSchemaName('lite'),
      preparedStatements: false,
    });
    await runCycles(unprepared, 3);
    expect(await preparedNames()).toEqual(names);
    await unprepared.close();
  });
});
