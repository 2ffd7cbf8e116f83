import type { DisableInput, DisableResult } from '@qa-broker/store';
import { recordColumns, toRecord, type CredentialRow } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { clockCte } from './clock.js';

type DisableCode = Extract<DisableResult, { ok: false }>['code'] | 'UNCHANGED' | 'OK';

/**
 * disableCredential (admin/remove, a soft disable), one statement. $1 credentialId,
 * $2 actorId, $3 nowMs (null = store clock).
 * Missing or actively leased: a `disable_failed` event with the code. Already disabled:
 * unchanged, no event. Otherwise disabled, any (expired) lease cleared, updated_at set,
 * `disable` event. The credential is returned as it is after the statement.
 */
export function disableCredentialQuery(schema: QuotedSchema) {
  const text = `
with clock as (${clockCte('$3')}),
target as (
  select ${recordColumns('c.')}
  from ${schema}.credentials c
  where c.credential_id = $1
  for update
),
verdict as (
  select clock.now_ms, t.kind,
    case
      when t.credential_id is null then 'CREDENTIAL_NOT_FOUND'
      when t.lease_expires_at_ms > clock.now_ms then 'LEASE_ACTIVE'
      when t.status = 'disabled' then 'UNCHANGED'
      else 'OK'
    end as code
  from clock left join target t on true
),
changed as (
  update ${schema}.credentials c
  set status = 'disabled',
      lease_owner_id = null, lease_actor_role = null, lease_token = null,
      lease_waiter_id = null, lease_sealed_token = null,
      lease_acquired_at_ms = null, lease_heartbeat_at_ms = null, lease_expires_at_ms = null,
      updated_at_ms = v.now_ms
  from verdict v
  where c.credential_id = $1 and v.code = 'OK'
  returning ${recordColumns('c.')}
),
logged as (
  insert into ${schema}.events (category, event_type, kind, actor_role, actor_id, credential_id, code, message, occurred_at_ms)
  select 'admin',
    case when v.code = 'OK' then 'disable' else 'disable_failed' end,
    v.kind, 'maintainer', $2, $1,
    case when v.code <> 'OK' then v.code end,
    case v.code
      when 'CREDENTIAL_NOT_FOUND' then 'Credential record does not exist.'
      when 'LEASE_ACTIVE' then 'Credential is currently leased and cannot be disabled.'
    end,
    v.now_ms
  from verdict v
  where v.code <> 'UNCHANGED'
)
select v.code, r.*
from verdict v
left join (
  select * from changed
  union all
  select * from target where not exists (select 1 from changed)
) r on true`;

  return async (db: Queryable, input: DisableInput): Promise<DisableResult> => {
    const { rows } = await db.query<CredentialRow & { code: DisableCode }>(text, [
      input.credentialId,
      input.actorId,
      input.nowMs ?? null,
    ]);
    const row = rows[0];
    if (!row) throw new Error('disableCredential returned no verdict');
    if (row.code === 'OK') return { ok: true, changed: true, credential: toRecord(row) };
    if (row.code === 'UNCHANGED') return { ok: true, changed: false, credential: toRecord(row) };
    return { ok: false, code: row.code };
  };
}
