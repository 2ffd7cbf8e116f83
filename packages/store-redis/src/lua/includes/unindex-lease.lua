-- @include count-lease

-- Takes the credential out of the lease zset (released, reclaimed, disabled); when it
-- was there, its holder's quota counts go down. `lease` is the lease it was indexed with.
local function unindex_lease(k, id, lease)
  if redis.call('ZREM', k.leases, id) == 1 and lease then count_lease(k, lease, -1) end
end
