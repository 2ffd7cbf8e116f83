-- @include append-event
-- @include queue-score
-- @include index-lease
-- @include drop-pinned-payload

-- Grants the free credential `member` to a live waiting entry: a queued grant. The
-- lease is written with the waiter's owner and role, its waiterId and no token (so
-- heartbeat and release answer LEASE_NOT_OWNER until it is delivered), expiring at
-- pickupBy: now + grace for a ticket, the entry's own deadline for an implicit waiter
-- (a reservation). Fencing +1, lastLeasedAtMs and the acquire event happen now, as for
-- any grant, and the grant counts toward the waiter's quotas (index-lease). The entry
-- leaves the waiting structures for ticket_grants / reservations.
local function grant_to_waiter(k, waiter_id, entry, member)
  local id = string.sub(member, 18)
  local raw = redis.call('HGET', k.credentials, id)
  if not raw then error('qa-broker: free set names a credential that has no record') end
  redis.call('ZREM', k.free, member)
  local record = cjson.decode(raw)
  local pickup_by = entry.deadlineMs
  if entry.explicit then pickup_by = k.now + k.grace_ms end
  drop_pinned_payload(k, id, record)
  record.fence = record.fence + 1
  record.lastLeasedAtMs = k.now
  record.updatedAtMs = k.now
  record.lease = {
    ownerId = entry.ownerId, actorRole = entry.actorRole, waiterId = waiter_id,
    acquiredAtMs = k.now, heartbeatAtMs = k.now, expiresAtMs = pickup_by,
  }
  redis.call('HSET', k.credentials, id, cjson.encode(record))
  index_lease(k, id, record.lease)
  redis.call('ZADD', k.updated_active, -k.now, id)
  append_event(k, k.lease_events, {
    eventType = 'acquire',
    actorRole = entry.actorRole,
    ownerId = entry.ownerId,
    credentialId = id,
  })
  entry.credentialId = id
  entry.fencingToken = record.fence
  entry.grantedAtMs = k.now
  entry.pickupBy = pickup_by
  redis.call('HSET', k.waiters, waiter_id, cjson.encode(entry))
  redis.call('ZREM', k.waiting, waiter_id)
  redis.call('ZREM', k.waiter_deadlines, waiter_id)
  redis.call('ZREM', k.ticket_deadlines, waiter_id)
  local granted = k.reservations
  if entry.explicit then granted = k.ticket_grants end
  redis.call('ZADD', granted, queue_score(entry.priority, entry.seq), waiter_id)
end
