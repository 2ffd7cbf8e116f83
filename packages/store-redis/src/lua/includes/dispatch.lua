-- @include grant-to-waiter
-- @include remove-waiter

-- While a credential is free and someone waits, the head of the queue gets the best
-- free credential (the free set's LRU order, as in v1). Lapsed entries met at the head
-- are deleted. Each examined entry costs one unit of the step's budget. A granted
-- ticket's broker is woken: PUBLISH <wake prefix><brokerId> <ticketId> (a channel, not a
-- key), except for `quiet_waiter_id`, the caller of this very step, answered directly.
-- Callers reclaim expired leases first, so their credentials count as free.
local function dispatch(k, quiet_waiter_id)
  while k.budget > 0 do
    local head = redis.call('ZRANGE', k.waiting, 0, 0)
    if #head == 0 then return end
    local best = redis.call('ZRANGE', k.free, 0, 0)
    if #best == 0 then return end
    k.budget = k.budget - 1
    local waiter_id = head[1]
    local raw = redis.call('HGET', k.waiters, waiter_id)
    local entry = nil
    if raw then entry = cjson.decode(raw) end
    if not entry or entry.credentialId or entry.deadlineMs <= k.now then
      -- Lapsed (or not waiting at all): it never blocks those behind it.
      if entry and entry.credentialId then
        redis.call('ZREM', k.waiting, waiter_id)
        redis.call('ZREM', k.waiter_deadlines, waiter_id)
        redis.call('ZREM', k.ticket_deadlines, waiter_id)
      else
        remove_waiter(k, waiter_id)
      end
    else
      grant_to_waiter(k, waiter_id, entry, best[1])
      if entry.explicit and waiter_id ~= quiet_waiter_id then
        redis.call('PUBLISH', k.wake_prefix .. entry.brokerId, waiter_id)
      end
    end
  end
end
