-- The instant a lease may last until under the kind's maxHoldMs (acquiredAtMs +
-- maxHoldMs), or nil when the kind has none. Read from the policy current now, so a
-- policy set later caps an existing lease from its next heartbeat.
local function hold_cap(policy, lease)
  if not policy.maxHoldMs then return nil end
  return lease.acquiredAtMs + policy.maxHoldMs
end
