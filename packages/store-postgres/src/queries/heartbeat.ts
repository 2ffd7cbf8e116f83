import type { HeartbeatInput, HeartbeatResult } from '@qa-broker/store';
import { toNumber } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { clockCte } from './clock.js';

type HeartbeatCode = Extract<HeartbeatResult, { ok: false }>['code'] | 'OK';

/**
 * heartbeat, one statement. $1 credentialId, $2 kind, $3 ownerId, $4 leaseToken,
 * $5 leaseTtlMs, $6 nowMs (null = store clock).
 * Locks the row, decides in the spec's order, extends the lease only when the verdict is
 * OK (at expires_at == now it still is). No event.
 * The kind's maxHoldMs, read now (a policy set after the grant applies from here), caps
 * the extension at acquired_at + maxHoldMs (max_expires). At or past that instant the
 * lease is over: LEASE_EXPIRED, and a later expiry stored is pulled back to the cap so
 * the next step reclaims it.
 */
export function heartbeatQuery(schema: QuotedSchema) {
  const text = `
with clock as (${clockCte('$6')}),
target as (
  select c.credential_id, c.kind, c.status, c.lease_owner_id, c.lease_token, c.lease_expires_at_ms,
    c.lease_acquired_at_ms + (
      select p.max_hold_ms from ${schema}.kind_policies p where p.kind = c.kind
    ) as max_expires
  from ${schema}.credentials c
  where c.credential_id = $1
  for update
),
verdict as (
  select clock.now_ms, t.max_expires,
    case
      when t.credential_id is null then 'CREDENTIAL_NOT_FOUND'
      when t.kind <> $2 then 'KIND_MISMATCH'
      when t.status <> 'active' then 'CREDENTIAL_DISABLED'
      when t.lease_owner_id is null then 'LEASE_NOT_FOUND'
      when t.lease_owner_id <> $3 or t.lease_token is distinct from $4 then 'LEASE_NOT_OWNER'
      when t.lease_expires_at_ms < clock.now_ms then 'LEASE_EXPIRED'
      when t.max_expires <= clock.now_ms then 'CAPPED'
      else 'OK'
    end as code
  from clock left join target t on true
),
extended as (
  update ${schema}.credentials c
  set lease_heartbeat_at_ms = v.now_ms,
      lease_expires_at_ms = least(v.now_ms + $5::bigint, v.max_expires),
      updated_at_ms = v.now_ms
  from verdict v
  where c.credential_id = $1 and v.code = 'OK'
  returning c.lease_expires_at_ms
),
capped as (
  update ${schema}.credentials c
  set lease_expires_at_ms = v.max_expires
  from verdict v
  where c.credential_id = $1 and v.code = 'CAPPED' and c.lease_expires_at_ms > v.max_expires
)
select v.code, e.lease_expires_at_ms, v.max_expires
from verdict v left join extended e on true`;

  return async (db: Queryable, input: HeartbeatInput): Promise<HeartbeatResult> => {
    const { rows } = await db.query<{
      code: HeartbeatCode | 'CAPPED';
      lease_expires_at_ms: unknown;
      max_expires: unknown;
    }>(text, [
      input.credentialId,
      input.kind,
      input.ownerId,
      input.leaseToken,
      input.leaseTtlMs,
      input.nowMs ?? null,
    ]);
    const row = rows[0];
    if (!row) throw new Error('heartbeat returned no verdict');
    if (row.code === 'CAPPED') return { ok: false, code: 'LEASE_EXPIRED' };
    if (row.code !== 'OK') return { ok: false, code: row.code };
    return {
      ok: true,
      expiresAtMs: toNumber(row.lease_expires_at_ms),
      ...(row.max_expires !== null ? { maxExpiresAtMs: toNumber(row.max_expires) } : {}),
    };
  };
}
