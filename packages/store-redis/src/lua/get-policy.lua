--[[
get-policy: one kind's policy hash, read-only.

KEYS[1]  policy hash of the kind: maxHoldMs, maxLeasesPerRole.<role>, maxLeasesPerOwner, quarantineAfterBroken, updatedAtMs

ARGV[1]  unused ("" ): every script takes at least one ARGV

Returns the hash, flat: {field, value, ...}; empty when the kind has no policy
]]
return redis.call('HGETALL', KEYS[1])
