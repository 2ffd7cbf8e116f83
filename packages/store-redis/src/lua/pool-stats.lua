--[[
pool-stats: counts of one kind's pool, from set sizes only. Read-only.

KEYS[1]  free zset of the kind: member "<seq, 16 digits>:<credentialId>", score lastLeasedAtMs
KEYS[2]  lease zset of the kind: member credentialId, score expiresAtMs
KEYS[3]  disabled updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[4]  waiter deadline zset of the kind (waiting entries): member waiterId, score deadlineMs

ARGV[1]  now in integer ms, or "" to use the Redis TIME

Returns {free, leased, disabled, waiting}: free counts expired leases not yet reclaimed;
leased counts leases with expiresAtMs > now (queued grants not yet picked up included);
waiting counts live waiting entries (deadlineMs > now; tickets and implicit, not granted).
]]
local now = qa_store_now(ARGV[1])
local expired = redis.call('ZCOUNT', KEYS[2], '-inf', now)
local leased = redis.call('ZCOUNT', KEYS[2], '(' .. string.format('%d', now), '+inf')
local waiting = redis.call('ZCOUNT', KEYS[4], '(' .. string.format('%d', now), '+inf')
return {redis.call('ZCARD', KEYS[1]) + expired, leased, redis.call('ZCARD', KEYS[3]), waiting}
