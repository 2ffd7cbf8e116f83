-- @include remove-waiter

-- Deletes waiting entries whose deadline has passed (deadlineMs <= now), earliest first,
-- using at most half of the step's budget, so the dispatch after it always examines some
-- heads even when thousands lapsed at once (a broker died). Only waiting entries have a
-- deadline in waiter_deadlines.
local function drop_lapsed_waiters(k)
  local share = math.floor(k.budget / 2)
  if share <= 0 then return end
  local lapsed = redis.call('ZRANGE', k.waiter_deadlines, '-inf', k.now, 'BYSCORE', 'LIMIT', 0, share)
  for _, waiter_id in ipairs(lapsed) do
    remove_waiter(k, waiter_id)
  end
  k.budget = k.budget - #lapsed
end
