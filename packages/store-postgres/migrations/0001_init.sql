-- 0001_init: credentials (with their current lease) and the event log.
-- {{schema}} is replaced by the validated, quoted schema name; nothing else is substituted.
-- Append-only: never edit this file once applied; add 0002_… instead.

create table {{schema}}.credentials (
  -- Creation order: the tie-break when two credentials were last leased at the same time.
  seq bigint generated always as identity,
  credential_id text collate "C" not null primary key,
  kind text collate "C" not null,
  status text collate "C" not null check (status in ('active', 'disabled')),
  note text,
  -- Opaque pieces (already chunked and maybe encrypted by the server), never parsed here.
  payload_pieces text[] not null,
  -- Kept beside the array so acquire never has to detoast a large payload to count it.
  payload_chunk_count integer not null check (payload_chunk_count >= 1),
  payload_byte_length bigint not null check (payload_byte_length >= 0),
  created_at_ms bigint not null,
  updated_at_ms bigint not null,
  last_leased_at_ms bigint not null default 0,
  -- Grants so far; the fencing token of a grant is the counter after it.
  fencing_counter bigint not null default 0,
  lease_owner_id text,
  lease_actor_role text check (lease_actor_role in ('ci', 'maintainer')),
  lease_token text,
  lease_acquired_at_ms bigint,
  lease_heartbeat_at_ms bigint,
  lease_expires_at_ms bigint,
  constraint credentials_lease_complete check (
    (lease_token is null and lease_owner_id is null and lease_actor_role is null
      and lease_acquired_at_ms is null and lease_heartbeat_at_ms is null and lease_expires_at_ms is null)
    or (lease_token is not null and lease_owner_id is not null and lease_actor_role is not null
      and lease_acquired_at_ms is not null and lease_heartbeat_at_ms is not null and lease_expires_at_ms is not null)
  )
);

create unique index credentials_seq_key on {{schema}}.credentials (seq);

-- acquire, first probe: active credentials without any stored lease, in grant order.
-- Leased rows are not in this index at all, so an active lease never costs acquire a step.
create index credentials_free_idx on {{schema}}.credentials (kind, last_leased_at_ms, seq)
  where status = 'active' and lease_expires_at_ms is null;

-- acquire, second probe: active credentials holding a lease, by expiry, so the leases that
-- have expired (expires_at <= now) are one range at the front and live ones are never read.
create index credentials_leased_idx on {{schema}}.credentials (kind, lease_expires_at_ms)
  where status = 'active' and lease_expires_at_ms is not null;

-- admin/list order: kind, active before disabled, most recently updated first, then id.
create index credentials_list_idx on {{schema}}.credentials (kind, status, updated_at_ms desc, credential_id);

create table {{schema}}.events (
  event_seq bigint generated always as identity primary key,
  category text collate "C" not null check (category in ('lease', 'admin')),
  event_type text collate "C" not null check (
    (category = 'lease' and event_type in ('acquire', 'acquire_failed', 'release'))
    or (category = 'admin' and event_type in ('add', 'disable', 'disable_failed'))
  ),
  kind text collate "C",
  actor_role text collate "C" not null check (actor_role in ('ci', 'maintainer')),
  owner_id text,
  actor_id text,
  credential_id text collate "C",
  code text,
  message text,
  occurred_at_ms bigint not null
);

-- listEvents pages oldest first; pruneEvents deletes the oldest of one category.
create index events_time_idx on {{schema}}.events (occurred_at_ms, event_seq);
create index events_category_time_idx on {{schema}}.events (category, occurred_at_ms);
create index events_credential_idx on {{schema}}.events (credential_id, occurred_at_ms, event_seq)
  where credential_id is not null;
create index events_kind_idx on {{schema}}.events (kind, occurred_at_ms, event_seq)
  where kind is not null;
