-- Moves the quota counters of a lease's holder (its role and its ownerId) by `delta`.
-- Called exactly when the credential enters or leaves the lease zset (index-lease,
-- unindex-lease), so a count is the number of lease-zset members that holder has:
-- active leases and queued grants, until released or reclaimed. Zero counts are deleted.
local function count_lease(k, lease, delta)
  for _, field in ipairs({'role:' .. lease.actorRole, 'owner:' .. lease.ownerId}) do
    if redis.call('HINCRBY', k.lease_counts, field, delta) <= 0 then
      redis.call('HDEL', k.lease_counts, field)
    end
  end
end
