--[[
restore-credential: admin/restore of one credential of one kind, in one step: clears its
quarantine, resets brokenReports and re-enables it if disabled. A credential no lease
holds goes back to the free set and on to the head waiter, if anyone waits. Event
"restore" (admin). Nothing to clear: changed 0, no event.

KEYS[1]  credential hash of the kind: field credentialId, value the record as JSON
KEYS[2]  payload hash of the kind: field "<credentialId>:<piece index>[@<version>]", value the piece
KEYS[3]  free zset of the kind: member "<seq, 16 digits>:<credentialId>", score lastLeasedAtMs
KEYS[4]  lease zset of the kind: member credentialId, score expiresAtMs
KEYS[5]  active updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[6]  disabled updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[7]  lease event log of the kind: zset, scores 0, member "<occurredAtMs>:<seq>:<event JSON>"
KEYS[8]  sequence counter of the kind (string, INCR): creation, event and arrival order
KEYS[9]  waiter hash of the kind: field waiterId, value the entry as JSON
KEYS[10] waiting zset of the kind: member waiterId, score (100 - priority) * 2^44 + seq
KEYS[11] waiter deadline zset of the kind (waiting entries): member waiterId, score deadlineMs
KEYS[12] ticket deadline zset of the kind (waiting tickets only): member waiterId, score deadlineMs
KEYS[13] ticket grant zset of the kind (undelivered ticket grants): member waiterId, score as KEYS[10]
KEYS[14] reservation zset of the kind (undelivered implicit grants): member waiterId, score as KEYS[10]
KEYS[15] policy hash of the kind: maxHoldMs, maxLeasesPerRole.<role>, maxLeasesPerOwner, quarantineAfterBroken, updatedAtMs
KEYS[16] lease count hash of the kind: "role:<actorRole>" / "owner:<ownerId>" -> members of KEYS[4] they hold
KEYS[17] quarantined set of the kind: active credentials under quarantine
KEYS[18] admin event log of the kind: zset, scores 0, member "<occurredAtMs>:<seq>:<event JSON>"

ARGV[1]  now in integer ms, or "" to use the Redis TIME
ARGV[2]  step limit: expired leases reclaimed and queue entries examined at most (count)
ARGV[3]  ticketGraceMs (ms): a waiter's deadline after each call, a ticket grant's pickup time
ARGV[4]  wake route: "PUBLISH <prefix>:wake:" (single Redis: a ticket grant PUBLISHes its
         ticketId to that prefix .. brokerId) or "SPUBLISH <prefix>:kind:{<kind>}:wake"
         (Redis Cluster: it SPUBLISHes the JSON array [brokerId, ticketId] there)
ARGV[5]  credentialId
ARGV[6]  kind (recorded in the event)
ARGV[7]  actorId (recorded in the event)

Returns
  {"ok", changed (1 | 0), recordJson}   the record after the restore (before any hand-on)
  {"CREDENTIAL_NOT_FOUND"}  the id -> kind lookup named this kind but no record exists
]]
-- @include kind-context
-- @include append-event
-- @include free-member
-- @include hand-on

local k = kind_context()
local id = ARGV[5]
local raw = redis.call('HGET', k.credentials, id)
if not raw then return {'CREDENTIAL_NOT_FOUND'} end
local record = cjson.decode(raw)
if not record.quarantine and not record.brokenReports and record.status == 'active' then
  return {'ok', 0, raw}
end

record.quarantine = nil
record.brokenReports = nil
record.status = 'active'
record.updatedAtMs = k.now
local encoded = cjson.encode(record)
redis.call('HSET', k.credentials, id, encoded)
redis.call('SREM', k.quarantined, id)
redis.call('ZREM', k.updated_disabled, id)
redis.call('ZADD', k.updated_active, -k.now, id)
-- A lease still indexed (active, or expired and not yet reclaimed) frees it later;
-- otherwise it is free now.
if not redis.call('ZSCORE', k.leases, id) then
  redis.call('ZADD', k.free, record.lastLeasedAtMs, free_member(record.seq, id))
end
append_event(k, KEYS[18], {
  eventType = 'restore',
  actorId = ARGV[7],
  credentialId = id,
  kind = ARGV[6],
})
if redis.call('EXISTS', k.waiting) == 1 then hand_on(k, '') end
return {'ok', 1, encoded}
