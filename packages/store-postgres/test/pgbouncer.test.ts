import { StoreError } from '@qa-broker/store';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '../src/index.js';
import { takePoolerOption } from '../src/pooler.js';
import {
  PGBOUNCER_VERSIONS,
  POOLED_ROLE,
  POOLED_ROLE_TIMEOUT_MS,
  UNTIMED_POOLED_ROLE,
  pgbouncerStoreOptions,
  pgbouncerUrl,
} from './support/pgbouncer.js';
import { dropSchema, randomSchemaName } from './support/postgres-server.js';

async function failureOf(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

describe.each(PGBOUNCER_VERSIONS)('PgBouncer %s in transaction mode', (version) => {
  it('refuses the statement_timeout startup parameter, and the store says it is a configuration error', async () => {
    const schema = randomSchemaName('pgb');
    // No pooler=transaction: the store sends statement_timeout at login, as for a direct connection.
    const error = await failureOf(
      openPostgresStore({ connectionString: pgbouncerUrl(version), schema }),
    );
    expect(error.code).toBe('INTERNAL_ERROR');
    expect(error.message).toContain('"statement_timeout"');
    expect(error.message).toContain('pooler=transaction');
    expect(error.message).not.toMatch(/retry/i);
  });

  it('refuses to start when the role has no server-side statement_timeout, naming the fix', async () => {
    const schema = randomSchemaName('pgb');
    try {
      const error = await failureOf(
        openPostgresStore({
          ...pgbouncerStoreOptions(version),
          connectionString: `${pgbouncerUrl(version, UNTIMED_POOLED_ROLE)}?pooler=transaction`,
          schema,
        }),
      );
      expect(error.code).toBe('INTERNAL_ERROR');
      expect(error.message).toContain(`ALTER ROLE "${UNTIMED_POOLED_ROLE}"`);
      expect(error.message).toContain('applies none');
    } finally {
      await dropSchema(schema);
    }
  });

  it('refuses a role timeout longer than the store gives up after', async () => {
    const schema = randomSchemaName('pgb');
    try {
      const error = await failureOf(
        openPostgresStore({
          ...pgbouncerStoreOptions(version),
          statementTimeoutMs: POOLED_ROLE_TIMEOUT_MS - 1_000,
          schema,
        }),
      );
      expect(error.message).toContain(
        `applies ${POOLED_ROLE_TIMEOUT_MS} ms for role "${POOLED_ROLE}"`,
      );
    } finally {
      await dropSchema(schema);
    }
  });
});

describe('the server-side statement timeout through PgBouncer', () => {
  it("is the role's, and the server cancels a statement that runs longer", async () => {
    const client = new pg.Client({ connectionString: pgbouncerUrl('1.18') });
    await client.connect();
    try {
      const shown = await client.query<{ statement_timeout: string }>('show statement_timeout');
      expect(shown.rows[0]?.statement_timeout).toBe(`${POOLED_ROLE_TIMEOUT_MS / 1000}s`);
      const started = performance.now();
      const slow = client.query('select pg_sleep(30)');
      await expect(slow).rejects.toMatchObject({ code: '57014' }); // query_canceled
      expect(performance.now() - started).toBeLessThan(POOLED_ROLE_TIMEOUT_MS + 3_000);
    } finally {
      await client.end();
    }
  });
});

describe('the pooler= store URL option', () => {
  it('is taken off the URL before connecting, and an unknown value is refused', () => {
    expect(takePoolerOption('postgres://u@h:6432/qa?pooler=transaction&sslmode=disable')).toEqual({
      connectionString: 'postgres://u@h:6432/qa?sslmode=disable',
      pooler: 'transaction',
    });
    expect(takePoolerOption('postgres://u@h/qa')).toEqual({
      connectionString: 'postgres://u@h/qa',
    });
    expect(() => takePoolerOption('postgres://u@h/qa?pooler=session')).toThrow(
      /pooler=transaction/,
    );
  });
});

describe('wake-ups behind a transaction pooler', () => {
  it('refuses notify: true without a listen URL (LISTEN through the pooler would hear nothing), saying what to do', async () => {
    const schema = randomSchemaName('pgb');
    const error = await failureOf(
      openPostgresStore({ ...pgbouncerStoreOptions('1.24'), schema, notify: true }),
    );
    expect(error.code).toBe('INTERNAL_ERROR');
    expect(error.message).toContain('pooler=transaction');
    expect(error.message).toContain('--store-notify off');
    expect(error.message).toContain('--store-listen-url');
  });

  it('is poll-only by default: a subscription still wakes a broker in the same process', async () => {
    const schema = randomSchemaName('pgb');
    const store = await openPostgresStore({ ...pgbouncerStoreOptions('1.24'), schema });
    const woken: string[] = [];
    const subscription = await store.subscribeWakeups('broker-1', (ticketIds) =>
      woken.push(...ticketIds),
    );
    try {
      const T0 = 1_900_000_000_000;
      await store.addCredential({
        credentialId: 'cred-1',
        kind: 'pgb-wake',
        payload: { pieces: ['{"fake":"x"}'], byteLength: 12 },
        status: 'active',
        actorId: 'fake-admin',
        nowMs: T0,
      });
      const base = { kind: 'pgb-wake', actorRole: 'ci' as const, leaseTtlMs: 60_000, nowMs: T0 };
      expect((await store.acquire({ ...base, ownerId: 'holder', leaseToken: 'fake-h' })).ok).toBe(
        true,
      );
      const waiting = await store.acquire({
        ...base,
        ownerId: 'waiter',
        leaseToken: 'fake-w',
        wait: {
          ticketId: 'ticket-1',
          priority: 0,
          brokerId: 'broker-1',
          sealedToken: 'fake-sealed',
          queueMax: 10,
        },
      });
      expect(waiting).toMatchObject({ code: 'WAITING' });
      await store.release({
        kind: 'pgb-wake',
        ownerId: 'holder',
        credentialId: 'cred-1',
        leaseToken: 'fake-h',
        actorRole: 'ci',
        nowMs: T0 + 1,
      });
      const deadline = Date.now() + 5_000;
      while (woken.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(woken).toEqual(['ticket-1']);
    } finally {
      await subscription.close();
      await store.close();
      await dropSchema(schema);
    }
  });
});
