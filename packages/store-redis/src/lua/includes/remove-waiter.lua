-- Deletes a waiter entry from every queue structure, whatever state it was in.
local function remove_waiter(k, waiter_id)
  redis.call('HDEL', k.waiters, waiter_id)
  redis.call('ZREM', k.waiting, waiter_id)
  redis.call('ZREM', k.waiter_deadlines, waiter_id)
  redis.call('ZREM', k.ticket_deadlines, waiter_id)
  redis.call('ZREM', k.ticket_grants, waiter_id)
  redis.call('ZREM', k.reservations, waiter_id)
end
