import type { ReplacePayloadInput } from '@qa-broker/store';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';

/**
 * replacePayload (key rotation), one compare-and-set statement. $1 credentialId,
 * $2 expected pieces (text[]), $3 new pieces (text[]), $4 new byteLength.
 * Only the payload changes: lease, status and times stay as they are, so rotating keys
 * is invisible to lease holders and to the list order.
 */
export function replacePayloadQuery(schema: QuotedSchema) {
  const text = `
update ${schema}.credentials
set payload_pieces = $3::text[], payload_chunk_count = cardinality($3::text[]), payload_byte_length = $4
where credential_id = $1 and payload_pieces = $2::text[]
returning credential_id`;

  return async (db: Queryable, input: ReplacePayloadInput): Promise<boolean> => {
    if (input.payload.pieces.length === 0)
      throw new TypeError('A stored payload needs at least one piece.');
    const { rows } = await db.query(text, [
      input.credentialId,
      input.expectedPieces,
      input.payload.pieces,
      input.payload.byteLength,
    ]);
    return rows.length === 1;
  };
}
