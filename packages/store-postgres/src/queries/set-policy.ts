import type { KindPolicyRecord, SetPolicyInput } from '@qa-broker/store';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { clockCte } from './clock.js';
import { toPolicy, type PolicyRow } from '../policy-row.js';

/**
 * setPolicy (admin/policy/set), one statement. $1 kind, $2 the patch as JSON (a key absent
 * = unchanged, null = cleared; maxLeasesPerRole patched per role, null clears both),
 * $3 actorId, $4 nowMs (null = store clock).
 * An upsert whose ON CONFLICT branch merges into the row as locked, so two concurrent
 * patches of one kind both apply. A policy with every rule cleared stays (kind and
 * updatedAtMs). Writes the admin `policy` event.
 */
export function setPolicyQuery(schema: QuotedSchema) {
  const role = (name: string) => `case
      when $2::jsonb ? 'maxLeasesPerRole'
        and (jsonb_typeof($2::jsonb -> 'maxLeasesPerRole') = 'null' or $2::jsonb -> 'maxLeasesPerRole' ? '${name}')
      then excluded.max_leases_${name} else p.max_leases_${name} end`;
  const field = (key: string, column: string) =>
    `case when $2::jsonb ? '${key}' then excluded.${column} else p.${column} end`;
  const text = `
with clock as (${clockCte('$4')}),
upserted as (
  insert into ${schema}.kind_policies as p
    (kind, updated_at_ms, max_hold_ms, max_leases_ci, max_leases_maintainer, max_leases_per_owner, quarantine_after_broken)
  select $1, clock.now_ms,
    ($2::jsonb ->> 'maxHoldMs')::bigint,
    ($2::jsonb -> 'maxLeasesPerRole' ->> 'ci')::integer,
    ($2::jsonb -> 'maxLeasesPerRole' ->> 'maintainer')::integer,
    ($2::jsonb ->> 'maxLeasesPerOwner')::integer,
    ($2::jsonb ->> 'quarantineAfterBroken')::integer
  from clock
  on conflict (kind) do update
  set updated_at_ms = excluded.updated_at_ms,
      max_hold_ms = ${field('maxHoldMs', 'max_hold_ms')},
      max_leases_ci = ${role('ci')},
      max_leases_maintainer = ${role('maintainer')},
      max_leases_per_owner = ${field('maxLeasesPerOwner', 'max_leases_per_owner')},
      quarantine_after_broken = ${field('quarantineAfterBroken', 'quarantine_after_broken')}
  returning p.*
),
logged as (
  insert into ${schema}.events (category, event_type, kind, actor_role, actor_id, occurred_at_ms)
  select 'admin', 'policy', u.kind, 'maintainer', $3, u.updated_at_ms
  from upserted u
)
select * from upserted`;

  return async (db: Queryable, input: SetPolicyInput): Promise<KindPolicyRecord> => {
    const { rows } = await db.query<PolicyRow>(text, [
      input.kind,
      JSON.stringify(input.patch),
      input.actorId,
      input.nowMs ?? null,
    ]);
    const row = rows[0];
    if (!row) throw new Error('setPolicy returned no policy');
    return toPolicy(row);
  };
}
