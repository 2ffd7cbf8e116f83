import type { ScanPage } from '@qa-broker/store';
import { recordColumns, toRecord, type CredentialRow } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';

/**
 * scanCredentials, one statement per page. $1 cursor (the last id of the previous page,
 * null = start), $2 limit + 1 (one extra row tells whether another page exists),
 * $3 includePayload. Keyset paging on the primary key, so each page is an index range.
 */
export function scanCredentialsQuery(schema: QuotedSchema) {
  const text = `
select ${recordColumns()},
  case when $3::boolean then payload_pieces end as payload_pieces,
  payload_byte_length
from ${schema}.credentials
where $1::text is null or credential_id > $1::text
order by credential_id
limit $2`;

  return async (
    db: Queryable,
    input: { cursor?: string; limit: number; includePayload: boolean },
  ): Promise<ScanPage> => {
    const { rows } = await db.query<CredentialRow>(text, [
      input.cursor ?? null,
      input.limit + 1,
      input.includePayload,
    ]);
    const page = rows.slice(0, input.limit).map(toRecord);
    const last = page.at(-1);
    return rows.length > input.limit && last
      ? { credentials: page, nextCursor: last.credentialId }
      : { credentials: page };
  };
}
