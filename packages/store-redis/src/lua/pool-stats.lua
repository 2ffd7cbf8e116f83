--[[
pool-stats: counts of one kind's pool, from set sizes only. Read-only.

KEYS[1]  free zset of the kind: member "<seq, 16 digits>:<credentialId>", score lastLeasedAtMs
KEYS[2]  lease zset of the kind: member credentialId, score expiresAtMs
KEYS[3]  disabled updated-at zset of the kind: member credentialId, score -updatedAtMs

ARGV[1]  now in integer ms, or "" to use the Redis TIME

Returns {free, leased, disabled}: free counts expired leases not yet reclaimed; leased
counts leases with expiresAtMs > now.
]]
local now = qa_store_now(ARGV[1])
local expired = redis.call('ZCOUNT', KEYS[2], '-inf', now)
local leased = redis.call('ZCOUNT', KEYS[2], '(' .. string.format('%d', now), '+inf')
return {redis.call('ZCARD', KEYS[1]) + expired, leased, redis.call('ZCARD', KEYS[3])}
