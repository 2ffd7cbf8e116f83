import type { CredentialChangeResult, QuarantineInput } from '@qa-broker/store';
import { recordColumns, toRecord, type CredentialRow } from '../rows.js';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { clockCte } from './clock.js';

type QuarantineCode = 'CREDENTIAL_NOT_FOUND' | 'UNCHANGED' | 'OK';

/**
 * quarantineCredential (admin/quarantine), one statement. $1 credentialId, $2 reason
 * (nullable), $3 actorId, $4 nowMs (null = store clock).
 * Sets the quarantine in the maintainer's name (broken reports kept) and writes the admin
 * `quarantine` event. Allowed while leased: the holder keeps its lease, and since every
 * grant skips a quarantined row it leaves the pool at once (the row lock orders it with a
 * concurrent grant). Already quarantined: unchanged, the first reason kept, no event.
 */
export function quarantineCredentialQuery(schema: QuotedSchema) {
  const text = `
with clock as (${clockCte('$4')}),
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
      when t.quarantine_at_ms is not null then 'UNCHANGED'
      else 'OK'
    end as code
  from clock left join target t on true
),
changed as (
  update ${schema}.credentials c
  set quarantine_reason = $2::text, quarantine_reported_by = $3::text,
      quarantine_actor_role = 'maintainer', quarantine_at_ms = v.now_ms,
      updated_at_ms = v.now_ms
  from verdict v
  where c.credential_id = $1 and v.code = 'OK'
  returning ${recordColumns('c.')}
),
logged as (
  insert into ${schema}.events (category, event_type, kind, actor_role, actor_id, credential_id, message, occurred_at_ms)
  select 'admin', 'quarantine', v.kind, 'maintainer', $3, $1, $2::text, v.now_ms
  from verdict v
  where v.code = 'OK'
)
select v.code, r.*
from verdict v
left join (
  select * from changed
  union all
  select * from target where not exists (select 1 from changed)
) r on true`;

  return async (db: Queryable, input: QuarantineInput): Promise<CredentialChangeResult> => {
    const { rows } = await db.query<CredentialRow & { code: QuarantineCode }>(text, [
      input.credentialId,
      input.reason ?? null,
      input.actorId,
      input.nowMs ?? null,
    ]);
    const row = rows[0];
    if (!row) throw new Error('quarantineCredential returned no verdict');
    if (row.code === 'CREDENTIAL_NOT_FOUND') return { ok: false, code: row.code };
    return { ok: true, changed: row.code === 'OK', credential: toRecord(row) };
  };
}
