import type { ReleaseInput, ReleaseResult } from '@qa-broker/store';
import type { QuotedSchema } from '../schema-name.js';
import { namedStatement, type Queryable } from '../sql-client.js';
import { clockCte } from './clock.js';

type ReleaseCode = Extract<ReleaseResult, { ok: false }>['code'] | 'NO_LEASE' | 'OK';

/**
 * release, one statement. $1 credentialId, $2 kind, $3 ownerId, $4 leaseToken,
 * $5 actorRole (of the caller, for the event), $6 nowMs (null = store clock).
 * No lease stored is an idempotent success without an event; a stored lease of someone
 * else is LEASE_NOT_OWNER even once expired; the holder may release after expiry. The
 * status is not checked: a disabled credential can be released.
 */
export function releaseQuery(schema: QuotedSchema) {
  const statement = namedStatement(
    'release',
    `
with clock as (${clockCte('$6')}),
target as (
  select c.credential_id, c.kind, c.lease_owner_id, c.lease_token
  from ${schema}.credentials c
  where c.credential_id = $1
  for update
),
verdict as (
  select clock.now_ms, t.kind,
    case
      when t.credential_id is null then 'CREDENTIAL_NOT_FOUND'
      when t.kind <> $2 then 'KIND_MISMATCH'
      when t.lease_token is null then 'NO_LEASE'
      when t.lease_owner_id <> $3 or t.lease_token <> $4 then 'LEASE_NOT_OWNER'
      else 'OK'
    end as code
  from clock left join target t on true
),
cleared as (
  update ${schema}.credentials c
  set lease_owner_id = null, lease_actor_role = null, lease_token = null,
      lease_acquired_at_ms = null, lease_heartbeat_at_ms = null, lease_expires_at_ms = null,
      updated_at_ms = v.now_ms
  from verdict v
  where c.credential_id = $1 and v.code = 'OK'
  returning c.credential_id
),
logged as (
  insert into ${schema}.events (category, event_type, kind, actor_role, owner_id, credential_id, occurred_at_ms)
  select 'lease', 'release', v.kind, $5, $3, cl.credential_id, v.now_ms
  from cleared cl cross join verdict v
)
select code from verdict`,
  );

  return async (db: Queryable, input: ReleaseInput): Promise<ReleaseResult> => {
    const { rows } = await db.query<{ code: ReleaseCode }>(statement, [
      input.credentialId,
      input.kind,
      input.ownerId,
      input.leaseToken,
      input.actorRole,
      input.nowMs ?? null,
    ]);
    const code = rows[0]?.code;
    if (!code) throw new Error('release returned no verdict');
    if (code === 'OK') return { ok: true, released: true };
    if (code === 'NO_LEASE') return { ok: true, released: false };
    return { ok: false, code };
  };
}
