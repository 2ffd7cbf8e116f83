-- 0004_credential_health: credential health and per-kind policy (broker-additions.md §2, §3;
-- HEALTH-STORE-DESIGN.md). {{schema}} is replaced by the validated, quoted schema name.
-- Append-only: never edit this file once applied; add the next number instead.
-- (0003 is another branch's index work; nothing here depends on it.)

-- Health: a quarantine (all four columns set together) and the consecutive broken reports.
-- Payload versions: payload_version counts updates; a lease granted before an update is
-- pinned to its version (lease_payload_version) whose pieces move to payload_versions.
alter table {{schema}}.credentials
  add column quarantine_reason text,
  add column quarantine_reported_by text,
  add column quarantine_actor_role text check (quarantine_actor_role in ('ci', 'maintainer')),
  add column quarantine_at_ms bigint,
  add column broken_reports integer not null default 0 check (broken_reports >= 0),
  add column payload_version integer not null default 1,
  add column lease_payload_version integer,
  add constraint credentials_quarantine_complete check (
    (quarantine_at_ms is null and quarantine_reported_by is null and quarantine_actor_role is null
      and quarantine_reason is null)
    or (quarantine_at_ms is not null and quarantine_reported_by is not null
      and quarantine_actor_role is not null)
  );

-- The pieces of an older payload version that a lease still reads. A row lives exactly as
-- long as the lease pinned to it (see credentials_unpin_payload below).
create table {{schema}}.payload_versions (
  credential_id text collate "C" not null,
  version integer not null,
  payload_pieces text[] not null,
  payload_chunk_count integer not null,
  payload_byte_length bigint not null,
  primary key (credential_id, version)
);

-- A pinned lease that ends (cleared) or is replaced (a new grant bumps the fencing counter)
-- drops its pin and its old pieces. Only pinned rows ever fire it (the WHEN clause), so the
-- v1 path pays nothing; every statement that ends a lease is covered without knowing.
create function {{schema}}.unpin_payload() returns trigger
language plpgsql as $$
begin
  delete from {{schema}}.payload_versions v
  where v.credential_id = old.credential_id and v.version = old.lease_payload_version;
  new.lease_payload_version := null;
  return new;
end
$$;

create trigger credentials_unpin_payload
before update on {{schema}}.credentials
for each row
when (old.lease_payload_version is not null
  and (new.lease_owner_id is null or new.fencing_counter <> old.fencing_counter))
execute function {{schema}}.unpin_payload();

-- Per-kind policy: null = no such rule. A row whose every rule is null still exists.
create table {{schema}}.kind_policies (
  kind text collate "C" not null primary key,
  updated_at_ms bigint not null,
  max_hold_ms bigint check (max_hold_ms >= 30000),
  max_leases_ci integer check (max_leases_ci >= 0),
  max_leases_maintainer integer check (max_leases_maintainer >= 0),
  max_leases_per_owner integer check (max_leases_per_owner >= 1),
  quarantine_after_broken integer check (quarantine_after_broken >= 1)
);

alter table {{schema}}.events drop constraint events_check;
alter table {{schema}}.events add constraint events_check check (
  (category = 'lease' and event_type in ('acquire', 'acquire_failed', 'release', 'quarantine'))
  or (category = 'admin' and event_type in
    ('add', 'disable', 'disable_failed', 'restore', 'quarantine', 'update', 'policy'))
);

-- The gate of the v1 acquire, like queue_gate(kind, false): the kind's lock shared, open
-- while the kind has no waiter row; closed also when the kind has a quota, so quota checks
-- always run serialized under the exclusive lock (the quota race: concurrent acquires by
-- one owner must each count the others' grants). Also answers the kind's maxHoldMs, so
-- the policy row is read once. Its queries see every commit made before the lock.
create function {{schema}}.acquire_gate(
  p_kind text, out open boolean, out max_hold_ms bigint
)
language plpgsql volatile as $$
declare
  has_quota boolean;
begin
  perform pg_advisory_xact_lock_shared({{schema}}.queue_lock_key(p_kind));
  select p.max_hold_ms, (p.max_leases_ci is not null or p.max_leases_maintainer is not null
      or p.max_leases_per_owner is not null)
    into max_hold_ms, has_quota
  from {{schema}}.kind_policies p where p.kind = p_kind;
  open := has_quota is not true
    and not exists (select 1 from {{schema}}.waiters w where w.kind = p_kind);
end
$$;

-- Which quota a new lease for (owner, role) would exceed: 'role', 'owner' or null. Counts
-- the kind's active leases (queued grants not yet delivered included). Caller holds the
-- kind's lock exclusive, so the count cannot race.
create function {{schema}}.quota_verdict(
  p_kind text, p_owner text, p_role text, p_now bigint
) returns text
language plpgsql volatile as $$
declare
  pol {{schema}}.kind_policies%rowtype;
  role_cap integer;
  held integer;
begin
  select * into pol from {{schema}}.kind_policies p where p.kind = p_kind;
  if not found then
    return null;
  end if;
  role_cap := case p_role when 'ci' then pol.max_leases_ci else pol.max_leases_maintainer end;
  if role_cap is not null then
    select count(*) into held from {{schema}}.credentials c
    where c.kind = p_kind and c.status = 'active' and c.lease_expires_at_ms > p_now
      and c.lease_actor_role = p_role;
    if held >= role_cap then
      return 'role';
    end if;
  end if;
  if pol.max_leases_per_owner is not null then
    select count(*) into held from {{schema}}.credentials c
    where c.kind = p_kind and c.status = 'active' and c.lease_expires_at_ms > p_now
      and c.lease_owner_id = p_owner;
    if held >= pol.max_leases_per_owner then
      return 'owner';
    end if;
  end if;
  return null;
end
$$;

-- Whether the kind has a credential a grant could take now (active, not quarantined, no
-- lease or an expired one): two probes, one per acquire index, like queue_grant's pick.
create function {{schema}}.kind_has_free(p_kind text, p_now bigint) returns boolean
language sql volatile as $$
  select exists (
      select 1 from {{schema}}.credentials c
      where c.kind = p_kind and c.status = 'active' and c.lease_expires_at_ms is null
        and c.quarantine_at_ms is null)
    or exists (
      select 1 from {{schema}}.credentials c
      where c.kind = p_kind and c.status = 'active' and c.lease_expires_at_ms <= p_now
        and c.quarantine_at_ms is null)
$$;

-- queue_grant as in 0002, but never a quarantined credential, capped at maxHoldMs from the
-- grant, and updating by primary key.
create or replace function {{schema}}.queue_grant(
  p_kind text, p_now bigint, p_owner text, p_role text, p_token text, p_waiter text,
  p_expires bigint, out o_credential_id text, out o_fence bigint
)
language plpgsql volatile as $$
declare
  pick_id text;
  hold bigint;
begin
  select p.max_hold_ms into hold from {{schema}}.kind_policies p where p.kind = p_kind;
  for attempt in 1..3 loop
    select x.credential_id into pick_id
    from (
      (select c.credential_id, c.seq, c.last_leased_at_ms from {{schema}}.credentials c
       where c.kind = p_kind and c.status = 'active' and c.lease_expires_at_ms is null
         and c.quarantine_at_ms is null
       order by c.last_leased_at_ms, c.seq limit 1)
      union all
      (select c.credential_id, c.seq, c.last_leased_at_ms from {{schema}}.credentials c
       where c.kind = p_kind and c.status = 'active' and c.lease_expires_at_ms <= p_now
         and c.quarantine_at_ms is null
       order by c.last_leased_at_ms, c.seq limit 1)
    ) x
    order by x.last_leased_at_ms, x.seq
    limit 1;
    if pick_id is null then
      return;
    end if;
    update {{schema}}.credentials c
    set lease_owner_id = p_owner,
        lease_actor_role = p_role,
        lease_token = p_token,
        lease_waiter_id = p_waiter,
        lease_sealed_token = null,
        lease_acquired_at_ms = p_now,
        lease_heartbeat_at_ms = p_now,
        lease_expires_at_ms = least(p_expires, p_now + hold),
        fencing_counter = c.fencing_counter + 1,
        last_leased_at_ms = p_now,
        updated_at_ms = p_now
    where c.credential_id = pick_id and c.kind = p_kind and c.status = 'active'
      and c.quarantine_at_ms is null
      and (c.lease_expires_at_ms is null or c.lease_expires_at_ms <= p_now)
    returning c.credential_id, c.fencing_counter into o_credential_id, o_fence;
    if o_credential_id is not null then
      insert into {{schema}}.events (category, event_type, kind, actor_role, owner_id, credential_id, occurred_at_ms)
      values ('lease', 'acquire', p_kind, p_role, p_owner, o_credential_id, p_now);
      return;
    end if;
    pick_id := null;
  end loop;
end
$$;

-- queue_dispatch as in 0002, but a waiter over its quota is skipped: it keeps its place and
-- those behind it are served. At most p_limit entries examined, in queue order. Quota
-- checks count leases, so they run only while a credential is known to be free.
create or replace function {{schema}}.queue_dispatch(
  p_kind text, p_now bigint, p_grace bigint, p_limit integer,
  out granted_waiters text[], out wake_brokers text[], out wake_tickets text[]
)
language plpgsql volatile as $$
declare
  head record;
  pickup_by bigint;
  grant_id text;
  grant_fence bigint;
  has_quota boolean;
  any_free boolean;
begin
  granted_waiters := '{}';
  wake_brokers := '{}';
  wake_tickets := '{}';
  select (p.max_leases_ci is not null or p.max_leases_maintainer is not null
    or p.max_leases_per_owner is not null) into has_quota
  from {{schema}}.kind_policies p where p.kind = p_kind;
  for head in
    select w.waiter_id, w.explicit, w.owner_id, w.actor_role, w.deadline_ms, w.broker_id
    from {{schema}}.waiters w
    where w.kind = p_kind and w.granted_credential_id is null
    order by w.priority desc, w.seq
    limit p_limit
  loop
    if head.deadline_ms <= p_now then
      delete from {{schema}}.waiters w where w.kind = p_kind and w.waiter_id = head.waiter_id;
      continue;
    end if;
    if has_quota then
      if any_free is null then
        any_free := {{schema}}.kind_has_free(p_kind, p_now);
      end if;
      exit when not any_free;
      if {{schema}}.quota_verdict(p_kind, head.owner_id, head.actor_role, p_now) is not null then
        continue;
      end if;
    end if;
    pickup_by := case when head.explicit then p_now + p_grace else head.deadline_ms end;
    select g.o_credential_id, g.o_fence into grant_id, grant_fence
    from {{schema}}.queue_grant(p_kind, p_now, head.owner_id, head.actor_role, null,
      head.waiter_id, pickup_by) g;
    exit when grant_id is null;
    update {{schema}}.waiters w
    set granted_credential_id = grant_id, granted_fence = grant_fence, granted_at_ms = p_now,
        deadline_ms = pickup_by
    where w.kind = p_kind and w.waiter_id = head.waiter_id;
    granted_waiters := granted_waiters || head.waiter_id;
    any_free := null;
    if head.explicit then
      wake_brokers := wake_brokers || head.broker_id;
      wake_tickets := wake_tickets || head.waiter_id;
    end if;
  end loop;
end
$$;

-- queue_deliver as in 0002, but the lease's TTL never runs past maxHoldMs from the grant.
create or replace function {{schema}}.queue_deliver(
  p_waiter text, p_credential_id text, p_fence bigint, p_token text, p_sealed text,
  p_keep_waiter boolean, p_ttl bigint, p_now bigint
) returns boolean
language plpgsql volatile as $$
begin
  update {{schema}}.credentials c
  set lease_token = p_token,
      lease_sealed_token = p_sealed,
      lease_waiter_id = case when p_keep_waiter then p_waiter end,
      lease_heartbeat_at_ms = p_now,
      lease_expires_at_ms = least(p_now + p_ttl, c.lease_acquired_at_ms
        + (select p.max_hold_ms from {{schema}}.kind_policies p where p.kind = c.kind)),
      updated_at_ms = p_now
  where c.credential_id = p_credential_id and c.fencing_counter = p_fence
    and c.lease_waiter_id = p_waiter and c.lease_token is null and c.lease_expires_at_ms > p_now;
  return found;
end
$$;

-- queue_acquire as in 0002, plus: quotas on the v1 branch (POOL_EXHAUSTED with o_quota, only
-- when a credential would otherwise have been granted), maxHoldMs (o_max_expires_at_ms),
-- and the payload a pinned lease was granted with. New OUT columns: drop and create.
drop function {{schema}}.queue_acquire(text, text, text, text, bigint, bigint, text, integer,
  text, text, integer, bigint, integer);

create function {{schema}}.queue_acquire(
  p_kind text, p_owner text, p_role text, p_token text, p_ttl bigint, p_now bigint,
  p_ticket text, p_priority integer, p_broker text, p_sealed text, p_queue_max integer,
  p_grace bigint, p_limit integer,
  out o_code text, out o_credential_id text, out o_acquired_at_ms bigint,
  out o_expires_at_ms bigint, out o_fence bigint, out o_chunk_count integer,
  out o_byte_length bigint, out o_inline_piece text, out o_waited_ms bigint,
  out o_sealed_token text, out o_position integer, out o_queue_length integer,
  out o_quota text, out o_max_expires_at_ms bigint,
  out wake_brokers text[], out wake_tickets text[]
)
language plpgsql volatile as $$
declare
  now_ms bigint;
  waiter_key text;
  entry {{schema}}.waiters%rowtype;
  has_entry boolean;
  held record;
  dispatched record;
  dropped record;
  explicit_live integer;
  return_sealed boolean := false;
begin
  perform pg_advisory_xact_lock({{schema}}.queue_lock_key(p_kind));
  now_ms := {{schema}}.queue_clock(p_now);
  perform {{schema}}.queue_sweep(p_kind, now_ms, p_limit);
  wake_brokers := '{}';
  wake_tickets := '{}';
  waiter_key := coalesce(p_ticket, 'implicit:' || p_role || ':' || p_owner);

  if p_ticket is null and not exists (
    select 1 from {{schema}}.waiters w
    where w.kind = p_kind and w.explicit and w.granted_credential_id is null and w.deadline_ms > now_ms
  ) then
    -- No ticket waits: v1 exactly (with the kind's quotas). The caller's own reservation is
    -- delivered to it; the other implicit entries and their reservations are dropped.
    for dropped in
      select w.waiter_id, w.granted_credential_id, w.granted_fence, w.first_at_ms
      from {{schema}}.waiters w
      where w.kind = p_kind and not w.explicit
      order by (w.waiter_id = waiter_key) desc, w.seq
      limit p_limit
    loop
      if dropped.granted_credential_id is not null then
        if dropped.waiter_id = waiter_key and o_credential_id is null
          and {{schema}}.queue_deliver(waiter_key, dropped.granted_credential_id,
            dropped.granted_fence, p_token, null, false, p_ttl, now_ms) then
          o_credential_id := dropped.granted_credential_id;
        else
          perform {{schema}}.queue_clear_grant(p_kind, dropped.waiter_id,
            dropped.granted_credential_id, dropped.granted_fence, now_ms);
        end if;
      end if;
      delete from {{schema}}.waiters w where w.kind = p_kind and w.waiter_id = dropped.waiter_id;
    end loop;
    if o_credential_id is null then
      o_quota := {{schema}}.quota_verdict(p_kind, p_owner, p_role, now_ms);
      -- Over quota counts only when a credential would otherwise have been granted.
      if o_quota is not null and not {{schema}}.kind_has_free(p_kind, now_ms) then
        o_quota := null;
      end if;
      if o_quota is null then
        select g.o_credential_id into o_credential_id
        from {{schema}}.queue_grant(p_kind, now_ms, p_owner, p_role, p_token, null, now_ms + p_ttl) g;
      end if;
    end if;
    if o_credential_id is null then
      insert into {{schema}}.events (category, event_type, kind, actor_role, owner_id, code, message, occurred_at_ms)
      values ('lease', 'acquire_failed', p_kind, p_role, p_owner, 'POOL_EXHAUSTED',
        'No available credential for kind "' || p_kind || '"'
          || case o_quota when 'role' then ' within its per-role quota'
               when 'owner' then ' within its per-owner quota' else '' end || '.',
        now_ms);
      o_code := 'POOL_EXHAUSTED';
      return;
    end if;
  else
    -- The caller's entry, if it is live: waiting before its deadline, or holding a grant
    -- the credential still carries (undelivered or delivered, not ended). A dead one is
    -- ignored (and replaced below), so it never conflicts.
    select * into entry from {{schema}}.waiters w where w.kind = p_kind and w.waiter_id = waiter_key;
    has_entry := found;
    if has_entry and entry.granted_credential_id is not null then
      select c.lease_token is null as undelivered into held
      from {{schema}}.credentials c
      where c.credential_id = entry.granted_credential_id and c.fencing_counter = entry.granted_fence
        and c.lease_waiter_id = entry.waiter_id and c.lease_expires_at_ms > now_ms;
      has_entry := found;
    elsif has_entry then
      has_entry := entry.deadline_ms > now_ms;
    end if;
    if has_entry and (entry.owner_id <> p_owner or entry.actor_role <> p_role) then
      o_code := 'TICKET_CONFLICT';
      return;
    end if;
    if has_entry and entry.granted_credential_id is not null then
      if held.undelivered then
        perform {{schema}}.queue_deliver(waiter_key, entry.granted_credential_id,
          entry.granted_fence, p_token, p_sealed, p_ticket is not null, p_ttl, now_ms);
      else
        return_sealed := true;
      end if;
      o_credential_id := entry.granted_credential_id;
      o_waited_ms := entry.granted_at_ms - entry.first_at_ms;
    end if;

    if o_credential_id is null then
      if has_entry then
        update {{schema}}.waiters w
        set deadline_ms = now_ms + p_grace, broker_id = case when w.explicit then p_broker end
        where w.kind = p_kind and w.waiter_id = waiter_key;
      else
        delete from {{schema}}.waiters w where w.kind = p_kind and w.waiter_id = waiter_key;
        if p_ticket is not null then
          select count(*) into explicit_live from (
            select 1 from {{schema}}.waiters w
            where w.kind = p_kind and w.explicit and w.granted_credential_id is null
              and w.deadline_ms > now_ms
            limit p_queue_max
          ) live;
          if explicit_live >= p_queue_max then
            o_code := 'QUEUE_FULL';
            return;
          end if;
        end if;
        insert into {{schema}}.waiters
          (kind, waiter_id, explicit, owner_id, actor_role, priority, first_at_ms, deadline_ms, broker_id)
        values (p_kind, waiter_key, p_ticket is not null, p_owner, p_role,
          case when p_ticket is null then 0 else p_priority end, now_ms, now_ms + p_grace,
          case when p_ticket is not null then p_broker end);
      end if;

      select * into dispatched from {{schema}}.queue_dispatch(p_kind, now_ms, p_grace, p_limit);
      -- The caller is answered in this step; only the others are woken.
      select coalesce(array_agg(b order by i), '{}'), coalesce(array_agg(t order by i), '{}')
      into wake_brokers, wake_tickets
      from unnest(dispatched.wake_brokers, dispatched.wake_tickets) with ordinality u(b, t, i)
      where t <> waiter_key;

      if waiter_key = any(dispatched.granted_waiters) then
        select * into entry from {{schema}}.waiters w where w.kind = p_kind and w.waiter_id = waiter_key;
        perform {{schema}}.queue_deliver(waiter_key, entry.granted_credential_id,
          entry.granted_fence, p_token, p_sealed, p_ticket is not null, p_ttl, now_ms);
        o_credential_id := entry.granted_credential_id;
        o_waited_ms := now_ms - entry.first_at_ms;
      else
        select q.o_position, q.o_queue_length into o_position, o_queue_length
        from {{schema}}.queue_place(p_kind, waiter_key, now_ms) q;
        if p_ticket is null then
          insert into {{schema}}.events (category, event_type, kind, actor_role, owner_id, code, message, occurred_at_ms)
          values ('lease', 'acquire_failed', p_kind, p_role, p_owner, 'POOL_EXHAUSTED',
            'No available credential for kind "' || p_kind || '".', now_ms);
          o_code := 'POOL_EXHAUSTED';
        else
          o_code := 'WAITING';
        end if;
        return;
      end if;
    end if;

    if p_ticket is null then
      -- An implicit entry is consumed by its grant; a delivered ticket entry stays (so a
      -- re-ask returns the same lease) and is looked at again when the lease would end.
      delete from {{schema}}.waiters w where w.kind = p_kind and w.waiter_id = waiter_key;
      o_waited_ms := null;
    else
      update {{schema}}.waiters w
      set deadline_ms = greatest(w.deadline_ms, (select c.lease_expires_at_ms
        from {{schema}}.credentials c where c.credential_id = o_credential_id))
      where w.kind = p_kind and w.waiter_id = waiter_key;
    end if;
  end if;

  o_code := 'OK';
  -- A lease pinned to an older payload version (updated while granted) reads that version.
  select c.lease_acquired_at_ms, c.lease_expires_at_ms, c.fencing_counter,
    coalesce(v.payload_chunk_count, c.payload_chunk_count),
    coalesce(v.payload_byte_length, c.payload_byte_length),
    case when coalesce(v.payload_chunk_count, c.payload_chunk_count) = 1
      then (coalesce(v.payload_pieces, c.payload_pieces))[1] end,
    case when return_sealed then c.lease_sealed_token end,
    c.lease_acquired_at_ms + (select p.max_hold_ms from {{schema}}.kind_policies p where p.kind = p_kind)
  into o_acquired_at_ms, o_expires_at_ms, o_fence, o_chunk_count, o_byte_length,
    o_inline_piece, o_sealed_token, o_max_expires_at_ms
  from {{schema}}.credentials c
  left join {{schema}}.payload_versions v
    on v.credential_id = c.credential_id and v.version = c.lease_payload_version
  where c.credential_id = o_credential_id;
end
$$;

-- restoreCredential, one step under the kind's lock exclusive (the credential may go back
-- to the pool and so to the head waiter): clears the quarantine and the broken reports,
-- re-enables, writes `restore` when anything changed, then sweeps and dispatches.
-- o_code: OK, UNCHANGED, CREDENTIAL_NOT_FOUND.
create function {{schema}}.credential_restore(
  p_credential_id text, p_actor text, p_now bigint, p_grace bigint, p_limit integer,
  out o_code text, out wake_brokers text[], out wake_tickets text[]
)
language plpgsql volatile as $$
declare
  target_kind text;
  now_ms bigint;
  dispatched record;
begin
  wake_brokers := '{}';
  wake_tickets := '{}';
  select c.kind into target_kind from {{schema}}.credentials c where c.credential_id = p_credential_id;
  if not found then
    o_code := 'CREDENTIAL_NOT_FOUND';
    return;
  end if;
  perform pg_advisory_xact_lock({{schema}}.queue_lock_key(target_kind));
  now_ms := {{schema}}.queue_clock(p_now);
  update {{schema}}.credentials c
  set quarantine_reason = null, quarantine_reported_by = null, quarantine_actor_role = null,
      quarantine_at_ms = null, broken_reports = 0, status = 'active', updated_at_ms = now_ms
  where c.credential_id = p_credential_id
    and (c.quarantine_at_ms is not null or c.broken_reports > 0 or c.status <> 'active');
  if not found then
    o_code := 'UNCHANGED';
    return;
  end if;
  insert into {{schema}}.events (category, event_type, kind, actor_role, actor_id, credential_id, occurred_at_ms)
  values ('admin', 'restore', target_kind, 'maintainer', p_actor, p_credential_id, now_ms);
  perform {{schema}}.queue_sweep(target_kind, now_ms, p_limit);
  select * into dispatched from {{schema}}.queue_dispatch(target_kind, now_ms, p_grace, p_limit);
  wake_brokers := dispatched.wake_brokers;
  wake_tickets := dispatched.wake_tickets;
  o_code := 'OK';
end
$$;
