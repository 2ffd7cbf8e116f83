import type { ReleaseInput, ReleaseResult } from '@qa-broker/store';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { clockCte } from './clock.js';

/** The verdict, and the waiter (ticket) the released lease had been granted to, if any. */
export interface ReleaseOutcome {
  result: ReleaseResult;
  releasedWaiterId: string | null;
}

type ReleaseCode =
  Extract<ReleaseResult, { ok: false }>['code'] | 'NO_LEASE' | 'OK' | 'RETRY_EXCLUSIVE';

/**
 * release, one statement. $1 credentialId, $2 kind, $3 ownerId, $4 leaseToken,
 * $5 actorRole (of the caller, for the event), $6 nowMs (null = store clock),
 * $7 exclusive (false: the v1 path under the kind's queue lock shared; true: under it
 * exclusive, inside the transaction that then runs queue_settle to hand the credential on).
 * No lease stored is an idempotent success without an event; a stored lease of someone
 * else is LEASE_NOT_OWNER even once expired; the holder may release after expiry. The
 * status is not checked: a disabled credential can be released. A queued grant not yet
 * delivered has no token, so every token is LEASE_NOT_OWNER for it.
 * In shared mode, when the kind has waiter rows, nothing is locked or changed and the
 * verdict is RETRY_EXCLUSIVE. The waiter a released lease was granted to is returned, so
 * the exclusive step (unqueue-released.ts, same transaction) deletes that ticket's entry.
 * Health: $8 outcome ('ok' | 'broken'), $9 reason (kept only with broken). A real release
 * (verdict OK) with 'ok' resets broken_reports; with 'broken' it counts one more, writes
 * the release event with code BROKEN, and at the kind's quarantineAfterBroken (default 1)
 * quarantines the credential in the holder's name with a lease `quarantine` event. A
 * quarantined credential stays out of the pool: every grant skips it. The policy is read
 * only for a broken release (the CASE leaves the sub-select unevaluated otherwise).
 */
export function releaseQuery(schema: QuotedSchema) {
  const text = `
with clock as (${clockCte('$6')}),
gate as materialized (select ${schema}.queue_gate($2, $7::boolean) as open),
target as (
  select c.credential_id, c.kind, c.lease_owner_id, c.lease_token, c.lease_waiter_id,
    c.lease_actor_role, c.broken_reports, c.quarantine_at_ms
  from ${schema}.credentials c
  where c.credential_id = $1 and (select open from gate)
  for update
),
verdict as (
  select clock.now_ms, t.kind, t.lease_waiter_id, t.lease_actor_role,
    t.broken_reports + 1 as reports,
    $8::text = 'broken' and t.quarantine_at_ms is null and t.broken_reports + 1 >= coalesce((
      select p.quarantine_after_broken from ${schema}.kind_policies p where p.kind = t.kind
    ), 1) as quarantines,
    case
      when not gate.open then 'RETRY_EXCLUSIVE'
      when t.credential_id is null then 'CREDENTIAL_NOT_FOUND'
      when t.kind <> $2 then 'KIND_MISMATCH'
      when t.lease_owner_id is null then 'NO_LEASE'
      when t.lease_owner_id <> $3 or t.lease_token is distinct from $4 then 'LEASE_NOT_OWNER'
      else 'OK'
    end as code
  from clock cross join gate left join target t on true
),
cleared as (
  update ${schema}.credentials c
  set lease_owner_id = null, lease_actor_role = null, lease_token = null,
      lease_waiter_id = null, lease_sealed_token = null,
      lease_acquired_at_ms = null, lease_heartbeat_at_ms = null, lease_expires_at_ms = null,
      updated_at_ms = v.now_ms,
      broken_reports = case when $8::text = 'broken' then v.reports else 0 end,
      quarantine_reason = case when v.quarantines then $9::text else c.quarantine_reason end,
      quarantine_reported_by = case when v.quarantines then $3 else c.quarantine_reported_by end,
      quarantine_actor_role = case when v.quarantines then v.lease_actor_role else c.quarantine_actor_role end,
      quarantine_at_ms = case when v.quarantines then v.now_ms else c.quarantine_at_ms end
  from verdict v
  where c.credential_id = $1 and v.code = 'OK'
  returning c.credential_id
),
logged as (
  insert into ${schema}.events (category, event_type, kind, actor_role, owner_id, credential_id, code, message, occurred_at_ms)
  select 'lease', 'release', v.kind, $5, $3, cl.credential_id,
    case when $8::text = 'broken' then 'BROKEN' end,
    case when $8::text = 'broken' then $9::text end,
    v.now_ms
  from cleared cl cross join verdict v
  union all
  select 'lease', 'quarantine', v.kind, v.lease_actor_role, $3, cl.credential_id, null,
    $9::text, v.now_ms
  from cleared cl cross join verdict v
  where v.quarantines
)
select code, case when code = 'OK' then lease_waiter_id end as released_waiter_id,
  coalesce(quarantines, false) as quarantines
from verdict`;

  return async (
    db: Queryable,
    input: ReleaseInput,
    exclusive: boolean,
  ): Promise<ReleaseOutcome | 'RETRY_EXCLUSIVE'> => {
    const broken = input.outcome === 'broken';
    const { rows } = await db.query<{
      code: ReleaseCode;
      released_waiter_id: string | null;
      quarantines: boolean;
    }>(text, [
      input.credentialId,
      input.kind,
      input.ownerId,
      input.leaseToken,
      input.actorRole,
      input.nowMs ?? null,
      exclusive,
      broken ? 'broken' : 'ok',
      broken ? (input.reason ?? null) : null,
    ]);
    const row = rows[0];
    if (!row) throw new Error('release returned no verdict');
    const { code } = row;
    if (code === 'RETRY_EXCLUSIVE') return code;
    if (code === 'OK')
      return {
        result: row.quarantines
          ? { ok: true, released: true, quarantined: true }
          : { ok: true, released: true },
        releasedWaiterId: row.released_waiter_id,
      };
    if (code === 'NO_LEASE')
      return { result: { ok: true, released: false }, releasedWaiterId: null };
    return { result: { ok: false, code }, releasedWaiterId: null };
  };
}
