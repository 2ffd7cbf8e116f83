-- @include count-lease

-- Puts (or moves) the credential in the lease zset at the lease's expiry; a credential
-- that was not there yet counts toward its holder's quotas.
local function index_lease(k, id, lease)
  if redis.call('ZADD', k.leases, lease.expiresAtMs, id) == 1 then count_lease(k, lease, 1) end
end
