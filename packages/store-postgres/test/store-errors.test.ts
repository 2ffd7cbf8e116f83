import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { StoreError } from '@qa-broker/store';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../src/index.js';
import { POSTGRES_URL, openScratchPostgresStore } from './support/postgres-server.js';

/** A port nothing listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

async function expectStoreError(
  promise: Promise<unknown>,
  code: StoreError['code'],
): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).code).toBe(code);
  return error as StoreError;
}

describe('store failures', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
    );
  });

  it('fails fast with STORE_UNAVAILABLE when nothing listens', async () => {
    const port = await closedPort();
    const started = Date.now();
    await expectStoreError(
      openPostgresStore({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` }),
      'STORE_UNAVAILABLE',
    );
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('gives up within the connect timeout when the server accepts but never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const started = Date.now();
    try {
      await expectStoreError(
        openPostgresStore({
          connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
          connectTimeoutMs: 300,
        }),
        'STORE_UNAVAILABLE',
      );
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      sockets.forEach((socket) => socket.destroy());
    }
  });

  it('turns a statement timeout (a row lock held elsewhere) into STORE_UNAVAILABLE', async () => {
    const store = await openScratchPostgresStore({ statementTimeoutMs: 300 });
    const blocker = new pg.Client({ connectionString: POSTGRES_URL });
    await blocker.connect();
    try {
      await store.addCredential({
        credentialId: 'cred-locked',
        kind: 'k',
        payload: { pieces: ['{}'], byteLength: 2 },
        status: 'active',
        actorId: 'a',
        nowMs: 1,
      });
      await blocker.query('begin');
      await blocker.query(
        `select 1 from "${store.schema}".credentials where credential_id = 'cred-locked' for update`,
      );
      const started = Date.now();
      await expectStoreError(
        store.heartbeat({
          kind: 'k',
          ownerId: 'o',
          credentialId: 'cred-locked',
          leaseToken: 'fake',
          leaseTtlMs: 30_000,
          nowMs: 2,
        }),
        'STORE_UNAVAILABLE',
      );
      expect(Date.now() - started).toBeLessThan(3_000);
      await blocker.query('rollback');
      // The store recovers by itself once the lock is gone.
      expect(
        await store.heartbeat({
          kind: 'k',
          ownerId: 'o',
          credentialId: 'cred-locked',
          leaseToken: 'fake',
          leaseTtlMs: 30_000,
          nowMs: 2,
        }),
      ).toEqual({ ok: false, code: 'LEASE_NOT_FOUND' });
    } finally {
      await blocker.end();
      await store.close();
    }
  });

  it('reports other failures as INTERNAL_ERROR without echoing parameters', async () => {
    const store = await openScratchPostgresStore();
    try {
      const input = {
        credentialId: 'cred-dup',
        kind: 'k',
        payload: { pieces: ['{"fake":"never-in-a-message"}'], byteLength: 28 },
        status: 'active' as const,
        actorId: 'a',
        nowMs: 1,
      };
      await store.addCredential(input);
      const error = await expectStoreError(store.addCredential(input), 'INTERNAL_ERROR');
      expect(error.message).not.toContain('never-in-a-message');
      expect(error.message).toContain('23505');
      expect(error.cause).toBeDefined();
    } finally {
      await store.close();
    }
  });

  it('rejects an invalid schema name before connecting', async () => {
    for (const schema of [
      'Upper',
      '1starts_with_digit',
      'has-dash',
      'x'.repeat(64),
      'pg_reserved',
      'quote"d',
      '',
    ]) {
      await expect(openPostgresStore({ connectionString: POSTGRES_URL, schema })).rejects.toThrow(
        TypeError,
      );
    }
  });

  it('answers STORE_UNAVAILABLE after close, and close is idempotent', async () => {
    const store = await openScratchPostgresStore();
    await store.close();
    await store.close();
    await expectStoreError(store.ping(), 'STORE_UNAVAILABLE');
  });
});
