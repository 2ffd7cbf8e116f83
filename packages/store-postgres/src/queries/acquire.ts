import type { AcquireInput, AcquireResult } from '@qa-broker/store';
import { toNumber } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { clockCte } from './clock.js';

interface GrantRow {
  queue_free: boolean;
  credential_id: string | null;
  kind: string;
  lease_acquired_at_ms: unknown;
  lease_expires_at_ms: unknown;
  fencing_counter: unknown;
  payload_chunk_count: number;
  payload_byte_length: unknown;
  inline_piece: string | null;
  max_expires_at_ms: unknown;
}

/**
 * acquire, one statement. $1 kind, $2 ownerId, $3 actorRole, $4 leaseToken,
 * $5 leaseTtlMs, $6 nowMs (null = store clock).
 *
 * Two kinds of rows are free: those WITHOUT a lease (credentials_free_idx, in grant
 * order) and those whose lease has EXPIRED (credentials_leased_idx, the range
 * expires_at <= now). Live leases are in neither range, so they are never read.
 *
 * 1. free_peek reads, without locking, where the best lease-less row sorts.
 * 2. expired_pick takes the best expired lease that sorts before it (FOR UPDATE SKIP
 *    LOCKED over the expired range only — normally empty).
 * 3. Only if that found nothing, free_pick walks the free index FOR UPDATE SKIP LOCKED.
 * 4. Only if that found nothing either, expired_fallback takes any expired lease: the
 *    lease-less rows free_peek saw may all be locked by concurrent acquires (its view is
 *    unlocked and can be stale), and without this step an acquire would answer a false
 *    POOL_EXHAUSTED while expired leases wait (seen through PgBouncer, whose extra hop
 *    widens the race).
 * Exactly one row is ever locked, and it is the one granted: a row locked but then not
 * used would make a concurrent acquire skip it and answer a false POOL_EXHAUSTED. SKIP
 * LOCKED passes over rows a concurrent acquire holds; a row one just committed fails the
 * re-check of its WHERE clause; so no two acquires ever get the same credential. Under
 * contention the LRU order is best effort between the two ranges (free_peek may be
 * stale), never at the cost of a grant.
 * Then the grant is written and the acquire or acquire_failed event inserted, together.
 *
 * First of all, gate takes the kind's queue lock SHARED (acquire_gate, migration 0004) and
 * says whether the kind has no waiter rows and no quota (quotas are counted under the
 * exclusive lock, so concurrent acquires by one owner cannot each count zero). Both picks and the event are behind it (a
 * one-time filter, evaluated before any row is locked), so when the kind has a queue this
 * statement changes nothing and answers queue_free = false: the adapter then runs the
 * queued acquire (queue-acquire.ts) under the exclusive lock.
 */
export function acquireSql(schema: QuotedSchema): string {
  return `
with clock as (${clockCte('$6')}),
gate as materialized (select g.open, g.max_hold_ms from ${schema}.acquire_gate($1) g),
free_peek as materialized (
  select c.last_leased_at_ms, c.seq
  from ${schema}.credentials c
  where c.kind = $1 and c.status = 'active' and c.lease_expires_at_ms is null
    and c.quarantine_at_ms is null
  order by c.last_leased_at_ms, c.seq
  limit 1
),
expired_pick as (
  select c.seq
  from ${schema}.credentials c cross join clock
  where c.kind = $1 and c.status = 'active' and c.lease_expires_at_ms <= clock.now_ms
    and c.quarantine_at_ms is null
    and not exists (
      select 1 from free_peek f where (f.last_leased_at_ms, f.seq) < (c.last_leased_at_ms, c.seq)
    )
    and (select open from gate)
  order by c.last_leased_at_ms, c.seq
  limit 1
  for update of c skip locked
),
free_pick as (
  select c.seq
  from ${schema}.credentials c
  where c.kind = $1 and c.status = 'active' and c.lease_expires_at_ms is null
    and c.quarantine_at_ms is null
    and not exists (select 1 from expired_pick)
    and (select open from gate)
  order by c.last_leased_at_ms, c.seq
  limit 1
  for update of c skip locked
),
expired_fallback as (
  select c.seq
  from ${schema}.credentials c cross join clock
  where c.kind = $1 and c.status = 'active' and c.lease_expires_at_ms <= clock.now_ms
    and c.quarantine_at_ms is null
    and not exists (select 1 from expired_pick)
    and not exists (select 1 from free_pick)
    and (select open from gate)
  order by c.last_leased_at_ms, c.seq
  limit 1
  for update of c skip locked
),
chosen as (
  select seq from expired_pick
  union all
  select seq from free_pick
  union all
  select seq from expired_fallback
),
granted as (
  update ${schema}.credentials c
  set lease_owner_id = $2,
      lease_actor_role = $3,
      lease_token = $4,
      lease_waiter_id = null,
      lease_sealed_token = null,
      lease_acquired_at_ms = clock.now_ms,
      lease_heartbeat_at_ms = clock.now_ms,
      lease_expires_at_ms = clock.now_ms + least($5::bigint, gate.max_hold_ms),
      fencing_counter = c.fencing_counter + 1,
      last_leased_at_ms = clock.now_ms,
      updated_at_ms = clock.now_ms
  from chosen, clock, gate
  where c.seq = chosen.seq
  returning c.credential_id, c.kind, c.lease_acquired_at_ms, c.lease_expires_at_ms, c.fencing_counter,
    c.lease_acquired_at_ms + gate.max_hold_ms as max_expires_at_ms,
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
  from clock cross join gate left join granted g on true
  where gate.open
)
select gate.open as queue_free, g.*
from gate left join granted g on true`;
}

/** The v1 acquire; `'QUEUED'` when the kind has a queue and the queued step must decide. */
export function acquireQuery(schema: QuotedSchema) {
  const text = acquireSql(schema);
  return async (db: Queryable, input: AcquireInput): Promise<AcquireResult | 'QUEUED'> => {
    const { rows } = await db.query<GrantRow>(text, [
      input.kind,
      input.ownerId,
      input.actorRole,
      input.leaseToken,
      input.leaseTtlMs,
      input.nowMs ?? null,
    ]);
    const row = rows[0];
    if (!row) throw new Error('acquire returned no gate row');
    if (!row.queue_free) return 'QUEUED';
    if (row.credential_id === null) return { ok: false, code: 'POOL_EXHAUSTED' };
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
        ...(row.max_expires_at_ms !== null
          ? { maxExpiresAtMs: toNumber(row.max_expires_at_ms) }
          : {}),
      },
    };
  };
}
