import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  openPostgresStore,
  type PostgresStore,
  type PostgresStoreOptions,
} from '../../src/index.js';

export const POSTGRES_URL =
  process.env.QA_BROKER_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A schema name no other test (or test run) uses. */
export function randomSchemaName(label = 't'): string {
  return `qa_test_${label}_${randomBytes(6).toString('hex')}`;
}

/** Drops a test schema through a short-lived connection of its own. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/**
 * Opens a store in a fresh random schema on the real server; closing the store also drops
 * the schema, so every test cleans up after itself.
 */
export async function openScratchPostgresStore(
  options: Partial<PostgresStoreOptions> = {},
): Promise<PostgresStore> {
  const schema = options.schema ?? randomSchemaName();
  const store = await openPostgresStore({
    connectionString: POSTGRES_URL,
    poolSize: 12,
    ...options,
    schema,
  });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await dropSchema(schema);
  };
  return store;
}
