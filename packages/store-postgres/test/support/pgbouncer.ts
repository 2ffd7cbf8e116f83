import type { PostgresStoreOptions } from '../../src/index.js';
import { POSTGRES_URL } from './postgres-server.js';

/**
 * The local poolers of scripts/pgbouncer.sh (started by this package's globalSetup), both in
 * transaction mode in front of the test PostgreSQL, logging in as qa_broker_pooled, whose
 * statement_timeout (5 s) is set on the role.
 */
export const PGBOUNCER_VERSIONS = ['1.18', '1.24'] as const;
export type PgBouncerVersion = (typeof PGBOUNCER_VERSIONS)[number];

/** scripts/pgbouncer.sh's ports: QA_BROKER_PGBOUNCER_PORT (default 6432) and the next one. */
const FIRST_PORT = Number(process.env.QA_BROKER_PGBOUNCER_PORT ?? 6432);
const PORTS: Record<PgBouncerVersion, number> = { '1.18': FIRST_PORT, '1.24': FIRST_PORT + 1 };

/** The role the poolers log in as; its statement_timeout is set on the role. */
export const POOLED_ROLE = 'qa_broker_pooled';
/** A role without a statement_timeout: the store must refuse to start as it. */
export const UNTIMED_POOLED_ROLE = 'qa_broker_pooled_untimed';
/** The timeout scripts/pgbouncer.sh sets on POOLED_ROLE. */
export const POOLED_ROLE_TIMEOUT_MS = 5_000;

export function pgbouncerUrl(version: PgBouncerVersion, role: string = POOLED_ROLE): string {
  return `postgres://${role}@127.0.0.1:${PORTS[version]}/postgres`;
}

/**
 * A DIRECT connection to the PostgreSQL behind the poolers (not through them), as the
 * pooled role: what a broker behind PgBouncer gives as its wake-up listen URL. `database`
 * other than the poolers' (postgres) makes a listen URL the store must refuse.
 */
export function directPooledRoleUrl(database = 'postgres', password?: string): string {
  const url = new URL(POSTGRES_URL);
  url.username = POOLED_ROLE;
  // The test server trusts local connections, so a password is accepted and never checked.
  url.password = password ?? '';
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * The store options for one PgBouncer: the one place that knows what each version can keep.
 * PgBouncer < 1.21 cannot keep named prepared statements in transaction mode (a statement
 * prepared on one server connection is missing or "already exists" on the next), so the
 * store must not use them there; 1.21+ tracks them (max_prepared_statements).
 * `preparedStatements` is the store option of the speed work; a store without named
 * statements ignores it.
 */
export function pgbouncerStoreOptions(version: PgBouncerVersion): Pick<
  PostgresStoreOptions,
  'connectionString' | 'pooler' | 'statementTimeoutMs'
> & {
  preparedStatements: boolean;
} {
  return {
    connectionString: `${pgbouncerUrl(version)}?pooler=transaction`,
    pooler: 'transaction',
    statementTimeoutMs: POOLED_ROLE_TIMEOUT_MS,
    preparedStatements: version !== '1.18',
  };
}
