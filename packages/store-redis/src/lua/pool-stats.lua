--[[
pool-stats: counts of one kind's pool, each credential in one state (disabled, else
quarantined, else leased, else free). Read-only.

KEYS[1]  free zset of the kind: member "<seq, 16 digits>:<credentialId>", score lastLeasedAtMs
KEYS[2]  lease zset of the kind: member credentialId, score expiresAtMs
KEYS[3]  disabled updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[4]  waiter deadline zset of the kind (waiting entries): member waiterId, score deadlineMs
KEYS[5]  quarantined set of the kind: active credentials under quarantine

ARGV[1]  now in integer ms, or "" to use the Redis TIME

Returns {free, leased, disabled, waiting, quarantined}: free counts expired leases not yet
reclaimed; leased counts leases with expiresAtMs > now (queued grants not yet picked up
included); both leave out quarantined credentials (never in the free set, but possibly
still leased), which count in quarantined; waiting counts live waiting entries
(deadlineMs > now; tickets and implicit, not granted). Cost: set sizes, plus one ZSCORE
per quarantined credential.
]]
local now = qa_store_now(ARGV[1])
local expired = redis.call('ZCOUNT', KEYS[2], '-inf', now)
local leased = redis.call('ZCOUNT', KEYS[2], '(' .. string.format('%d', now), '+inf')
local waiting = redis.call('ZCOUNT', KEYS[4], '(' .. string.format('%d', now), '+inf')
local quarantined = redis.call('SMEMBERS', KEYS[5])
for _, id in ipairs(quarantined) do
  local expires_at = redis.call('ZSCORE', KEYS[2], id)
  if expires_at then
    if tonumber(expires_at) > now then leased = leased - 1 else expired = expired - 1 end
  end
end
return {
  redis.call('ZCARD', KEYS[1]) + expired, leased, redis.call('ZCARD', KEYS[3]), waiting,
  #quarantined,
}
