-- @include reclaim-expired
-- @include drop-lapsed-waiters
-- @include dispatch

-- The queue step run after anything that may free a credential: reclaim expired leases
-- (lapsed pickups included), drop lapsed waiters, then dispatch. Bounded by k.limit
-- reclaims and k.budget examined entries.
local function hand_on(k, quiet_waiter_id)
  reclaim_expired(k)
  drop_lapsed_waiters(k)
  dispatch(k, quiet_waiter_id)
end
