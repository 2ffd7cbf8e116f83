-- @include forget-lease-waiter
-- @include free-member
-- @include unindex-lease
-- @include drop-pinned-payload

-- A lease is active while expiresAtMs > now: move up to k.limit expired ones (earliest
-- first) back into the free set (not a quarantined one: it stays out until restored).
-- The record keeps its expired lease (it still shows until replaced, and its holder may
-- still release it), but its holder's quota counts go down, a queued grant's waiter
-- entry ends with it (an undelivered grant past its pickupBy is simply handed on), and a
-- payload version pinned on it goes once it is past (a heartbeat may still revive a
-- lease at exactly expiresAtMs == now, and read its version).
local function reclaim_expired(k)
  local expired = redis.call('ZRANGE', k.leases, '-inf', k.now, 'BYSCORE', 'LIMIT', 0, k.limit)
  for _, id in ipairs(expired) do
    local raw = redis.call('HGET', k.credentials, id)
    if not raw then
      redis.call('ZREM', k.leases, id)
    else
      local record = cjson.decode(raw)
      unindex_lease(k, id, record.lease)
      forget_lease_waiter(k, id, record)
      if record.lease and record.lease.payload and record.lease.expiresAtMs < k.now then
        drop_pinned_payload(k, id, record)
        redis.call('HSET', k.credentials, id, cjson.encode(record))
      end
      if record.status == 'active' and not record.quarantine then
        redis.call('ZADD', k.free, record.lastLeasedAtMs, free_member(record.seq, id))
      end
    end
  end
end
