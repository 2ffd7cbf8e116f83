import type { ReadChunkInput, ReadChunkResult } from '@qa-broker/store';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { clockCte } from './clock.js';

type ReadChunkCode = Extract<ReadChunkResult, { ok: false }>['code'] | 'OK';

/**
 * readPayloadChunk, one read-only statement. $1 credentialId, $2 kind, $3 ownerId,
 * $4 leaseToken, $5 actorRole, $6 index (0-based), $7 nowMs (null = store clock).
 * The lease is checked and the piece read from the same row version; only the asked
 * piece leaves the database. A lease pinned to an older payload version (the credential
 * was updated while it was held, migration 0004) reads that version's pieces.
 */
export function readPayloadChunkQuery(schema: QuotedSchema) {
  const text = `
with clock as (${clockCte('$7')}),
target as (
  select c.credential_id, c.kind, c.status, c.lease_owner_id, c.lease_token, c.lease_actor_role,
    c.lease_expires_at_ms,
    coalesce(v.payload_chunk_count, c.payload_chunk_count) as payload_chunk_count,
    coalesce(v.payload_pieces, c.payload_pieces) as payload_pieces
  from ${schema}.credentials c
  left join ${schema}.payload_versions v
    on v.credential_id = c.credential_id and v.version = c.lease_payload_version
  where c.credential_id = $1
),
verdict as (
  select t.payload_chunk_count, t.payload_pieces,
    case
      when t.credential_id is null then 'CREDENTIAL_NOT_FOUND'
      when t.kind <> $2 then 'KIND_MISMATCH'
      when t.status <> 'active' then 'CREDENTIAL_DISABLED'
      when t.lease_owner_id is null or t.lease_expires_at_ms < clock.now_ms then 'LEASE_NOT_FOUND'
      when t.lease_owner_id <> $3 or t.lease_token is distinct from $4 then 'LEASE_NOT_OWNER'
      when t.lease_actor_role <> $5 then 'AUTH_ROLE_MISMATCH'
      when t.payload_chunk_count = 1 then 'PAYLOAD_NOT_CHUNKED'
      when $6::integer < 0 or $6::integer >= t.payload_chunk_count then 'INVALID_CHUNK_INDEX'
      else 'OK'
    end as code
  from clock left join target t on true
)
select code, payload_chunk_count, case when code = 'OK' then payload_pieces[$6::integer + 1] end as piece
from verdict`;

  return async (db: Queryable, input: ReadChunkInput): Promise<ReadChunkResult> => {
    // An index past int4 can never be in range; clamp so the parameter always binds and
    // `$6 + 1` (folded at plan time, even when the CASE never reaches it) cannot overflow.
    const index = Math.min(input.index, 2_147_483_646);
    const { rows } = await db.query<{
      code: ReadChunkCode;
      payload_chunk_count: number | null;
      piece: string | null;
    }>(text, [
      input.credentialId,
      input.kind,
      input.ownerId,
      input.leaseToken,
      input.actorRole,
      index,
      input.nowMs ?? null,
    ]);
    const row = rows[0];
    if (!row) throw new Error('readPayloadChunk returned no verdict');
    if (row.code !== 'OK') return { ok: false, code: row.code };
    if (row.piece === null || row.payload_chunk_count === null)
      throw new Error('readPayloadChunk lost its piece');
    return { ok: true, piece: row.piece, index: input.index, chunkCount: row.payload_chunk_count };
  };
}
