-- @include remove-waiter
-- @include hold-cap
-- @include index-lease

-- Hands a queued grant to the caller presenting its waiter: the lease gets this call's
-- token (a hash) and, for a ticket, the token sealed under the ticket, and runs
-- leaseTtlMs from now, but never past the kind's maxHoldMs from the grant (hold-cap).
-- A ticket's entry stays (marked delivered) so a re-ask returns this same lease; an
-- implicit entry is consumed, and its lease, now an ordinary one, forgets the waiterId.
local function deliver(k, waiter_id, entry, id, record, token, sealed_token, ttl_ms)
  local lease = record.lease
  lease.token = token
  if entry.explicit then
    lease.sealedToken = sealed_token
  else
    lease.waiterId = nil
  end
  lease.heartbeatAtMs = k.now
  lease.expiresAtMs = k.now + ttl_ms
  local cap = hold_cap(k.policy, lease)
  if cap and cap < lease.expiresAtMs then lease.expiresAtMs = cap end
  record.updatedAtMs = k.now
  redis.call('HSET', k.credentials, id, cjson.encode(record))
  index_lease(k, id, lease)
  redis.call('ZADD', k.updated_active, -k.now, id)
  if entry.explicit then
    entry.delivered = true
    redis.call('HSET', k.waiters, waiter_id, cjson.encode(entry))
    redis.call('ZREM', k.ticket_grants, waiter_id)
  else
    remove_waiter(k, waiter_id)
  end
end
