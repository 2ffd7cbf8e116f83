-- @include grant-to-waiter
-- @include remove-waiter
-- @include over-quota
-- @include wake-broker

-- While a credential is free and someone waits, the first waiter in queue order that
-- its quotas let through gets the best free credential (the free set's LRU order, as in
-- v1; quarantined credentials are never in it). A waiter over quota keeps its place and
-- is stepped over, so it does not block those behind it. Lapsed entries met are deleted.
-- Each examined entry costs one unit of the step's budget. A granted ticket's broker is
-- woken (wake-broker), except for `quiet_waiter_id`, the caller of this very step,
-- answered directly. Callers reclaim
-- expired leases first, so their credentials count as free.
local function dispatch(k, quiet_waiter_id)
  -- Waiting entries stepped over (over quota) so far: the next candidate's rank.
  local skipped = 0
  while k.budget > 0 do
    local head = redis.call('ZRANGE', k.waiting, skipped, skipped)
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
    elseif over_quota(k, entry.actorRole, entry.ownerId) then
      skipped = skipped + 1
    else
      grant_to_waiter(k, waiter_id, entry, best[1])
      if entry.explicit and waiter_id ~= quiet_waiter_id then
        wake_broker(k, entry.brokerId, waiter_id)
      end
    end
  end
end
