import type { HeartbeatInput, HeartbeatResult } from '@qa-broker/store';
import { toNumber } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import { namedStatement, type Queryable } from '../sql-client.js';
import { clockCte } from './clock.js';

type HeartbeatCode = Extract<HeartbeatResult, { ok: false }>['code'] | 'OK';

/**
 * heartbeat, one statement. $1 credentialId, $2 kind, $3 ownerId, $4 leaseToken,
 * $5 leaseTtlMs, $6 nowMs (null = store clock).
 * Locks the row, decides in the spec's order, extends the lease only when the verdict is
 * OK (at expires_at == now it still is). No event.
 */
export function heartbeatQuery(schema: QuotedSchema) {
  const statement = namedStatement(
    'heartbeat',
    `
with clock as (${clockCte('$6')}),
target as (
  select c.credential_id, c.kind, c.status, c.lease_owner_id, c.lease_token, c.lease_expires_at_ms
  from ${schema}.credentials c
  where c.credential_id = $1
  for update
),
verdict as (
  select clock.now_ms,
    case
      when t.credential_id is null then 'CREDENTIAL_NOT_FOUND'
      when t.kind <> $2 then 'KIND_MISMATCH'
      when t.status <> 'active' then 'CREDENTIAL_DISABLED'
      when t.lease_token is null then 'LEASE_NOT_FOUND'
      when t.lease_owner_id <> $3 or t.lease_token <> $4 then 'LEASE_NOT_OWNER'
      when t.lease_expires_at_ms < clock.now_ms then 'LEASE_EXPIRED'
      else 'OK'
    end as code
  from clock left join target t on true
),
extended as (
  update ${schema}.credentials c
  set lease_heartbeat_at_ms = v.now_ms,
      lease_expires_at_ms = v.now_ms + $5::bigint,
      updated_at_ms = v.now_ms
  from verdict v
  where c.credential_id = $1 and v.code = 'OK'
  returning c.lease_expires_at_ms
)
select v.code, e.lease_expires_at_ms
from verdict v left join extended e on true`,
  );

  return async (db: Queryable, input: HeartbeatInput): Promise<HeartbeatResult> => {
    const { rows } = await db.query<{ code: HeartbeatCode; lease_expires_at_ms: unknown }>(
      statement,
      [
        input.credentialId,
        input.kind,
        input.ownerId,
        input.leaseToken,
        input.leaseTtlMs,
        input.nowMs ?? null,
      ],
    );
    const row = rows[0];
    if (!row) throw new Error('heartbeat returned no verdict');
    if (row.code === 'OK') return { ok: true, expiresAtMs: toNumber(row.lease_expires_at_ms) };
    return { ok: false, code: row.code };
  };
}
