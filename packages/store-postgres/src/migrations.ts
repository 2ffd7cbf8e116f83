import { readdir, readFile } from 'node:fs/promises';
import type { QuotedSchema } from './schema-name.js';
import type { SqlClient } from './sql-client.js';
import { DB_CLOCK_MS } from './queries/clock.js';

/**
 * The migrations ship with the package in `migrations/`, one level above this module both
 * in `src/` (tests) and in `dist/` (built), so the same relative URL finds them.
 */
const MIGRATIONS_DIR = new URL('../migrations/', import.meta.url);
const MIGRATION_FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;
/** First key of the two-key advisory lock; the second is a hash of the schema name. */
const ADVISORY_LOCK_NAMESPACE = 0x71ab;

export interface Migration {
  name: string;
  sql: string;
}

export async function loadMigrations(): Promise<Migration[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((file) => MIGRATION_FILE.test(file)).sort();
  return Promise.all(
    files.map(async (file) => ({
      name: file.replace(/\.sql$/, ''),
      sql: await readFile(new URL(file, MIGRATIONS_DIR), 'utf8'),
    })),
  );
}

/**
 * Applies the pending migrations in ONE transaction under a transaction-scoped advisory
 * lock per schema, so concurrent broker starts serialize here and the loser finds nothing
 * left to do. The ledger (`schema_migrations`) records each applied name once.
 */
export async function runMigrations(
  client: SqlClient,
  schema: QuotedSchema,
  schemaName: string,
): Promise<{ applied: string[] }> {
  const migrations = await loadMigrations();
  return client.transaction(async (session) => {
    await session.query('select pg_advisory_xact_lock($1::integer, hashtext($2::text))', [
      ADVISORY_LOCK_NAMESPACE,
      schemaName,
    ]);
    await session.exec(
      `create schema if not exists ${schema};
       create table if not exists ${schema}.schema_migrations (
         name text collate "C" primary key,
         applied_at_ms bigint not null
       );`,
    );
    const { rows } = await session.query<{ name: string }>(
      `select name from ${schema}.schema_migrations`,
    );
    const done = new Set(rows.map((row) => row.name));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      await session.exec(migration.sql.replaceAll('{{schema}}', schema));
      await session.query(
        `insert into ${schema}.schema_migrations (name, applied_at_ms) values ($1, ${DB_CLOCK_MS})`,
        [migration.name],
      );
      applied.push(migration.name);
    }
    return { applied };
  });
}
