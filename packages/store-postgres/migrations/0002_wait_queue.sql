-- 0002_wait_queue: the fair wait queue (spec/broker-additions.md §1).
-- {{schema}} is replaced by the validated, quoted schema name; nothing else is substituted.
-- Append-only: never edit this file once applied; add the next number instead.
--
-- Serialization (the spec's "PostgreSQL trap"): every step that reads or changes a kind's
-- queue holds a transaction-level advisory lock on the kind, taken BEFORE the statement
-- that reads the queue and the credentials, so that statement's snapshot sees every
-- earlier step's commit. Queue steps take it exclusive. v1 statements take it shared
-- through queue_gate(), which says whether the kind has any waiter row; if it has, the v1
-- statement changes nothing and the adapter runs the step again in exclusive mode. So v1
-- stays parallel (shared holders never wait for each other), an enqueue waits for
-- in-flight v1 releases and sees what they freed, and a v1 release that starts after a
-- waiter committed sees it. Waiter rows are never read with SKIP LOCKED.

create table {{schema}}.waiters (
  kind text collate "C" not null,
  -- The ticket's SHA-256 (explicit) or 'implicit:<role>:<owner>' (an old polling client).
  waiter_id text collate "C" not null,
  explicit boolean not null,
  owner_id text not null,
  actor_role text collate "C" not null check (actor_role in ('ci', 'maintainer')),
  priority integer not null check (priority between -100 and 100),
  -- Arrival order inside the store, taken when the entry is created.
  seq bigint generated always as identity,
  first_at_ms bigint not null,
  -- Waiting: the entry lapses at this instant. Granted: when a sweep looks at it again
  -- (the pickup deadline, then the lease's expiry as last seen).
  deadline_ms bigint not null,
  -- The broker holding the ticket's latest request (explicit only): woken on a grant.
  broker_id text,
  granted_credential_id text collate "C",
  granted_fence bigint,
  granted_at_ms bigint,
  primary key (kind, waiter_id),
  constraint waiters_grant_complete check (
    (granted_credential_id is null and granted_fence is null and granted_at_ms is null)
    or (granted_credential_id is not null and granted_fence is not null and granted_at_ms is not null)
  ),
  constraint waiters_broker_explicit check (explicit = (broker_id is not null))
);

-- Queue order of the entries still waiting: priority desc, arrival asc.
create index waiters_queue_idx on {{schema}}.waiters (kind, priority desc, seq)
  where granted_credential_id is null;

-- The bounded sweep of lapsed entries and of grants to look at again.
create index waiters_deadline_idx on {{schema}}.waiters (kind, deadline_ms);

-- A lease granted to a waiter remembers it; a delivered ticket lease keeps the token
-- sealed under the ticket, so a re-ask from any broker returns the same token.
alter table {{schema}}.credentials
  add column lease_waiter_id text collate "C",
  add column lease_sealed_token text;

-- A queued grant not yet delivered is a lease without a token (it names its waiter).
alter table {{schema}}.credentials drop constraint credentials_lease_complete;
alter table {{schema}}.credentials add constraint credentials_lease_complete check (
  (lease_token is null and lease_owner_id is null and lease_actor_role is null
    and lease_acquired_at_ms is null and lease_heartbeat_at_ms is null and lease_expires_at_ms is null
    and lease_waiter_id is null and lease_sealed_token is null)
  or (lease_owner_id is not null and lease_actor_role is not null
    and lease_acquired_at_ms is not null and lease_heartbeat_at_ms is not null and lease_expires_at_ms is not null
    and (lease_token is not null or lease_waiter_id is not null))
);

-- The advisory lock key of a kind, distinct per schema.
create function {{schema}}.queue_lock_key(p_kind text) returns bigint
language sql immutable as $$
  select hashtextextended('{{schema}}.' || p_kind, 0)
$$;

-- Called first by v1 statements (from a MATERIALIZED CTE, evaluated before any row lock).
-- Exclusive: takes the kind's lock exclusive and lets the statement run. Shared: takes it
-- shared and lets the statement run only while the kind has no waiter row; this check is
-- its own query in a VOLATILE function, so it sees every commit made before the lock.
create function {{schema}}.queue_gate(p_kind text, p_exclusive boolean) returns boolean
language plpgsql volatile as $$
begin
  if p_exclusive then
    perform pg_advisory_xact_lock({{schema}}.queue_lock_key(p_kind));
    return true;
  end if;
  perform pg_advisory_xact_lock_shared({{schema}}.queue_lock_key(p_kind));
  return not exists (select 1 from {{schema}}.waiters w where w.kind = p_kind);
end
$$;

-- The store clock after the lock wait (or the caller's nowMs in tests).
create function {{schema}}.queue_clock(p_now bigint) returns bigint
language sql volatile as $$
  select coalesce(p_now, (extract(epoch from clock_timestamp()) * 1000)::bigint)
$$;

-- Bounded clean-up under the exclusive lock: at most p_limit entries whose deadline has
-- come. A lapsed waiting entry is deleted; a granted one is kept (and looked at again at
-- its lease's expiry) while the credential still holds that grant, else deleted.
create function {{schema}}.queue_sweep(p_kind text, p_now bigint, p_limit integer) returns void
language plpgsql volatile as $$
declare
  entry record;
  lease_until bigint;
begin
  for entry in
    select w.waiter_id, w.granted_credential_id, w.granted_fence
    from {{schema}}.waiters w
    where w.kind = p_kind and w.deadline_ms <= p_now
    order by w.deadline_ms
    limit p_limit
  loop
    lease_until := null;
    if entry.granted_credential_id is not null then
      select c.lease_expires_at_ms into lease_until
      from {{schema}}.credentials c
      where c.credential_id = entry.granted_credential_id
        and c.fencing_counter = entry.granted_fence
        and c.lease_waiter_id = entry.waiter_id
        and c.lease_expires_at_ms > p_now;
    end if;
    if lease_until is null then
      delete from {{schema}}.waiters w where w.kind = p_kind and w.waiter_id = entry.waiter_id;
    else
      update {{schema}}.waiters w set deadline_ms = lease_until
      where w.kind = p_kind and w.waiter_id = entry.waiter_id;
    end if;
  end loop;
end
$$;

-- Grants the best free credential of the kind (v1's order: least recently leased among
-- those without a lease and those whose lease expired, ties by creation) and writes the
-- `acquire` event. Runs under the exclusive lock, so no acquire of the kind competes; the
-- UPDATE re-checks the row (a concurrent disable), and a lost race tries the next one.
-- p_token null = a queued grant (p_waiter names it). Returns nulls when nothing is free.
create function {{schema}}.queue_grant(
  p_kind text, p_now bigint, p_owner text, p_role text, p_token text, p_waiter text,
  p_expires bigint, out o_credential_id text, out o_fence bigint
)
language plpgsql volatile as $$
declare
  pick_seq bigint;
begin
  for attempt in 1..3 loop
    select x.seq into pick_seq
    from (
      (select c.seq, c.last_leased_at_ms from {{schema}}.credentials c
       where c.kind = p_kind and c.status = 'active' and c.lease_expires_at_ms is null
       order by c.last_leased_at_ms, c.seq limit 1)
      union all
      (select c.seq, c.last_leased_at_ms from {{schema}}.credentials c
       where c.kind = p_kind and c.status = 'active' and c.lease_expires_at_ms <= p_now
       order by c.last_leased_at_ms, c.seq limit 1)
    ) x
    order by x.last_leased_at_ms, x.seq
    limit 1;
    if pick_seq is null then
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
        lease_expires_at_ms = p_expires,
        fencing_counter = c.fencing_counter + 1,
        last_leased_at_ms = p_now,
        updated_at_ms = p_now
    where c.seq = pick_seq and c.kind = p_kind and c.status = 'active'
      and (c.lease_expires_at_ms is null or c.lease_expires_at_ms <= p_now)
    returning c.credential_id, c.fencing_counter into o_credential_id, o_fence;
    if o_credential_id is not null then
      insert into {{schema}}.events (category, event_type, kind, actor_role, owner_id, credential_id, occurred_at_ms)
      values ('lease', 'acquire', p_kind, p_role, p_owner, o_credential_id, p_now);
      return;
    end if;
    pick_seq := null;
  end loop;
end
$$;

-- dispatch(kind): while a credential is free and a live entry waits, grant the head entry
-- (deleting lapsed ones met on the way), at most p_limit entries examined. A grant is a
-- lease without a token, expiring at pickupBy. Returns the waiters granted, and the
-- (broker, ticket) pairs to wake for the explicit ones.
create function {{schema}}.queue_dispatch(
  p_kind text, p_now bigint, p_grace bigint, p_limit integer,
  out granted_waiters text[], out wake_brokers text[], out wake_tickets text[]
)
language plpgsql volatile as $$
declare
  head {{schema}}.waiters%rowtype;
  examined integer := 0;
  pickup_by bigint;
  grant_id text;
  grant_fence bigint;
begin
  granted_waiters := '{}';
  wake_brokers := '{}';
  wake_tickets := '{}';
  while examined < p_limit loop
    select * into head from {{schema}}.waiters w
    where w.kind = p_kind and w.granted_credential_id is null
    order by w.priority desc, w.seq
    limit 1;
    exit when not found;
    examined := examined + 1;
    if head.deadline_ms <= p_now then
      delete from {{schema}}.waiters w where w.kind = p_kind and w.waiter_id = head.waiter_id;
      continue;
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
    if head.explicit then
      wake_brokers := wake_brokers || head.broker_id;
      wake_tickets := wake_tickets || head.waiter_id;
    end if;
  end loop;
end
$$;

-- Hands a queued grant to the caller presenting its waiter: stores the token (and the
-- sealed copy for a ticket), and starts the lease's own TTL. False if the grant is gone.
-- An implicit waiter's key is not kept on the lease (its entry is consumed here).
create function {{schema}}.queue_deliver(
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
      lease_expires_at_ms = p_now + p_ttl,
      updated_at_ms = p_now
  where c.credential_id = p_credential_id and c.fencing_counter = p_fence
    and c.lease_waiter_id = p_waiter and c.lease_token is null and c.lease_expires_at_ms > p_now;
  return found;
end
$$;

-- Clears a queued grant nobody picked up (cancelWait, implicit entries dropped): the
-- credential is free again and a `release` event in the waiter's name records it.
create function {{schema}}.queue_clear_grant(
  p_kind text, p_waiter text, p_credential_id text, p_fence bigint, p_now bigint
) returns boolean
language plpgsql volatile as $$
declare
  holder record;
begin
  select c.lease_owner_id, c.lease_actor_role into holder
  from {{schema}}.credentials c
  where c.credential_id = p_credential_id and c.fencing_counter = p_fence
    and c.lease_waiter_id = p_waiter and c.lease_token is null and c.lease_expires_at_ms > p_now
  for update;
  if not found then
    return false;
  end if;
  update {{schema}}.credentials c
  set lease_owner_id = null, lease_actor_role = null, lease_token = null,
      lease_waiter_id = null, lease_sealed_token = null,
      lease_acquired_at_ms = null, lease_heartbeat_at_ms = null, lease_expires_at_ms = null,
      updated_at_ms = p_now
  where c.credential_id = p_credential_id;
  insert into {{schema}}.events (category, event_type, kind, actor_role, owner_id, credential_id, occurred_at_ms)
  values ('lease', 'release', p_kind, holder.lease_actor_role, holder.lease_owner_id, p_credential_id, p_now);
  return true;
end
$$;

-- Where a live waiting entry stands: 1 + live waiting entries ahead; and how many wait.
create function {{schema}}.queue_place(
  p_kind text, p_waiter text, p_now bigint, out o_position integer, out o_queue_length integer
)
language sql volatile as $$
  select
    (count(*) filter (where w.priority > me.priority
      or (w.priority = me.priority and w.seq < me.seq)))::integer + 1,
    count(*)::integer
  from {{schema}}.waiters me
  join {{schema}}.waiters w
    on w.kind = me.kind and w.granted_credential_id is null and w.deadline_ms > p_now
  where me.kind = p_kind and me.waiter_id = p_waiter
$$;

-- The whole step of an acquire that queues: a ticket (p_ticket not null) or an old client
-- refused while the kind has waiter rows. See QUEUE-STORE-DESIGN "acquire(input)".
-- o_code: OK, WAITING, POOL_EXHAUSTED, TICKET_CONFLICT, QUEUE_FULL. On OK the lease is in
-- the o_* lease columns; o_position/o_queue_length for WAITING and a queued POOL_EXHAUSTED.
create function {{schema}}.queue_acquire(
  p_kind text, p_owner text, p_role text, p_token text, p_ttl bigint, p_now bigint,
  p_ticket text, p_priority integer, p_broker text, p_sealed text, p_queue_max integer,
  p_grace bigint, p_limit integer,
  out o_code text, out o_credential_id text, out o_acquired_at_ms bigint,
  out o_expires_at_ms bigint, out o_fence bigint, out o_chunk_count integer,
  out o_byte_length bigint, out o_inline_piece text, out o_waited_ms bigint,
  out o_sealed_token text, out o_position integer, out o_queue_length integer,
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
    -- No ticket waits: v1 exactly. The caller's own reservation is delivered to it; the
    -- other implicit entries and their reservations are dropped (bounded per step).
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
      select g.o_credential_id into o_credential_id
      from {{schema}}.queue_grant(p_kind, now_ms, p_owner, p_role, p_token, null, now_ms + p_ttl) g;
    end if;
    if o_credential_id is null then
      insert into {{schema}}.events (category, event_type, kind, actor_role, owner_id, code, message, occurred_at_ms)
      values ('lease', 'acquire_failed', p_kind, p_role, p_owner, 'POOL_EXHAUSTED',
        'No available credential for kind "' || p_kind || '".', now_ms);
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
  select c.lease_acquired_at_ms, c.lease_expires_at_ms, c.fencing_counter, c.payload_chunk_count,
    c.payload_byte_length,
    case when c.payload_chunk_count = 1 then c.payload_pieces[1] end,
    case when return_sealed then c.lease_sealed_token end
  into o_acquired_at_ms, o_expires_at_ms, o_fence, o_chunk_count, o_byte_length,
    o_inline_piece, o_sealed_token
  from {{schema}}.credentials c
  where c.credential_id = o_credential_id;
end
$$;

-- A step that may have freed a credential or changed the queue, run after the change in
-- the same transaction (release or add on a kind with waiters, tickWaiters): sweep, then
-- dispatch. The caller holds the kind's lock exclusive (queue_gate(kind, true)).
create function {{schema}}.queue_settle(
  p_kind text, p_now bigint, p_grace bigint, p_limit integer,
  out wake_brokers text[], out wake_tickets text[]
)
language plpgsql volatile as $$
declare
  now_ms bigint;
  dispatched record;
begin
  perform pg_advisory_xact_lock({{schema}}.queue_lock_key(p_kind));
  now_ms := {{schema}}.queue_clock(p_now);
  perform {{schema}}.queue_sweep(p_kind, now_ms, p_limit);
  select * into dispatched from {{schema}}.queue_dispatch(p_kind, now_ms, p_grace, p_limit);
  wake_brokers := dispatched.wake_brokers;
  wake_tickets := dispatched.wake_tickets;
end
$$;

-- tickWaiters: renew the live waiting tickets a broker holds open, sweep, dispatch, and
-- say which of them hold an undelivered grant and when the kind's next lease expires.
create function {{schema}}.queue_tick(
  p_kind text, p_tickets text[], p_now bigint, p_grace bigint, p_limit integer,
  out granted text[], out next_expiry_at_ms bigint,
  out wake_brokers text[], out wake_tickets text[]
)
language plpgsql volatile as $$
declare
  now_ms bigint;
  dispatched record;
begin
  perform pg_advisory_xact_lock({{schema}}.queue_lock_key(p_kind));
  now_ms := {{schema}}.queue_clock(p_now);
  update {{schema}}.waiters w set deadline_ms = now_ms + p_grace
  where w.kind = p_kind and w.waiter_id = any(p_tickets) and w.explicit
    and w.granted_credential_id is null and w.deadline_ms > now_ms;
  perform {{schema}}.queue_sweep(p_kind, now_ms, p_limit);
  select * into dispatched from {{schema}}.queue_dispatch(p_kind, now_ms, p_grace, p_limit);
  wake_brokers := dispatched.wake_brokers;
  wake_tickets := dispatched.wake_tickets;
  select coalesce(array_agg(w.waiter_id order by w.waiter_id), '{}') into granted
  from {{schema}}.waiters w
  join {{schema}}.credentials c
    on c.credential_id = w.granted_credential_id and c.fencing_counter = w.granted_fence
    and c.lease_waiter_id = w.waiter_id
  where w.kind = p_kind and w.waiter_id = any(p_tickets)
    and c.lease_token is null and c.lease_expires_at_ms > now_ms;
  select min(c.lease_expires_at_ms) into next_expiry_at_ms
  from {{schema}}.credentials c
  where c.kind = p_kind and c.status = 'active' and c.lease_expires_at_ms > now_ms;
end
$$;

-- cancelWait: a grant the ticket never picked up is cleared and handed on; a waiting or
-- delivered entry is left alone.
create function {{schema}}.queue_cancel(
  p_kind text, p_ticket text, p_now bigint, p_grace bigint, p_limit integer,
  out wake_brokers text[], out wake_tickets text[]
)
language plpgsql volatile as $$
declare
  now_ms bigint;
  entry {{schema}}.waiters%rowtype;
  dispatched record;
begin
  wake_brokers := '{}';
  wake_tickets := '{}';
  perform pg_advisory_xact_lock({{schema}}.queue_lock_key(p_kind));
  now_ms := {{schema}}.queue_clock(p_now);
  select * into entry from {{schema}}.waiters w
  where w.kind = p_kind and w.waiter_id = p_ticket and w.explicit
    and w.granted_credential_id is not null;
  if not found then
    return;
  end if;
  if not {{schema}}.queue_clear_grant(p_kind, p_ticket, entry.granted_credential_id,
    entry.granted_fence, now_ms) then
    return;
  end if;
  delete from {{schema}}.waiters w where w.kind = p_kind and w.waiter_id = p_ticket;
  perform {{schema}}.queue_sweep(p_kind, now_ms, p_limit);
  select * into dispatched from {{schema}}.queue_dispatch(p_kind, now_ms, p_grace, p_limit);
  wake_brokers := dispatched.wake_brokers;
  wake_tickets := dispatched.wake_tickets;
end
$$;
