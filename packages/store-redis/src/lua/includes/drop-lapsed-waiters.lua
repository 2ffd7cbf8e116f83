-- @include remove-waiter

-- Deletes waiting entries whose deadline has passed (deadlineMs <= now), earliest first,
-- within the step's budget. Only waiting entries have a deadline in waiter_deadlines.
local function drop_lapsed_waiters(k)
  if k.budget <= 0 then return end
  local lapsed = redis.call('ZRANGE', k.waiter_deadlines, '-inf', k.now, 'BYSCORE', 'LIMIT', 0, k.budget)
  for _, waiter_id in ipairs(lapsed) do
    remove_waiter(k, waiter_id)
  end
  k.budget = k.budget - #lapsed
end
