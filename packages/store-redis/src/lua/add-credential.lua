--[[
add-credential: stores a new credential of one kind with its payload pieces and writes
the admin "add" event, in one step. The server generated credentialId; the id -> kind
lookup was written before this script (see README).

KEYS[1]  credential hash of the kind: field credentialId, value the record as JSON
KEYS[2]  payload hash of the kind: field "<credentialId>:<piece index>", value the piece
KEYS[3]  free zset of the kind: member "<seq, 16 digits>:<credentialId>", score lastLeasedAtMs
KEYS[4]  active updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[5]  disabled updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[6]  sequence counter of the kind (string, INCR): creation order and event order
KEYS[7]  admin event log of the kind: zset, scores 0, member "<occurredAtMs>:<seq>:<event JSON>"

ARGV[1]  now in integer ms, or "" to use the Redis TIME
ARGV[2]  credentialId
ARGV[3]  kind (recorded in the add event)
ARGV[4]  status ("active" | "disabled")
ARGV[5]  actorId (recorded in the add event)
ARGV[6]  note, or "" for none
ARGV[7]  byteLength of the whole serialized payload (UTF-8 bytes)
ARGV[8..] the payload pieces, in order (at least one)

Returns
  {"ok", recordJson}
  {"DUPLICATE_ID"}   a credential with this id already exists (nothing changes)
]]
local now = qa_store_now(ARGV[1])

-- An event is one member of the log zset (all scores 0), "<occurredAtMs>:<seq>:<json>"
-- with both numbers zero-padded to 16 digits, so lexicographic order is time order even
-- when a clock steps back, and retention trims a prefix range.
local function append_event(log, event)
  local seq = redis.call('INCR', KEYS[6])
  redis.call('ZADD', log, 0, string.format('%016d:%016d:', now, seq) .. cjson.encode(event))
end

local id = ARGV[2]
if redis.call('HEXISTS', KEYS[1], id) == 1 then return {'DUPLICATE_ID'} end

local piece_count = #ARGV - 7
if piece_count < 1 then
  return redis.error_reply('ERR qa-broker: a payload needs at least one piece')
end
for i = 1, piece_count do
  redis.call('HSET', KEYS[2], id .. ':' .. string.format('%d', i - 1), ARGV[7 + i])
end

local status = ARGV[4]
local record = {
  status = status,
  createdAtMs = now,
  updatedAtMs = now,
  lastLeasedAtMs = 0,
  seq = redis.call('INCR', KEYS[6]),
  fence = 0,
  pieces = piece_count,
  bytes = tonumber(ARGV[7]),
}
if ARGV[6] ~= '' then record.note = ARGV[6] end
local encoded = cjson.encode(record)
redis.call('HSET', KEYS[1], id, encoded)
if status == 'active' then
  redis.call('ZADD', KEYS[3], 0, string.format('%016d', record.seq) .. ':' .. id)
  redis.call('ZADD', KEYS[4], -now, id)
else
  redis.call('ZADD', KEYS[5], -now, id)
end
append_event(KEYS[7], {
  eventType = 'add',
  actorId = ARGV[5],
  credentialId = id,
  kind = ARGV[3],
})
return {'ok', encoded}
