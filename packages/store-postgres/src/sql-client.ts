/**
 * The tiny query interface the store is written against. `pg.Pool`, `pg.PoolClient` and
 * PGlite (and its transactions) all satisfy it as they are, so one set of SQL serves both.
 */
export interface Queryable {
  query<Row>(text: string, values?: unknown[]): Promise<{ rows: Row[] }>;
}

/** A session inside one transaction; `exec` runs a multi-statement script (migrations). */
export interface TransactionSession extends Queryable {
  exec(script: string): Promise<void>;
}

/** The connection-level pieces that differ between pg and PGlite. */
export interface SqlClient {
  readonly db: Queryable;
  /** Runs `work` in one transaction on one connection: commit on success, rollback on throw. */
  transaction<T>(work: (session: TransactionSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
