--[[
heartbeat: extends the caller's lease on one credential of one kind, never past the
kind's maxHoldMs from the lease's acquiredAtMs (the policy read now: a policy set later
caps an existing lease from its next heartbeat). At or past that cap the lease is over.

KEYS[1]  credential hash of the kind: field credentialId, value the record as JSON
KEYS[2]  free zset of the kind: member "<seq, 16 digits>:<credentialId>", score lastLeasedAtMs
KEYS[3]  lease zset of the kind: member credentialId, score expiresAtMs
KEYS[4]  active updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[5]  policy hash of the kind: maxHoldMs, maxLeasesPerRole.<role>, maxLeasesPerOwner, quarantineAfterBroken, updatedAtMs
KEYS[6]  lease count hash of the kind: "role:<actorRole>" / "owner:<ownerId>" -> members of KEYS[3] they hold

ARGV[1]  now in integer ms, or "" to use the Redis TIME
ARGV[2]  credentialId
ARGV[3]  ownerId
ARGV[4]  leaseToken
ARGV[5]  leaseTtlMs (ms)

Returns
  {"ok", expiresAtMs, maxExpiresAtMs | ""}   maxExpiresAtMs when the kind has a maxHoldMs
  {"ABSENT"}               no such credential under this kind (caller tells not-found from kind mismatch)
  {"CREDENTIAL_DISABLED"} | {"LEASE_NOT_FOUND"} | {"LEASE_NOT_OWNER"} | {"LEASE_EXPIRED"}
]]
-- @include free-member
-- @include read-policy
-- @include hold-cap
-- @include index-lease

local k = {leases = KEYS[3], lease_counts = KEYS[6], now = qa_store_now(ARGV[1])}
local now = k.now

local id = ARGV[2]
local raw = redis.call('HGET', KEYS[1], id)
if not raw then return {'ABSENT'} end
local record = cjson.decode(raw)
if record.status ~= 'active' then return {'CREDENTIAL_DISABLED'} end
local lease = record.lease
if not lease then return {'LEASE_NOT_FOUND'} end
if lease.ownerId ~= ARGV[3] or lease.token ~= ARGV[4] then return {'LEASE_NOT_OWNER'} end
-- At exactly expiresAtMs == now the holder may still extend it.
if lease.expiresAtMs < now then return {'LEASE_EXPIRED'} end

local cap = hold_cap(read_policy(KEYS[5]), lease)
if cap and cap <= now then
  -- Held for maxHoldMs already (a policy set after the grant): the lease ends at the
  -- cap, so the next step reclaims it like any expired lease.
  if lease.expiresAtMs > cap then
    lease.expiresAtMs = cap
    redis.call('HSET', KEYS[1], id, cjson.encode(record))
    redis.call('ZADD', KEYS[3], 'XX', cap, id)
  end
  return {'LEASE_EXPIRED'}
end

local expires_at = now + tonumber(ARGV[5])
if cap and cap < expires_at then expires_at = cap end
lease.heartbeatAtMs = now
lease.expiresAtMs = expires_at
record.updatedAtMs = now
redis.call('HSET', KEYS[1], id, cjson.encode(record))
-- An acquire may already have reclaimed this lease into the free set at the very
-- instant it expired; a successful beat takes it back (and it counts again).
redis.call('ZREM', KEYS[2], free_member(record.seq, id))
index_lease(k, id, lease)
redis.call('ZADD', KEYS[4], -now, id)
return {'ok', expires_at, cap or ''}
