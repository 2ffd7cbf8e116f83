--[[
disable-credential: soft-disables one credential of one kind (admin/remove) and writes
its admin event, in one step. Nothing is ever deleted.

KEYS[1]  credential hash of the kind: field credentialId, value the record as JSON
KEYS[2]  free zset of the kind: member "<seq, 16 digits>:<credentialId>", score lastLeasedAtMs
KEYS[3]  lease zset of the kind: member credentialId, score expiresAtMs
KEYS[4]  active updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[5]  disabled updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[6]  admin event log of the kind: zset, scores 0, member "<occurredAtMs>:<seq>:<event JSON>"
KEYS[7]  sequence counter of the kind (string, INCR): creation order and event order

ARGV[1]  now in integer ms, or "" to use the Redis TIME
ARGV[2]  credentialId
ARGV[3]  kind (recorded in the events)
ARGV[4]  actorId (recorded in the events)
ARGV[5]  message of a CREDENTIAL_NOT_FOUND disable_failed event
ARGV[6]  message of a LEASE_ACTIVE disable_failed event

Returns
  {"ok", changed (1 | 0), recordJson}   changed 0: it was already disabled (no event)
  {"CREDENTIAL_NOT_FOUND"}  the id -> kind lookup named this kind but no record exists
  {"LEASE_ACTIVE"}
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
if not raw then
  -- The lookup was written but the add never completed: that credential does not exist.
  append_event(KEYS[6], {
    eventType = 'disable_failed',
    actorId = ARGV[4],
    credentialId = id,
    code = 'CREDENTIAL_NOT_FOUND',
    message = ARGV[5],
  })
  return {'CREDENTIAL_NOT_FOUND'}
end

local record = cjson.decode(raw)
if record.status == 'disabled' then return {'ok', 0, raw} end
if record.lease and record.lease.expiresAtMs > now then
  append_event(KEYS[6], {
    eventType = 'disable_failed',
    actorId = ARGV[4],
    credentialId = id,
    kind = ARGV[3],
    code = 'LEASE_ACTIVE',
    message = ARGV[6],
  })
  return {'LEASE_ACTIVE'}
end

record.status = 'disabled'
record.lease = nil
record.updatedAtMs = now
local encoded = cjson.encode(record)
redis.call('HSET', KEYS[1], id, encoded)
redis.call('ZREM', KEYS[2], string.format('%016d', record.seq) .. ':' .. id)
redis.call('ZREM', KEYS[3], id)
redis.call('ZREM', KEYS[4], id)
redis.call('ZADD', KEYS[5], -now, id)
append_event(KEYS[6], {
  eventType = 'disable',
  actorId = ARGV[4],
  credentialId = id,
  kind = ARGV[3],
})
return {'ok', 1, encoded}
