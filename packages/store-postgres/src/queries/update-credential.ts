import type { CredentialChangeResult, UpdateCredentialInput } from '@qa-broker/store';
import { recordColumns, toRecord, type CredentialRow } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { clockCte } from './clock.js';

type UpdateCode = 'CREDENTIAL_NOT_FOUND' | 'UNCHANGED' | 'OK';

/**
 * updateCredential (admin/update), one statement. $1 credentialId, $2 new payload pieces
 * (text[], null = keep), $3 their byteLength, $4 note (null = keep, '' = clear), $5 actorId,
 * $6 nowMs (null = store clock).
 * Unchanged (same pieces, same note): no write, no event. Otherwise the admin `update`
 * event (never the payload). A new payload while a lease is active (a queued grant not yet
 * delivered included) first pins that lease to the version it was granted: the current
 * pieces are copied to payload_versions and lease_payload_version names them, so its
 * inline piece and chunks stay as granted; the unpin trigger (migration 0004) deletes them
 * when the lease ends or is replaced. A lease already pinned stays on its version.
 */
export function updateCredentialQuery(schema: QuotedSchema) {
  const text = `
with clock as (${clockCte('$6')}),
target as (
  select ${recordColumns('c.')}, c.payload_pieces, c.payload_chunk_count, c.payload_byte_length,
    c.payload_version, c.lease_payload_version
  from ${schema}.credentials c
  where c.credential_id = $1
  for update
),
diff as (
  select t.*, clock.now_ms,
    $2::text[] is not null and ($2::text[] <> t.payload_pieces or $3::bigint <> t.payload_byte_length)
      as new_payload,
    $4::text is not null and nullif($4::text, '') is distinct from t.note as new_note
  from clock cross join target t
),
verdict as (
  select d.*,
    d.new_payload and d.lease_payload_version is null and d.lease_expires_at_ms >= d.now_ms as pins
  from diff d
  where d.new_payload or d.new_note
),
saved as (
  insert into ${schema}.payload_versions
    (credential_id, version, payload_pieces, payload_chunk_count, payload_byte_length)
  select v.credential_id, v.payload_version, v.payload_pieces, v.payload_chunk_count, v.payload_byte_length
  from verdict v
  where v.pins
),
changed as (
  update ${schema}.credentials c
  set payload_pieces = case when v.new_payload then $2::text[] else c.payload_pieces end,
      payload_chunk_count = case when v.new_payload then cardinality($2::text[]) else c.payload_chunk_count end,
      payload_byte_length = case when v.new_payload then $3::bigint else c.payload_byte_length end,
      payload_version = c.payload_version + case when v.new_payload then 1 else 0 end,
      lease_payload_version = case when v.pins then v.payload_version else c.lease_payload_version end,
      note = case when v.new_note then nullif($4::text, '') else c.note end,
      updated_at_ms = v.now_ms
  from verdict v
  where c.credential_id = $1
  returning ${recordColumns('c.')}
),
logged as (
  insert into ${schema}.events (category, event_type, kind, actor_role, actor_id, credential_id, occurred_at_ms)
  select 'admin', 'update', v.kind, 'maintainer', $5, $1, v.now_ms
  from verdict v
)
select case
    when not exists (select 1 from target) then 'CREDENTIAL_NOT_FOUND'
    when exists (select 1 from changed) then 'OK'
    else 'UNCHANGED'
  end as code, r.*
from (select 1) one
left join (
  select ${recordColumns()} from changed
  union all
  select ${recordColumns()} from target where not exists (select 1 from changed)
) r on true`;

  return async (db: Queryable, input: UpdateCredentialInput): Promise<CredentialChangeResult> => {
    if (input.payload && input.payload.pieces.length === 0)
      throw new TypeError('A stored payload needs at least one piece.');
    const { rows } = await db.query<CredentialRow & { code: UpdateCode }>(text, [
      input.credentialId,
      input.payload?.pieces ?? null,
      input.payload?.byteLength ?? null,
      input.note ?? null,
      input.actorId,
      input.nowMs ?? null,
    ]);
    const row = rows[0];
    if (!row) throw new Error('updateCredential returned no verdict');
    if (row.code === 'CREDENTIAL_NOT_FOUND') return { ok: false, code: row.code };
    return { ok: true, changed: row.code === 'OK', credential: toRecord(row) };
  };
}
