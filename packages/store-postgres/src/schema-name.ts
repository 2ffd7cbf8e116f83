/** A schema name that has been validated and double-quoted, ready to prefix table names. */
export type QuotedSchema = string & { readonly __quotedSchema: unique symbol };

export const DEFAULT_SCHEMA = 'qa_broker';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Validates a schema name and quotes it, once. Only lower-case letters, digits and `_`
 * can pass, so quoting cannot be escaped; `pg_` names are reserved by PostgreSQL.
 */
export function quoteSchema(name: string): QuotedSchema {
  if (!SCHEMA_NAME.test(name) || name.startsWith('pg_')) {
    throw new TypeError(
      `Invalid schema name ${JSON.stringify(name)}: use 1-63 characters of a-z, 0-9 and _, not starting with a digit or "pg_".`,
    );
  }
  return `"${name}"` as QuotedSchema;
}
