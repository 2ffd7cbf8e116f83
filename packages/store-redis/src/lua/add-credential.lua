--[[
add-credential: stores a new credential of one kind with its payload pieces and writes
the admin "add" event, in one step; an active one goes to the head of the kind's wait
queue at once if anyone waits. The server generated credentialId; the id -> kind lookup
was written before this script (see README).

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
ARGV[6]  kind (recorded in the add event)
ARGV[7]  status ("active" | "disabled")
ARGV[8]  actorId (recorded in the add event)
ARGV[9]  note, or "" for none
ARGV[10] byteLength of the whole serialized payload (UTF-8 bytes)
ARGV[11..] the payload pieces, in order (at least one)

Returns
  {"ok", recordJson}   the record as stored by the add (before any hand-on)
  {"DUPLICATE_ID"}     a credential with this id already exists (nothing changes)
]]
-- @include kind-context
-- @include append-event
-- @include free-member
-- @include hand-on
-- @include piece-field

local k = kind_context()
local id = ARGV[5]
if redis.call('HEXISTS', k.credentials, id) == 1 then return {'DUPLICATE_ID'} end

local first_piece = 11
local piece_count = #ARGV - first_piece + 1
if piece_count < 1 then
  return redis.error_reply('ERR qa-broker: a payload needs at least one piece')
end
for i = 1, piece_count do
  redis.call('HSET', k.payloads, piece_field(id, 0, i - 1), ARGV[first_piece + i - 1])
end

local status = ARGV[7]
local record = {
  status = status,
  createdAtMs = k.now,
  updatedAtMs = k.now,
  lastLeasedAtMs = 0,
  seq = redis.call('INCR', k.sequence),
  fence = 0,
  pieces = piece_count,
  bytes = tonumber(ARGV[10]),
}
if ARGV[9] ~= '' then record.note = ARGV[9] end
local encoded = cjson.encode(record)
redis.call('HSET', k.credentials, id, encoded)
if status == 'active' then
  redis.call('ZADD', k.free, 0, free_member(record.seq, id))
  redis.call('ZADD', k.updated_active, -k.now, id)
else
  redis.call('ZADD', k.updated_disabled, -k.now, id)
end
append_event(k, KEYS[18], {
  eventType = 'add',
  actorId = ARGV[8],
  credentialId = id,
  kind = ARGV[6],
})
if status == 'active' and redis.call('EXISTS', k.waiting) == 1 then hand_on(k, '') end
return {'ok', encoded}
