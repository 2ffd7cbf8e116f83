-- Tells the broker holding a ticket's request that the ticket was just granted. A hint
-- only: brokers also tick, so a message lost on the way delays a grant, never loses it.
-- The wake route (ARGV[4], kind-context) says how:
--   PUBLISH <prefix>:wake:     single Redis: PUBLISH <prefix>:wake:<brokerId> <ticketId>,
--                              one channel per broker (works on Redis 6.2)
--   SPUBLISH <kind channel>    Redis Cluster: SPUBLISH on the kind's channel, under the
--                              kind's hash tag and so in this script's slot; every broker
--                              waiting on the kind hears it, so the message names the
--                              broker: the JSON array [brokerId, ticketId]
-- A channel is not a key: nothing is written.
local function wake_broker(k, broker_id, waiter_id)
  if k.wake_command == 'SPUBLISH' then
    redis.call('SPUBLISH', k.wake_channel, cjson.encode({broker_id, waiter_id}))
  else
    redis.call('PUBLISH', k.wake_channel .. broker_id, waiter_id)
  end
end
