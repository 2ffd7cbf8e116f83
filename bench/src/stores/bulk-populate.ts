import { progress } from '../progress.ts';

/** What both a pg client and a PGlite instance offer. */
export interface SqlQueryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

const BATCH = 10_000;

/**
 * Bulk path for large Postgres/PGlite pools, in the adapter's own schema (already migrated
 * by opening the store): per batch ONE statement that writes exactly what the adapter's
 * addCredential writes for each credential — the credentials row (never leased, the same
 * payload as `benchPayload(i)`) and its `add` admin event — instead of one round trip each.
 * Rows get their creation order (seq) in index order, as sequential adds would.
 */
export async function bulkPopulate(
  sql: SqlQueryable,
  quotedSchema: string,
  kind: string,
  count: number,
): Promise<void> {
  const text = `
with clock as (select (extract(epoch from clock_timestamp()) * 1000)::bigint as now_ms),
source as (
  select g, '{"groupId":"-100' || lpad(g::text, 10, '0') || '","driverToken":"fake-driver-token-' || g
    || '","sutToken":"fake-sut-token-' || g || '"}' as json
  from generate_series($2::int, $3::int) as g
),
inserted as (
  insert into ${quotedSchema}.credentials
    (credential_id, kind, status, payload_pieces, payload_chunk_count, payload_byte_length, created_at_ms, updated_at_ms)
  select gen_random_uuid()::text, $1, 'active', array[source.json], 1, octet_length(source.json), clock.now_ms, clock.now_ms
  from source, clock
  order by source.g
  returning credential_id, created_at_ms
)
insert into ${quotedSchema}.events (category, event_type, kind, actor_role, actor_id, credential_id, occurred_at_ms)
select 'admin', 'add', $1, 'maintainer', 'bench', credential_id, created_at_ms from inserted`;
  for (let first = 0; first < count; first += BATCH) {
    const last = Math.min(count, first + BATCH) - 1;
    await sql.query(text, [kind, first, last]);
    progress(`  bulk populating: ${last + 1} / ${count}`);
  }
}
