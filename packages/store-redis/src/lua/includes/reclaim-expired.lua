-- @include forget-lease-waiter
-- @include free-member

-- A lease is active while expiresAtMs > now: move up to k.limit expired ones (earliest
-- first) back into the free set. The record keeps its expired lease (it still shows
-- until replaced, and its holder may still release it), but a queued grant's waiter
-- entry ends with it, so an undelivered grant past its pickupBy is simply handed on.
local function reclaim_expired(k)
  local expired = redis.call('ZRANGE', k.leases, '-inf', k.now, 'BYSCORE', 'LIMIT', 0, k.limit)
  for _, id in ipairs(expired) do
    redis.call('ZREM', k.leases, id)
    local raw = redis.call('HGET', k.credentials, id)
    if raw then
      local record = cjson.decode(raw)
      forget_lease_waiter(k, id, record)
      if record.status == 'active' then
        redis.call('ZADD', k.free, record.lastLeasedAtMs, free_member(record.seq, id))
      end
    end
  end
end
