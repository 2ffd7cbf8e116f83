import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresStore, type PostgresStore } from '../src/index.js';
import { loadMigrations } from '../src/migrations.js';
import { POSTGRES_URL, dropSchema, randomSchemaName } from './support/postgres-server.js';
import { useSharedPglite } from './support/shared-pglite.js';

async function ledger(schema: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `select name from "${schema}".schema_migrations order by name`,
    );
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

describe('migrations on PostgreSQL', () => {
  const opened: PostgresStore[] = [];
  const schemas: string[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await Promise.all(schemas.splice(0).map((schema) => dropSchema(schema)));
  });

  async function open(schema: string, migrate: boolean): Promise<PostgresStore> {
    const store = await openPostgresStore({
      connectionString: POSTGRES_URL,
      schema,
      poolSize: 2,
      migrate,
    });
    opened.push(store);
    return store;
  }

  it('ships numbered migrations in order, starting at 0001_init', async () => {
    const migrations = await loadMigrations();
    expect(migrations.map((migration) => migration.name)[0]).toBe('0001_init');
    // Consecutive numbers, each once: 0002 (queue), 0003 (indexes), 0004 (health) all merged.
    migrations.forEach((migration, i) =>
      expect(migration.name.slice(0, 4)).toBe(String(i + 1).padStart(4, '0')),
    );
    expect(migrations.every((migration) => migration.sql.includes('{{schema}}'))).toBe(true);
  });

  it('applies everything once, then nothing when run again, and records each in the ledger', async () => {
    const schema = randomSchemaName('mig');
    schemas.push(schema);
    const store = await open(schema, false);
    const all = (await loadMigrations()).map((migration) => migration.name);
    expect(await store.migrate()).toEqual({ applied: all });
    expect(await store.migrate()).toEqual({ applied: [] });
    expect(await ledger(schema)).toEqual(all);
    // The schema is usable afterwards.
    await store.addCredential({
      credentialId: 'cred-1',
      kind: 'k',
      payload: { pieces: ['{}'], byteLength: 2 },
      status: 'active',
      actorId: 'a',
      nowMs: 1,
    });
    expect(
      await store.listCredentials({ status: 'all', includePayload: false, limit: 10 }),
    ).toHaveLength(1);
  });

  it('serializes concurrent migrations of one schema under the advisory lock', async () => {
    const schema = randomSchemaName('mig');
    schemas.push(schema);
    const stores = await Promise.all([0, 1, 2, 3].map(() => open(schema, false)));
    const results = await Promise.all(stores.map((store) => store.migrate()));
    const all = (await loadMigrations()).map((migration) => migration.name);
    expect(results.flatMap((result) => result.applied).sort()).toEqual(all);
    expect(results.filter((result) => result.applied.length > 0)).toHaveLength(1);
    expect(await ledger(schema)).toEqual(all);
  });

  it('a schema migrated without 0003 (0001, 0002, 0004 applied) takes it later and still grants and hands off', async () => {
    // A broker built before the index work merged ran 0004 but not 0003; the next start
    // applies 0003 after 0004. Nothing in 0004 may need the indexes 0003 drops.
    const schema = randomSchemaName('mig');
    schemas.push(schema);
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await client.query(`create schema "${schema}"`);
      await client.query(
        `create table "${schema}".schema_migrations (name text collate "C" primary key, applied_at_ms bigint not null)`,
      );
      for (const migration of await loadMigrations()) {
        if (migration.name.startsWith('0003')) continue;
        await client.query(migration.sql.replaceAll('{{schema}}', `"${schema}"`));
        await client.query(
          `insert into "${schema}".schema_migrations (name, applied_at_ms) values ($1, 0)`,
          [migration.name],
        );
      }
    } finally {
      await client.end();
    }
    const store = await open(schema, false);
    expect(await store.migrate()).toEqual({ applied: ['0003_leaner_indexes'] });
    await store.addCredential({
      credentialId: 'cred-1',
      kind: 'k',
      payload: { pieces: ['{}'], byteLength: 2 },
      status: 'active',
      actorId: 'a',
      nowMs: 1,
    });
    const lease = { kind: 'k', ownerId: 'o1', actorRole: 'ci' as const, leaseToken: 'fake-t1' };
    const granted = await store.acquire({ ...lease, leaseTtlMs: 60_000, nowMs: 2 });
    expect(granted).toMatchObject({ ok: true, lease: { credentialId: 'cred-1' } });
    const wait = {
      ticketId: 'fake-ticket-1',
      priority: 0,
      brokerId: 'b1',
      sealedToken: 'fake-sealed',
      queueMax: 10,
    };
    const waiter = { kind: 'k', ownerId: 'o2', actorRole: 'ci' as const, leaseTtlMs: 60_000 };
    expect(await store.acquire({ ...waiter, leaseToken: 'fake-t2', wait, nowMs: 3 })).toMatchObject(
      { ok: false, code: 'WAITING' },
    );
    // The release hands the credential to the ticket through queue_grant (0004's, by key).
    await store.release({ ...lease, credentialId: 'cred-1', nowMs: 4 });
    expect(await store.acquire({ ...waiter, leaseToken: 'fake-t2', wait, nowMs: 5 })).toMatchObject(
      { ok: true, lease: { credentialId: 'cred-1' } },
    );
  });

  it('opening with migrate (the default) twice and concurrently is safe', async () => {
    const schema = randomSchemaName('mig');
    schemas.push(schema);
    const stores = await Promise.all([0, 1, 2].map(() => open(schema, true)));
    expect(stores).toHaveLength(3);
    expect(await ledger(schema)).toEqual(
      (await loadMigrations()).map((migration) => migration.name),
    );
  });
});

describe('migrations on PGlite', () => {
  const { pglite } = useSharedPglite();

  it('applies once and then nothing, with the ledger in the store schema', async () => {
    const { openPgliteStore } = await import('../src/index.js');
    const schema = randomSchemaName('lite');
    const first = await openPgliteStore({ pglite: pglite(), schema, migrate: false });
    const all = (await loadMigrations()).map((migration) => migration.name);
    const [a, b] = await Promise.all([first.migrate(), first.migrate()]);
    expect([...a.applied, ...b.applied]).toEqual(all);
    expect(await first.migrate()).toEqual({ applied: [] });
    const { rows } = await pglite().query<{ name: string }>(
      `select name from "${schema}".schema_migrations order by name`,
    );
    expect(rows.map((row) => row.name)).toEqual(all);
    await first.close();
    expect(pglite().closed).toBe(false);
    await pglite().exec(`drop schema "${schema}" cascade`);
  });
});
