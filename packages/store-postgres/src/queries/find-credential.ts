import type { CredentialRecord } from '@qa-broker/store';
import { recordColumns, toRecord, type CredentialRow } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';

/** findCredential, one statement by primary key. $1 credentialId. Never the payload. */
export function findCredentialQuery(schema: QuotedSchema) {
  const text = `select ${recordColumns()} from ${schema}.credentials where credential_id = $1`;

  return async (db: Queryable, credentialId: string): Promise<CredentialRecord | undefined> => {
    const { rows } = await db.query<CredentialRow>(text, [credentialId]);
    const row = rows[0];
    return row ? toRecord(row) : undefined;
  };
}
