-- @include forget-lease-waiter
-- @include free-member
-- @include append-event
-- @include unindex-lease
-- @include drop-pinned-payload

-- Ends the lease on a credential now (a release): the record drops its lease (and the
-- payload version pinned on it, if any), the holder's quota counts go down, an active
-- credential goes back into the free set unless it is quarantined, the waiter entry of
-- a queued grant is deleted, and a release event names (owner_id, actor_role), with the
-- fields of `extra` (code, message) when given.
local function end_lease(k, id, record, owner_id, actor_role, extra)
  forget_lease_waiter(k, id, record)
  unindex_lease(k, id, record.lease)
  drop_pinned_payload(k, id, record)
  record.lease = nil
  record.updatedAtMs = k.now
  redis.call('HSET', k.credentials, id, cjson.encode(record))
  if record.status == 'active' then
    if not record.quarantine then
      redis.call('ZADD', k.free, record.lastLeasedAtMs, free_member(record.seq, id))
    end
    redis.call('ZADD', k.updated_active, -k.now, id)
  else
    redis.call('ZADD', k.updated_disabled, -k.now, id)
  end
  local event = {
    eventType = 'release',
    actorRole = actor_role,
    ownerId = owner_id,
    credentialId = id,
  }
  for field, value in pairs(extra or {}) do event[field] = value end
  append_event(k, k.lease_events, event)
end
