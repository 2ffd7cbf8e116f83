-- @include remove-waiter

-- Hands a queued grant to the caller presenting its waiter: the lease gets this call's
-- token (a hash) and, for a ticket, the token sealed under the ticket, and runs
-- leaseTtlMs from now. A ticket's entry stays (marked delivered) so a re-ask returns
-- this same lease; an implicit entry is consumed.
local function deliver(k, waiter_id, entry, id, record, token, sealed_token, ttl_ms)
  local lease = record.lease
  lease.token = token
  if entry.explicit then lease.sealedToken = sealed_token end
  lease.heartbeatAtMs = k.now
  lease.expiresAtMs = k.now + ttl_ms
  record.updatedAtMs = k.now
  redis.call('HSET', k.credentials, id, cjson.encode(record))
  redis.call('ZADD', k.leases, lease.expiresAtMs, id)
  redis.call('ZADD', k.updated_active, -k.now, id)
  if entry.explicit then
    entry.delivered = true
    redis.call('HSET', k.waiters, waiter_id, cjson.encode(entry))
    redis.call('ZREM', k.ticket_grants, waiter_id)
  else
    remove_waiter(k, waiter_id)
  end
end
