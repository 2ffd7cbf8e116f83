--[[
release: ends the caller's lease on one credential of one kind (idempotent).

KEYS[1]  credential hash of the kind: field credentialId, value the record as JSON
KEYS[2]  free zset of the kind: member "<seq, 16 digits>:<credentialId>", score lastLeasedAtMs
KEYS[3]  lease zset of the kind: member credentialId, score expiresAtMs
KEYS[4]  active updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[5]  disabled updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[6]  lease event log of the kind: zset, scores 0, member "<occurredAtMs>:<seq>:<event JSON>"
KEYS[7]  sequence counter of the kind (string, INCR): creation order and event order

ARGV[1]  now in integer ms, or "" to use the Redis TIME
ARGV[2]  credentialId
ARGV[3]  ownerId
ARGV[4]  leaseToken
ARGV[5]  actorRole of the caller (recorded in the release event)

Returns
  {"ok", 1}   the lease was cleared (release event written)
  {"ok", 0}   no lease was stored (nothing changes, no event)
  {"ABSENT"}  no such credential under this kind
  {"LEASE_NOT_OWNER"}
]]
local now = qa_store_now(ARGV[1])

-- An event is one member of the log zset (all scores 0), "<occurredAtMs>:<seq>:<json>"
-- with both numbers zero-padded to 16 digits, so lexicographic order is time order even
-- when a clock steps back, and retention trims a prefix range.
local function append_event(log, event)
  local seq = redis.call('INCR', KEYS[7])
  redis.call('ZADD', log, 0, string.format('%016d:%016d:', now, seq) .. cjson.encode(event))
end

local id = ARGV[2]
local raw = redis.call('HGET', KEYS[1], id)
if not raw then return {'ABSENT'} end
local record = cjson.decode(raw)
local lease = record.lease
if not lease then return {'ok', 0} end
-- Even an expired lease may only be released by its own holder.
if lease.ownerId ~= ARGV[3] or lease.token ~= ARGV[4] then return {'LEASE_NOT_OWNER'} end

record.lease = nil
record.updatedAtMs = now
redis.call('HSET', KEYS[1], id, cjson.encode(record))
redis.call('ZREM', KEYS[3], id)
if record.status == 'active' then
  redis.call('ZADD', KEYS[2], record.lastLeasedAtMs, string.format('%016d', record.seq) .. ':' .. id)
  redis.call('ZADD', KEYS[4], -now, id)
else
  redis.call('ZADD', KEYS[5], -now, id)
end
append_event(KEYS[6], {
  eventType = 'release',
  actorRole = ARGV[5],
  ownerId = ARGV[3],
  credentialId = id,
})
return {'ok', 1}
