import type { Queryable } from '../sql-client.js';

/**
 * Which database a connection reaches, no parameters: the database name, the cluster's
 * system_identifier (null where pg_control_system() is not granted, as on some managed
 * services) and whether the server is a standby. NOTIFY is delivered only to listeners of
 * the same database on the same primary, so two connections that agree on all three hear
 * each other's notifications. A streaming standby shares the primary's identifier, hence
 * the recovery flag: a standby cannot LISTEN at all.
 */
const SQL = `select current_database() as database_name,
  case when has_function_privilege('pg_control_system()', 'execute')
    then (select system_identifier::text from pg_control_system()) end as system_identifier,
  pg_is_in_recovery() as in_recovery`;

export interface DatabaseIdentity {
  database: string;
  /** Absent when the role may not read it. */
  systemIdentifier?: string;
  inRecovery: boolean;
}

export async function databaseIdentity(db: Queryable): Promise<DatabaseIdentity> {
  const { rows } = await db.query<{
    database_name: string;
    system_identifier: string | null;
    in_recovery: boolean;
  }>(SQL);
  const row = rows[0];
  if (!row) throw new Error('the database identity query returned no row');
  return {
    database: row.database_name,
    ...(row.system_identifier === null ? {} : { systemIdentifier: row.system_identifier }),
    inRecovery: row.in_recovery,
  };
}
