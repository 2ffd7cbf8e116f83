-- @include forget-lease-waiter
-- @include free-member
-- @include append-event

-- Ends the lease on a credential now (a release): the record drops its lease, an
-- active credential goes back into the free set, the waiter entry of a queued grant is
-- deleted, and a release event names (owner_id, actor_role).
local function end_lease(k, id, record, owner_id, actor_role)
  forget_lease_waiter(k, id, record)
  record.lease = nil
  record.updatedAtMs = k.now
  redis.call('HSET', k.credentials, id, cjson.encode(record))
  redis.call('ZREM', k.leases, id)
  if record.status == 'active' then
    redis.call('ZADD', k.free, record.lastLeasedAtMs, free_member(record.seq, id))
    redis.call('ZADD', k.updated_active, -k.now, id)
  else
    redis.call('ZADD', k.updated_disabled, -k.now, id)
  end
  append_event(k, k.lease_events, {
    eventType = 'release',
    actorRole = actor_role,
    ownerId = owner_id,
    credentialId = id,
  })
end
