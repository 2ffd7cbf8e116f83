--[[
prune-events: deletes a bounded batch of the oldest events of one event log, those with
occurredAtMs < now - maxAgeMs. Exact, so retention is precise; O(log n + batch).

KEYS[1]  an event log: zset, scores 0, member "<occurredAtMs>:<seq>:<event JSON>", both
         numbers zero-padded to 16 digits (lexicographic order is time order)

ARGV[1]  now in integer ms, or "" to use the Redis TIME
ARGV[2]  maximum age (ms)
ARGV[3]  most events to delete in this call (count)

Returns the number of events deleted (integer).
]]
local now = qa_store_now(ARGV[1])
local cutoff = now - tonumber(ARGV[2])
local batch = tonumber(ARGV[3])
if cutoff <= 0 or batch < 1 then return 0 end

local oldest = redis.call('ZRANGE', KEYS[1], '-', '(' .. string.format('%016d:', cutoff), 'BYLEX', 'LIMIT', 0, batch)
if #oldest == 0 then return 0 end
-- Everything up to the last old member found is exactly that batch: they come first.
return redis.call('ZREMRANGEBYLEX', KEYS[1], '-', '[' .. oldest[#oldest])
