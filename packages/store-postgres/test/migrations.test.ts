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
    // Strictly increasing, each number once. Not necessarily contiguous: branches reserve
    // numbers (0003 is the index work, merged separately from 0004).
    const numbers = migrations.map((migration) => Number(migration.name.slice(0, 4)));
    numbers.slice(1).forEach((number, i) => expect(number).toBeGreaterThan(numbers[i]!));
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
