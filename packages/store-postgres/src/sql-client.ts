import { createHash } from 'node:crypto';

/**
 * A statement the client may prepare once per connection and then run by name, so
 * PostgreSQL skips parsing, analysing and planning it on every call (the hot statements
 * are large CTEs: planning was most of their cost). The name carries a hash of the text,
 * so a rewritten statement, or the same statement in another schema on a shared PGlite,
 * can never be confused with an older one prepared under the same label.
 *
 * Only statements with a fixed shape belong here: a prepared statement may be run with a
 * generic plan, which for an optional-filter query (`$1 is null or …`) would be a poor one.
 */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

/** Plain text (parsed and planned on every call) or a named statement. */
export type Statement = string | NamedStatement;

/** `label` is a short stable word (`acquire`); the text's hash makes the name unique. */
export function namedStatement(label: string, text: string): NamedStatement {
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return { name: `qab_${label}_${hash}`, text };
}

export function statementText(statement: Statement): string {
  return typeof statement === 'string' ? statement : statement.text;
}

/**
 * The tiny query interface the store is written against, implemented over a pg Pool and
 * over PGlite, so one set of SQL serves both.
 */
export interface Queryable {
  query<Row>(statement: Statement, values?: unknown[]): Promise<{ rows: Row[] }>;
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

/**
 * Whether named statements are prepared. Off for connection poolers that cannot keep a
 * prepared statement between transactions (PgBouncer in transaction mode before 1.21):
 * every statement is then sent as text, as before.
 */
export interface SqlClientOptions {
  preparedStatements: boolean;
}
