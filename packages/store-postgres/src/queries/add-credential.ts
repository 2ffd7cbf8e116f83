import type { AddCredentialInput, CredentialRecord } from '@qa-broker/store';
import { recordColumns, toRecord, type CredentialRow } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { clockCte } from './clock.js';

/**
 * addCredential, one statement. $1 credentialId, $2 kind, $3 status, $4 note (nullable),
 * $5 payload pieces (text[]), $6 payload byteLength, $7 actorId, $8 nowMs (null = store clock),
 * $9 exclusive (see release.ts).
 * Inserts the credential never leased (last_leased_at 0) and the `add` admin event.
 * An active credential may be owed to the kind's queue: in shared mode, when the kind has
 * waiter rows, nothing is inserted and queue_free is false, and the adapter adds it again
 * in exclusive mode followed by queue_settle, in one transaction.
 */
export function addCredentialQuery(schema: QuotedSchema) {
  const text = `
with clock as (${clockCte('$8')}),
gate as materialized (
  select case when $3::text = 'active' then ${schema}.queue_gate($2, $9::boolean) else true end as open
),
inserted as (
  insert into ${schema}.credentials
    (credential_id, kind, status, note, payload_pieces, payload_chunk_count, payload_byte_length, created_at_ms, updated_at_ms)
  select $1, $2, $3, $4, $5::text[], cardinality($5::text[]), $6, clock.now_ms, clock.now_ms
  from clock
  where (select open from gate)
  returning ${recordColumns()}
),
logged as (
  insert into ${schema}.events (category, event_type, kind, actor_role, actor_id, credential_id, occurred_at_ms)
  select 'admin', 'add', i.kind, 'maintainer', $7, i.credential_id, i.created_at_ms
  from inserted i
)
select gate.open as queue_free, i.*
from gate left join inserted i on true`;

  return async (
    db: Queryable,
    input: AddCredentialInput,
    exclusive: boolean,
  ): Promise<CredentialRecord | 'RETRY_EXCLUSIVE'> => {
    if (input.payload.pieces.length === 0)
      throw new TypeError('A stored payload needs at least one piece.');
    const { rows } = await db.query<CredentialRow & { queue_free: boolean }>(text, [
      input.credentialId,
      input.kind,
      input.status,
      input.note ?? null,
      input.payload.pieces,
      input.payload.byteLength,
      input.actorId,
      input.nowMs ?? null,
      exclusive,
    ]);
    const row = rows[0];
    if (!row) throw new Error('addCredential returned no gate row');
    if (!row.queue_free) return 'RETRY_EXCLUSIVE';
    if (row.credential_id === null) throw new Error('addCredential inserted nothing');
    return toRecord(row);
  };
}
