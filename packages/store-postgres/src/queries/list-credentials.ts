import type { CredentialRecord, ListFilter } from '@qa-broker/store';
import { recordColumns, toRecord, type CredentialRow } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';

/**
 * listCredentials (admin/list), one statement. $1 kind (null = all), $2 status
 * ('active' | 'disabled' | 'all'), $3 limit, $4 includePayload, $5–$8 the list position
 * to resume after (kind, status, updated_at_ms, credential_id; $5 null = from the start).
 * Order: kind in code points (the column is COLLATE "C"), active before disabled
 * ('active' < 'disabled'), updated_at desc, id; the limit applies after sorting and
 * credentials_list_idx serves it.
 */
export function listCredentialsQuery(schema: QuotedSchema) {
  const text = `
select ${recordColumns()},
  case when $4::boolean then payload_pieces end as payload_pieces,
  payload_byte_length
from ${schema}.credentials
where ($1::text is null or kind = $1::text) and ($2::text = 'all' or status = $2::text)
  and ($5::text is null or kind > $5::text or (kind = $5::text and (
    status > $6::text or (status = $6::text and (
      updated_at_ms < $7::bigint or (updated_at_ms = $7::bigint and credential_id > $8::text)))))
  )
order by kind, status, updated_at_ms desc, credential_id
limit $3`;

  return async (db: Queryable, filter: ListFilter): Promise<CredentialRecord[]> => {
    const { rows } = await db.query<CredentialRow>(text, [
      filter.kind ?? null,
      filter.status,
      filter.limit,
      filter.includePayload,
      filter.after?.kind ?? null,
      filter.after?.status ?? null,
      filter.after?.updatedAtMs ?? null,
      filter.after?.credentialId ?? null,
    ]);
    return rows.map(toRecord);
  };
}
