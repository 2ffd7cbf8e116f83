--[[
quarantine-credential: admin/quarantine of one credential of one kind, in one step: it is
never granted again until restored. A holder keeps its lease (heartbeat, release and
payload chunks work), and on its release the credential stays out of the pool.
brokenReports is kept. Event "quarantine" (admin). Already quarantined: changed 0, the
first quarantine (and its reason) stays, no event.

KEYS[1]  credential hash of the kind: field credentialId, value the record as JSON
KEYS[2]  free zset of the kind: member "<seq, 16 digits>:<credentialId>", score lastLeasedAtMs
KEYS[3]  active updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[4]  disabled updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[5]  sequence counter of the kind (string, INCR): creation, event and arrival order
KEYS[6]  admin event log of the kind: zset, scores 0, member "<occurredAtMs>:<seq>:<event JSON>"
KEYS[7]  quarantined set of the kind: active credentials under quarantine

ARGV[1]  now in integer ms, or "" to use the Redis TIME
ARGV[2]  credentialId
ARGV[3]  kind (recorded in the event)
ARGV[4]  actorId: reportedBy, and the event's actor
ARGV[5]  reason, or "" for none

Returns
  {"ok", changed (1 | 0), recordJson}
  {"CREDENTIAL_NOT_FOUND"}  the id -> kind lookup named this kind but no record exists
]]
-- @include append-event
-- @include free-member

local k = {sequence = KEYS[5], now = qa_store_now(ARGV[1])}
local id = ARGV[2]
local raw = redis.call('HGET', KEYS[1], id)
if not raw then return {'CREDENTIAL_NOT_FOUND'} end
local record = cjson.decode(raw)
if record.quarantine then return {'ok', 0, raw} end

local reason = nil
if ARGV[5] ~= '' then reason = ARGV[5] end
record.quarantine = {reason = reason, reportedBy = ARGV[4], actorRole = 'maintainer', atMs = k.now}
record.updatedAtMs = k.now
local encoded = cjson.encode(record)
redis.call('HSET', KEYS[1], id, encoded)
redis.call('ZREM', KEYS[2], free_member(record.seq, id))
if record.status == 'active' then
  redis.call('SADD', KEYS[7], id)
  redis.call('ZADD', KEYS[3], -k.now, id)
else
  redis.call('ZADD', KEYS[4], -k.now, id)
end
append_event(k, KEYS[6], {
  eventType = 'quarantine',
  actorId = ARGV[4],
  credentialId = id,
  kind = ARGV[3],
  message = reason,
})
return {'ok', 1, encoded}
