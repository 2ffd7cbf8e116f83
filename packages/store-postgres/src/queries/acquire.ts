import type { AcquireInput, AcquireResult } from '@qa-broker/store';
import { toNumber } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { clockCte } from './clock.js';

interface GrantRow {
  credential_id: string;
  kind: string;
  lease_acquired_at_ms: unknown;
  lease_expires_at_ms: unknown;
  fencing_counter: unknown;
  payload_chunk_count: number;
  payload_byte_length: unknown;
  inline_piece: string | null;
}

/**
 * acquire, one statement. $1 kind, $2 ownerId, $3 actorRole, $4 leaseToken,
 * $5 leaseTtlMs, $6 nowMs (null = store clock).
 *
 * Candidates are the least recently leased row WITHOUT a lease (credentials_free_idx) and
 * the least recently leased row whose lease has EXPIRED (credentials_leased_idx, range
 * expires_at <= now); live leases are in neither range, so they are never read. The
 * expired probe only looks at rows that sort before the free pick, so in the common case
 * (no expired leases) only one row is locked. Both probes lock with SKIP LOCKED: a row a
 * concurrent acquire holds is passed over for the next one, and a row a concurrent
 * acquire just leased fails the re-check of its WHERE clause, so two acquires never get
 * the same credential and a free row is never missed because another sorts first.
 * Then the grant is written and the acquire or acquire_failed event inserted, together.
 */
export function acquireSql(schema: QuotedSchema): string {
  return `
with clock as (${clockCte('$6')}),
free_pick as (
  select c.seq, c.last_leased_at_ms
  from ${schema}.credentials c
  where c.kind = $1 and c.status = 'active' and c.lease_expires_at_ms is null
  order by c.last_leased_at_ms, c.seq
  limit 1
  for update of c skip locked
),
expired_pick as (
  select c.seq
  from ${schema}.credentials c cross join clock
  where c.kind = $1 and c.status = 'active' and c.lease_expires_at_ms <= clock.now_ms
    and not exists (
      select 1 from free_pick f where (f.last_leased_at_ms, f.seq) < (c.last_leased_at_ms, c.seq)
    )
  order by c.last_leased_at_ms, c.seq
  limit 1
  for update of c skip locked
),
chosen as (
  select seq from expired_pick
  union all
  select seq from free_pick where not exists (select 1 from expired_pick)
),
granted as (
  update ${schema}.credentials c
  set lease_owner_id = $2,
      lease_actor_role = $3,
      lease_token = $4,
      lease_acquired_at_ms = clock.now_ms,
      lease_heartbeat_at_ms = clock.now_ms,
      lease_expires_at_ms = clock.now_ms + $5::bigint,
      fencing_counter = c.fencing_counter + 1,
      last_leased_at_ms = clock.now_ms,
      updated_at_ms = clock.now_ms
  from chosen, clock
  where c.seq = chosen.seq
  returning c.credential_id, c.kind, c.lease_acquired_at_ms, c.lease_expires_at_ms, c.fencing_counter,
    c.payload_chunk_count, c.payload_byte_length,
    case when c.payload_chunk_count = 1 then c.payload_pieces[1] end as inline_piece
),
logged as (
  insert into ${schema}.events (category, event_type, kind, actor_role, owner_id, credential_id, code, message, occurred_at_ms)
  select 'lease',
    case when g.credential_id is null then 'acquire_failed' else 'acquire' end,
    $1, $3, $2, g.credential_id,
    case when g.credential_id is null then 'POOL_EXHAUSTED' end,
    case when g.credential_id is null then 'No available credential for kind "' || $1::text || '".' end,
    clock.now_ms
  from clock left join granted g on true
)
select * from granted`;
}

export function acquireQuery(schema: QuotedSchema) {
  const text = acquireSql(schema);
  return async (db: Queryable, input: AcquireInput): Promise<AcquireResult> => {
    const { rows } = await db.query<GrantRow>(text, [
      input.kind,
      input.ownerId,
      input.actorRole,
      input.leaseToken,
      input.leaseTtlMs,
      input.nowMs ?? null,
    ]);
    const row = rows[0];
    if (!row) return { ok: false, code: 'POOL_EXHAUSTED' };
    return {
      ok: true,
      lease: {
        credentialId: row.credential_id,
        kind: row.kind,
        acquiredAtMs: toNumber(row.lease_acquired_at_ms),
        expiresAtMs: toNumber(row.lease_expires_at_ms),
        fencingToken: toNumber(row.fencing_counter),
        chunkCount: row.payload_chunk_count,
        byteLength: toNumber(row.payload_byte_length),
        ...(row.inline_piece !== null ? { inlinePiece: row.inline_piece } : {}),
      },
    };
  };
}
