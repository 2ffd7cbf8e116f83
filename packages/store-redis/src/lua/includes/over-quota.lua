-- Which quota of the kind's policy a new lease for (role, owner) would exceed: 'role',
-- 'owner' or nil. Counts are those of count-lease (active leases and queued grants).
-- A role cap of 0 bars the role.
local function over_quota(k, role, owner)
  local policy = k.policy
  local role_cap = policy.roleCi
  if role == 'maintainer' then role_cap = policy.roleMaintainer end
  if role_cap then
    local held = tonumber(redis.call('HGET', k.lease_counts, 'role:' .. role) or '0')
    if held >= role_cap then return 'role' end
  end
  if policy.owner then
    local held = tonumber(redis.call('HGET', k.lease_counts, 'owner:' .. owner) or '0')
    if held >= policy.owner then return 'owner' end
  end
  return nil
end
