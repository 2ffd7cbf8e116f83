-- Where a waiting entry stands: position = 1 + entries ahead of it in the waiting zset,
-- queueLength = live waiting entries (explicit and implicit). Lapsed entries ahead are
-- dropped by each step before this (bounded); if more than a step's budget lapsed at
-- once, the position may count a few of them until later steps drop them, never more
-- than queueLength.
local function queue_place(k, waiter_id)
  local rank = redis.call('ZRANK', k.waiting, waiter_id) or 0
  local length = redis.call('ZCOUNT', k.waiter_deadlines, '(' .. string.format('%d', k.now), '+inf')
  local position = rank + 1
  if position > length then position = length end
  return {position, length}
end
